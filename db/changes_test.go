package db

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// changedSince returns the feeds changed after seq, sorted, and the new
// sequence.
func changedSince(t *testing.T, d *DB, seq int64) ([]string, int64) {
	t.Helper()
	next, keys, err := d.FeedChanges(context.Background(), seq)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys, next
}

// tagCounts returns the count of every tag with items, by slug.
func tagCounts(t *testing.T, d *DB) map[string]int {
	t.Helper()
	tags, err := d.Tags(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tg := range tags {
		out[tg.Slug] = tg.Count
	}
	return out
}

// TestInsertsFireNoTrigger: storing a fetch's new items, tags and topics,
// and a source's state, runs no trigger (a trigger makes SQLite keep a statement journal for
// every insert); what the triggers recorded is recorded once per
// transaction instead (the tests below).
func TestInsertsFireNoTrigger(t *testing.T) {
	sqliteOnly(t)
	d, _ := mustOpen(t)
	rows, err := d.sql.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger'
		AND tbl_name IN ('items', 'item_tags', 'item_topics') AND sql LIKE '%INSERT ON%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		t.Errorf("trigger %s fires on every insert of a fetch", name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The state of a source, written at every poll, fires none either.
	var n int
	if err := d.sql.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger'
		AND tbl_name = 'sources' AND sql NOT LIKE '%UPDATE OF%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		t.Errorf("%d triggers on sources fire on every source state a poll writes", n)
	}
}

// TestGroupCommitChanges: a group commit in which one fetch fails (its
// source is gone) is retried without it; the tag counts, the feeds
// changed and the search queue hold what the stored fetches wrote, once.
func TestGroupCommitChanges(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s", "u")
	mustSave(t, d, "s", mkItem("s", "old", 1, []string{"Thoi su"}, "t1"))
	if _, err := d.IndexSearch(ctx, 0); err != nil {
		t.Fatal(err)
	}
	_, seq := changedSince(t, d, 0)
	s, _ := d.Source(ctx, "s")
	u, _ := d.Source(ctx, "u")
	gone := u
	gone.ID = "gone"
	a := mkItem("s", "a", 2, []string{"Thoi su", "Kinh te"}, "t1", "t2")
	a.Tags = append(a.Tags, a.Tags[0]) // a repeated tag counts once
	b := mkItem("u", "b", 3, []string{"Thoi su"}, "t2")
	lost := mkItem("gone", "c", 4, []string{"Lost"}, "t9")
	res, errs, err := d.SaveFetches(ctx, []Fetch{{Source: s, Items: []Item{a}}, {Source: gone, Items: []Item{lost}},
		{Source: u, Items: []Item{b}}})
	if err != nil || errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("SaveFetches: %v, %v", err, errs)
	}
	if res[0].New != 1 || res[2].New != 1 {
		t.Errorf("results %+v", res)
	}
	keys, next := changedSince(t, d, seq)
	if want := []string{"tag/kinh-te", "tag/thoi-su", "tags", "topic/t1", "topic/t2"}; !slices.Equal(keys, want) || next <= seq {
		t.Errorf("changed feeds %q (seq %d after %d), want %q", keys, next, seq, want)
	}
	if got, want := tagCounts(t, d), map[string]int{"thoi-su": 3, "kinh-te": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("tag counts %v, want %v", got, want)
	}
	if keys, _ := changedSince(t, d, next); len(keys) != 0 {
		t.Errorf("changed again without a write: %q", keys)
	}
	if d.pg {
		return // no search index on PostgreSQL
	}
	if n, err := d.IndexSearch(ctx, 0); err != nil || n != 2 {
		t.Errorf("IndexSearch = %d, %v; want the 2 new items", n, err)
	}
	found, err := d.Search(ctx, SearchQuery{Match: SearchMatch(SearchPhrases("tieu de b"))})
	if err != nil || len(found) != 1 {
		t.Errorf("search for the new item: %d items, %v", len(found), err)
	}
}

// TestSetItemTagsChanges: replacing an item's tags counts them and
// reports the feeds of the tags it gains and loses.
func TestSetItemTagsChanges(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	res := mustSave(t, d, "s", mkItem("s", "a", 1, []string{"x"}, "t1"), mkItem("s", "b", 2, []string{"x"}))
	_, seq := changedSince(t, d, 0)
	if err := d.SetItemTags(ctx, map[int64][]Tag{res.IDs[0]: {{Slug: "y", Name: "Y"}, {Slug: "x"}}}); err != nil {
		t.Fatal(err)
	}
	keys, seq := changedSince(t, d, seq)
	if want := []string{"tag/x", "tag/y", "tags"}; !slices.Equal(keys, want) {
		t.Errorf("gaining a tag: changed feeds %q, want %q", keys, want)
	}
	if got, want := tagCounts(t, d), map[string]int{"x": 2, "y": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("tag counts %v, want %v", got, want)
	}
	if err := d.SetItemTags(ctx, map[int64][]Tag{res.IDs[0]: {{Slug: "x"}}, res.IDs[1]: {{Slug: "x"}}}); err != nil {
		t.Fatal(err)
	}
	keys, _ = changedSince(t, d, seq)
	if want := []string{"tag/x", "tag/y", "tags"}; !slices.Equal(keys, want) {
		t.Errorf("losing a tag: changed feeds %q, want %q", keys, want)
	}
	if got, want := tagCounts(t, d), map[string]int{"x": 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("tag counts %v, want %v", got, want)
	}
}

// TestCopyCountsAndQueues: a copy (migrate-db) into a new SQLite file
// counts the tags, reports every feed as changed and queues every item
// for search, as the rows it copies were written by fetches.
func TestCopyCountsAndQueues(t *testing.T) {
	ctx := context.Background()
	src, _ := mustOpen(t)
	mustSync(t, src, "a", "b")
	mustSave(t, src, "a", mkItem("a", "1", 1, []string{"Thoi su"}, "news"), mkItem("a", "2", 2, nil, "news"))
	mustSave(t, src, "b", mkItem("b", "3", 3, []string{"Thoi su", "Kinh te"}, "news", "biz"))
	dst, err := Open(ctx, filepath.Join(t.TempDir(), "copy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := Copy(ctx, dst, src); err != nil {
		t.Fatal(err)
	}
	if got, want := tagCounts(t, dst), tagCounts(t, src); !reflect.DeepEqual(got, want) || len(got) != 2 {
		t.Errorf("tag counts after copy %v, want %v", got, want)
	}
	seq, _ := src.ChangeSeq(ctx)
	keys, _ := changedSince(t, dst, seq-1)
	if want := []string{"tag/kinh-te", "tag/thoi-su", "tags", "topic/biz", "topic/news"}; !slices.Equal(keys, want) {
		t.Errorf("changed feeds after copy %q, want %q", keys, want)
	}
	if n, err := dst.IndexSearch(ctx, 0); err != nil || n != 3 {
		t.Errorf("IndexSearch after copy = %d, %v; want 3", n, err)
	}
}
