package db

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestFeedChanges: every kind of write reports exactly the feeds it
// changed, under a sequence above the one readers saw before it.
func TestFeedChanges(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s", "u")
	seq, _, err := d.FeedChanges(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	step := func(name string, want ...string) {
		t.Helper()
		next, keys, err := d.FeedChanges(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(keys)
		slices.Sort(want)
		if !slices.Equal(keys, want) {
			t.Errorf("%s: changed feeds %q, want %q", name, keys, want)
		}
		seq = next
	}
	res := mustSave(t, d, "s", mkItem("s", "a", 1, []string{"x"}, "t1"), mkItem("s", "b", 2, []string{"x"}, "t1"))
	step("first items", "topic/t1", "tag/x", "tags")
	mustSave(t, d, "u", mkItem("u", "c", 3, []string{"y"}, "t2"))
	step("another source's item", "topic/t2", "tag/y", "tags")
	mustSave(t, d, "u", mkItem("u", "c", 3, []string{"y"}, "t2"))
	step("the same item again (unchanged)")
	changed := mkItem("s", "a", 1, []string{"x"}, "t1")
	changed.Title, changed.Hash = "Tiêu đề mới", "h-new"
	mustSave(t, d, "s", changed)
	step("an updated item", "topic/t1", "tag/x")
	if err := d.SetCuration(ctx, "t1", res.IDs[1], Hide, true); err != nil {
		t.Fatal(err)
	}
	step("a curation", "topic/t1")
	if err := d.SetItemTopics(ctx, map[int64][]string{res.IDs[0]: {"t1", "t3"}}); err != nil {
		t.Fatal(err)
	}
	step("a recomputed membership", "topic/t1", "topic/t3")
	if n, err := d.Prune(ctx, "u", t0.Add(time.Hour), 0); err != nil || n != 1 {
		t.Fatalf("Prune: %d, %v", n, err)
	}
	step("a pruned item", "topic/t2", "tag/y", "tags")
	s, err := d.Source(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	s.Title = "Báo S"
	if err := d.SaveSourceState(ctx, s); err != nil {
		t.Fatal(err)
	}
	step("a source's new title", "topic/t1", "topic/t3", "tag/x")
	s.Title = "Báo S mới"
	if _, err := d.SaveFetch(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	step("a fetch that renames its source", "topic/t1", "topic/t3", "tag/x")
	s.Title = "Báo S 3"
	if _, err := d.SaveFetch(ctx, s, []Item{mkItem("s", "d", 4, []string{"z"}, "t4")}); err != nil {
		t.Fatal(err)
	}
	step("a fetch with a new item that renames its source", "topic/t1", "topic/t3", "tag/x", "topic/t4", "tag/z", "tags")
	s.LastAttempt = t0.Add(2 * time.Hour)
	if err := d.SaveSourceState(ctx, s); err != nil {
		t.Fatal(err)
	}
	step("a poll that changed nothing shown")
}
