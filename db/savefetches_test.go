package db

import (
	"context"
	"slices"
	"testing"
)

// TestSaveFetchesFeedChanges: a group commit reports the feeds it changed
// as the fetches stored one by one would.
func TestSaveFetchesFeedChanges(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s", "u")
	mustSave(t, d, "s", mkItem("s", "a", 1, []string{"x"}, "t1"))
	seq, _, err := d.FeedChanges(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := d.Source(ctx, "s")
	u, _ := d.Source(ctx, "u")
	changed := mkItem("s", "a", 1, []string{"x"}, "t1")
	changed.Title, changed.Hash = "Tiêu đề mới", "h-new"
	_, errs, err := d.SaveFetches(ctx, []Fetch{{Source: u}, {Source: s, Items: []Item{changed}}})
	if err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatal(err, errs)
	}
	next, keys, err := d.FeedChanges(ctx, seq)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	if want := []string{"tag/x", "tags", "topic/t1"}; !slices.Equal(keys, want) || next <= seq {
		t.Errorf("changed feeds %q (seq %d after %d), want %q", keys, next, seq, want)
	}
}
