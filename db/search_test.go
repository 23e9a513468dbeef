package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSearchIndexBackfill: items stored before migration 10 are indexed by
// IndexSearch; items saved after are indexed as they are written; deleted
// (pruned) items leave the index.
func TestSearchIndexBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	sdb, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	d := &DB{sql: sdb, wlock: make(chan struct{}, 1), now: time.Now}
	t.Cleanup(func() { d.Close() })
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.applyMigrations(ctx, all[:9]); err != nil {
		t.Fatal(err)
	}
	// A database written by bantin before search existed.
	if _, err := sdb.Exec(`INSERT INTO sources (id, url) VALUES ('s', 'http://example.test/s')`); err != nil {
		t.Fatal(err)
	}
	titles := []string{"Đại hội Đảng khai mạc", "Giá vàng đang tăng", "TP.HCM mưa lớn"}
	for i, title := range titles {
		if _, err := sdb.Exec(`INSERT INTO items (source_id, guid, title, summary, published) VALUES ('s', ?, ?, '<p>tóm tắt</p>', ?)`,
			"g"+string(rune('a'+i)), title, int64(i+1)*1e9); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.applyMigrations(ctx, all); err != nil {
		t.Fatal(err)
	}
	search := func(q string) []string {
		t.Helper()
		items, err := d.Search(ctx, SearchQuery{Match: SearchMatch(SearchPhrases(q))})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.Title)
		}
		return out
	}
	if got := search("dang"); len(got) != 0 {
		t.Errorf("before backfill: %q", got)
	}
	n, err := d.IndexSearch(ctx, 2)
	if err != nil || n != 3 {
		t.Fatalf("IndexSearch = %d, %v; want 3", n, err)
	}
	if n, err := d.IndexSearch(ctx, 2); err != nil || n != 0 {
		t.Errorf("second IndexSearch = %d, %v; want 0", n, err)
	}
	index := func(want int) {
		t.Helper()
		if n, err := d.IndexSearch(ctx, 0); err != nil || n != want {
			t.Errorf("IndexSearch = %d, %v; want %d", n, err, want)
		}
	}
	if got := search("dang"); len(got) != 2 {
		t.Errorf("dang: %q", got)
	}
	if got := search("Đảng"); len(got) != 1 || got[0] != titles[0] {
		t.Errorf("Đảng: %q", got)
	}
	if got := search("tphcm"); len(got) != 1 {
		t.Errorf("tphcm: %q", got)
	}
	if got := search("tóm tắt"); len(got) != 3 {
		t.Errorf("summary text: %q", got)
	}
	// New and updated items are queued as they are saved.
	mustSave(t, d, "s", Item{GUID: "ga", Title: "Tiêu đề mới về bão", Published: time.Unix(1, 0), Hash: "new"})
	mustSave(t, d, "s", Item{GUID: "gd", Title: "Bão số 4", Published: time.Unix(1, 0)})
	if got := search("bao"); len(got) != 0 {
		t.Errorf("found before indexing: %q", got)
	}
	index(2)
	if got := search("Đảng"); len(got) != 0 {
		t.Errorf("after an update the old title is still found: %q", got)
	}
	if got := search("bao"); len(got) != 2 {
		t.Errorf("updated and new titles not found: %q", got)
	}
	// Unchanged items are not queued again.
	mustSave(t, d, "s", Item{GUID: "gd", Title: "Bão số 4", Published: time.Unix(1, 0)})
	index(0)
	// Deleted items leave the index.
	if _, err := sdb.Exec(`DELETE FROM items WHERE guid = 'gb'`); err != nil {
		t.Fatal(err)
	}
	if got := search("vàng"); len(got) != 0 {
		t.Errorf("deleted item still found: %q", got)
	}
}

// TestSearchHostileQueries: whatever a reader types, the FTS expression
// is valid (no syntax error reaches the reader) and finds nothing odd.
func TestSearchHostileQueries(t *testing.T) {
	sqliteOnly(t) // FTS5; PostgreSQL: TestSearchNotOnPostgres
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	mustSave(t, d, "s", mkItem("s", "a", 1, nil))
	if _, err := d.IndexSearch(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`"`, `""`, `"a" OR "b"`, `NOT AND OR`, `title:x`, `{title}: x`, `x*`, `^x`, `NEAR(a b)`,
		`a - b`, `(`, `)`, `'; DROP TABLE items; --`, "\x00", strings.Repeat(`"a `, 50), `đ"ả"ng`, `C++ C# .NET`, `東京`, "tiêu đề a"} {
		m := SearchMatch(SearchPhrases(q))
		if _, err := d.Search(context.Background(), SearchQuery{Match: m}); err != nil {
			t.Errorf("query %q (match %q): %v", q, m, err)
		}
	}
	items, err := d.Search(context.Background(), SearchQuery{Match: SearchMatch(SearchPhrases(`tiêu đề a`))})
	if err != nil || len(items) != 1 {
		t.Errorf("tiêu đề a: %d items, %v", len(items), err)
	}
}
