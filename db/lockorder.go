package db

import (
	"context"
)

// On PostgreSQL the writes of several instances share rows: the tags
// (their counts), the feed_changes rows and the change sequence. An item
// writer's transaction takes them in one order: its sources (id order,
// holdLeases); then, only when it updates a stored item (whose deleted
// tags and topics take those rows by trigger, in the order items come),
// every tag of the batch (sorted, prepareFetchPG); and, last, as its
// changes are flushed, the tags and feeds it changed (sorted) and the
// change sequence (bantin_write_changes). Taken in the order items come,
// the locks of a group commit made two instances' transactions wait for
// each other in a cycle (a deadlock, detected after a second and run
// again); taken at the start for every batch, they made the instances'
// writes queue for each other from first statement to commit.

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
