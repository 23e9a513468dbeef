package db

import (
	"context"
	"testing"
	"time"
)

// TestArticleState: the full text and the state of an article fetch are
// stored with the item; a changed state alone is written without counting
// the item as updated; Articles reads them back, and published pages leave
// the full text out.
func TestArticleState(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	src, err := d.Source(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	failed := mkItem("s", "a", 1, nil, "topic")
	failed.Article = ArticleState{Tries: 1, Next: t0.Add(time.Hour), Err: "timeout"}
	full := mkItem("s", "b", 2, nil, "topic")
	full.FullText = "<p>Thanh Xuân Bắc</p>"
	if res, err := d.SaveFetch(ctx, src, []Item{failed, full}); err != nil || res.New != 2 {
		t.Fatalf("SaveFetch: %+v, %v", res, err)
	}
	failed.Article = ArticleState{Tries: 2, Next: t0.Add(3 * time.Hour), Err: "status 500"}
	res, err := d.SaveFetch(ctx, src, []Item{failed, full})
	if err != nil || res.New+res.Updated != 0 {
		t.Fatalf("SaveFetch of a new article state only: %+v, %v; want nothing counted", res, err)
	}
	got, err := d.Articles(ctx, "s", []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if a := got["a"]; a.FullText != "" || a.State.Tries != 2 || !a.State.Next.Equal(t0.Add(3*time.Hour)) || a.State.Err != "status 500" {
		t.Errorf("a: %+v", a)
	}
	if b := got["b"]; b.FullText != full.FullText || b.State.Tries != 0 || !b.Published.Equal(full.Published) || b.Title != full.Title {
		t.Errorf("b: %+v", b)
	}
	if _, ok := got["c"]; ok {
		t.Errorf("an unknown guid was returned")
	}
	if it, err := d.ItemByLink(ctx, full.Link); err != nil || it.FullText != full.FullText {
		t.Errorf("ItemByLink: full text %q, %v", it.FullText, err)
	}
	page, err := d.TopicItems(ctx, "topic", ItemQuery{})
	if err != nil || len(page) != 2 {
		t.Fatalf("TopicItems: %d, %v", len(page), err)
	}
	for _, it := range page {
		if it.FullText != "" {
			t.Errorf("a published page carries the full text of %s", it.GUID)
		}
	}
}

// TestUndatedUpdateKeepsPublished: an Undated item (its Published the
// fetch time) that updates a stored one keeps the stored Published, in the
// item and in the tag and topic orderings, and takes the fetch time as
// Updated; a dated update stores its own dates.
func TestUndatedUpdateKeepsPublished(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	first := mkItem("s", "u", 0, []string{"tag"}, "topic")
	first.Undated = true
	other := mkItem("s", "o", 30, nil, "topic")
	mustSave(t, d, "s", first, other)

	later := t0.Add(time.Hour)
	edit := mkItem("s", "u", 60, []string{"tag"}, "topic") // Published, Updated: the fetch time
	edit.Undated, edit.Hash, edit.Summary = true, "h-u-2", "<p>edited</p>"
	if res := mustSave(t, d, "s", edit); res.Updated != 1 {
		t.Fatalf("SaveFetch of the edit: %+v, want 1 updated", res)
	}
	it, err := d.ItemByLink(ctx, first.Link)
	if err != nil {
		t.Fatal(err)
	}
	if !it.Published.Equal(t0) || !it.Updated.Equal(later) || it.Summary != "<p>edited</p>" {
		t.Errorf("undated edit: published %v, updated %v, summary %q; want %v, %v, the edit", it.Published, it.Updated, it.Summary, t0, later)
	}
	for name, query := range map[string]func() ([]Item, error){
		"topic": func() ([]Item, error) { return d.TopicItems(ctx, "topic", ItemQuery{}) },
		"tag":   func() ([]Item, error) { return d.TagItems(ctx, "tag", ItemQuery{}) },
	} {
		page, err := query()
		if err != nil || len(page) == 0 || page[len(page)-1].GUID != "u" {
			t.Errorf("%s page: %v, %v; want the undated item last, under its first date", name, page, err)
		}
	}

	dated := mkItem("s", "u", 90, []string{"tag"}, "topic")
	dated.Hash = "h-u-3"
	mustSave(t, d, "s", dated)
	if it, err := d.ItemByLink(ctx, first.Link); err != nil || !it.Published.Equal(dated.Published) {
		t.Errorf("dated update: published %v, %v; want %v", it.Published, err, dated.Published)
	}
}
