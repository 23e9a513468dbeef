package db

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestRenameCurations(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "a")
	ids := mustSave(t, d, "a", mkItem("a", "1", 1, nil, "cu"), mkItem("a", "2", 2, nil, "cu"), mkItem("a", "3", 3, nil, "cu")).IDs
	set := func(topic string, id int64, action string) {
		t.Helper()
		if err := d.SetCuration(ctx, topic, id, action, true); err != nil {
			t.Fatal(err)
		}
	}
	set("cu", ids[0], Pin)
	set("cu", ids[1], Hide)
	set("cu", ids[2], Pin)
	set("moi", ids[2], Hide) // the new topic's own decision wins
	seq, _ := d.ChangeSeq(ctx)
	n, err := d.RenameCurations(ctx, "cu", "moi")
	if err != nil || n != 2 {
		t.Fatalf("RenameCurations = %d, %v; want 2", n, err)
	}
	if after, _ := d.ChangeSeq(ctx); after == seq {
		t.Error("change sequence not bumped")
	}
	if old, _ := d.Curations(ctx, "cu"); len(old) != 0 {
		t.Errorf("curations left under the old slug: %+v", old)
	}
	got := map[int64]string{}
	cur, _ := d.Curations(ctx, "moi")
	for _, c := range cur {
		got[c.ItemID] = c.Action
	}
	if want := map[int64]string{ids[0]: Pin, ids[1]: Hide, ids[2]: Hide}; len(got) != 3 || got[ids[0]] != want[ids[0]] || got[ids[1]] != want[ids[1]] || got[ids[2]] != want[ids[2]] {
		t.Errorf("curations of moi = %v, want %v", got, want)
	}
	// Nothing left to move: no write, no change.
	seq, _ = d.ChangeSeq(ctx)
	if n, err := d.RenameCurations(ctx, "cu", "moi"); n != 0 || err != nil {
		t.Errorf("second RenameCurations = %d, %v", n, err)
	}
	if after, _ := d.ChangeSeq(ctx); after != seq {
		t.Error("a rename that moved nothing bumped the change sequence")
	}
	if _, err := d.RenameCurations(ctx, "moi", "moi"); err == nil {
		t.Error("renaming a topic to itself is not refused")
	}
}

func TestTopicSlugsAndReadOnly(t *testing.T) {
	ctx := context.Background()
	d, path := mustOpen(t)
	mustSync(t, d, "a")
	mustSave(t, d, "a", mkItem("a", "1", 1, nil, "b-topic", "a-topic"), mkItem("a", "2", 2, nil, "c-topic", "a-topic"))
	got, err := d.TopicSlugs(ctx)
	if want := []string{"a-topic", "b-topic", "c-topic"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("TopicSlugs = %v, %v; want %v", got, err, want)
	}

	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got, err := ro.TopicSlugs(ctx); err != nil || len(got) != 3 {
		t.Errorf("read-only TopicSlugs = %v, %v", got, err)
	}
	if err := ro.SetCuration(ctx, "a-topic", 1, Pin, true); err == nil {
		t.Error("a write through a read-only database succeeded")
	}
	missing := filepath.Join(t.TempDir(), "none", "x.db")
	if _, err := OpenReadOnly(ctx, missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenReadOnly(missing) = %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("OpenReadOnly created the directory of a missing database")
	}
}
