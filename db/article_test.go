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
	if b := got["b"]; b.FullText != full.FullText || b.State.Tries != 0 || !b.Published.Equal(full.Published) {
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
