package db

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestCopySQLiteToPostgresAndBack fills a SQLite desk (items, tags,
// topics, curations, tombstones, WebSub, feed versions), copies it into an
// empty PostgreSQL database and from there into a new SQLite file: the
// counts match at each step and the feeds read the same.
func TestCopySQLiteToPostgresAndBack(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	mustSync(t, lite, "a", "b")
	mustSave(t, lite, "a", mkItem("a", "1", 1, []string{"Thời sự"}, "news"), mkItem("a", "2", 2, nil, "news"))
	mustSave(t, lite, "b", mkItem("b", "3", 3, []string{"Thời sự", "Kinh tế"}, "news", "biz"))
	mustSave(t, lite, "b", mkItem("b", "old", -100000, nil))
	if _, err := lite.Prune(ctx, "b", t0.Add(-time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	items, _ := lite.TopicItems(ctx, "news", ItemQuery{})
	if err := lite.SetCuration(ctx, "news", items[0].ID, Pin, true); err != nil {
		t.Fatal(err)
	}
	if err := lite.SaveWebSubSubscription(ctx, WebSubSubscription{Topic: "t", Callback: "http://cb.test/", LeaseEnd: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := lite.SetFeedVersion(ctx, "topic/news", `"v1"`, t0); err != nil {
		t.Fatal(err)
	}
	if err := lite.SetTopicsHash(ctx, "hash-1"); err != nil {
		t.Fatal(err)
	}

	pg, _ := openFresh(t)
	counts, err := Copy(ctx, pg, lite)
	if err != nil {
		t.Fatalf("Copy to PostgreSQL: %v (%v)", err, counts)
	}
	back, err := Open(ctx, filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := Copy(ctx, back, pg); err != nil {
		t.Fatalf("Copy back to SQLite: %v", err)
	}
	for _, d := range []*DB{pg, back} {
		for _, slug := range []string{"news", "biz"} {
			want, _ := lite.TopicItems(ctx, slug, ItemQuery{})
			got, err := d.TopicItems(ctx, slug, ItemQuery{})
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: topic %s after copy = %v (%v), want %v", d.Engine(), slug, guids(got), err, guids(want))
			}
		}
		wantTags, _ := lite.Tags(ctx)
		if got, _ := d.Tags(ctx); !reflect.DeepEqual(got, wantTags) {
			t.Errorf("%s: tags = %v, want %v", d.Engine(), got, wantTags)
		}
		wantCur, _ := lite.Curations(ctx, "")
		if got, _ := d.Curations(ctx, ""); !reflect.DeepEqual(got, wantCur) {
			t.Errorf("%s: curations = %v, want %v", d.Engine(), got, wantCur)
		}
		if h, _ := d.TopicsHash(ctx); h != "hash-1" {
			t.Errorf("%s: topics hash = %q", d.Engine(), h)
		}
		s1, _ := lite.ChangeSeq(ctx)
		if s2, _ := d.ChangeSeq(ctx); s2 != s1 {
			t.Errorf("%s: change seq = %d, want %d", d.Engine(), s2, s1)
		}
		// a new item gets a fresh id, above the copied ones
		r := mustSave(t, d, "a", mkItem("a", "new", 5, nil, "news"))
		if max := items[0].ID; len(r.IDs) != 1 || r.IDs[0] <= max {
			t.Errorf("%s: new item id %v, want above %d", d.Engine(), r.IDs, max)
		}
	}
	// Copying into a database that holds anything is refused.
	if _, err := Copy(ctx, pg, lite); err == nil {
		t.Error("Copy into a non-empty database succeeded, want refused")
	}
}
