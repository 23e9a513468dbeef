package db

import (
	"context"
	"fmt"
	"slices"
)

// On PostgreSQL the writes of several instances share rows: the tags
// (their counts), the feed_changes row of each topic and tag (filled by
// triggers) and the change sequence in meta. Taken in the order items
// come, those locks make two instances' transactions wait for each other
// in a cycle (a deadlock, detected after a second and run again). An item
// writer's transaction takes them in one order instead: its sources (id
// order, holdLeases), then every tag of the batch and every existing
// feed_changes row it will touch (each in sorted order, lockShared), and
// the change sequence last, once (flushBump).

// lockShared locks, for the transaction, the tags and the existing
// feed_changes rows that the fetches' items will update, in sorted order
// (nothing on SQLite, whose writer is alone).
func lockShared(ctx context.Context, w *itemWriter, fetches []Fetch, errs []error) error {
	if !w.d.pg {
		return nil
	}
	var items []Item
	keys := map[string]bool{}
	for i, f := range fetches {
		if errs[i] != nil {
			continue
		}
		items = append(items, f.Items...)
		for _, it := range f.Items {
			for _, t := range it.Tags {
				keys["tag/"+t.Slug] = true
				keys["tags"] = true
			}
			for _, slug := range it.Topics {
				keys["topic/"+slug] = true
			}
		}
	}
	if len(items) == 0 {
		return nil
	}
	if err := lockTags(ctx, w.tx, items, w.locked); err != nil {
		return err
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	rows, err := w.queryContext(ctx, `SELECT key FROM feed_changes WHERE key = ANY (?) ORDER BY key FOR UPDATE`, sorted)
	if err != nil {
		return fmt.Errorf("lock feed changes: %w", err)
	}
	for rows.Next() {
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("lock feed changes: %w", err)
	}
	return nil
}

// flushBump bumps the change sequence once if the transaction's writes
// asked for it (see bumpChangeSeq).
func (w *itemWriter) flushBump(ctx context.Context) error {
	if !w.bump {
		return nil
	}
	w.bump = false
	if _, err := w.tx.ExecContext(ctx, bumpSQL); err != nil {
		return fmt.Errorf("bump change sequence: %w", err)
	}
	return nil
}
