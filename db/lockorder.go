package db

import (
	"context"
)

// On PostgreSQL the writes of several instances share rows: the tags
// (locked by lockTags for their counts), the feed_changes rows and the
// change sequence (written once, in order, when the transaction's changes
// are flushed). Taken in the order items come, the tag locks of a group
// commit make two instances' transactions wait for each other in a cycle
// (a deadlock, detected after a second and run again). An item writer's
// transaction takes them in one order instead: its sources (id order,
// holdLeases), then every tag of the batch (sorted, lockShared).

// lockShared creates the tags of the fetches' items in sorted order, and
// keeps the items in w.batch: a fetch that updates a stored item locks
// them all, in order, first (prepareFetchPG). A batch of new items only
// locks no tag before its changes are flushed (nothing on SQLite, whose
// writer is alone).
func lockShared(ctx context.Context, w *itemWriter, fetches []Fetch, errs []error) error {
	if !w.d.pg {
		return nil
	}
	var items []Item
	for i, f := range fetches {
		if errs[i] == nil {
			items = append(items, f.Items...)
		}
	}
	if len(items) == 0 {
		return nil
	}
	w.batch = items
	return w.upsertTagsPG(ctx, items)
}
