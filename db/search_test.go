package db

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// searchTitles returns the titles of the items a search for what a reader
// typed (q) finds.
func searchTitles(t *testing.T, d *DB, q string) []string {
	t.Helper()
	items, err := d.Search(context.Background(), SearchQuery{Match: SearchMatch(SearchPhrases(q))})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

// TestSearchIndexBackfill: items stored before migration 10 are indexed by
// IndexSearch; items saved after are indexed as they are written; deleted
// (pruned) items leave the index.
func TestSearchIndexBackfill(t *testing.T) {
	ctx := context.Background()
	d, sdb, finish := beforeSearch(t)
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
	finish()
	search := func(q string) []string { t.Helper(); return searchTitles(t, d, q) }
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

// beforeSearch returns a database of the engine under test as bantin left
// it before the search index existed (SQLite's migration 10, PostgreSQL's
// search migrations), its connection, and a function that applies the
// search migrations.
func beforeSearch(t *testing.T) (*DB, *sql.DB, func()) {
	ctx := context.Background()
	if testEngine == "postgres" {
		d, _ := openFresh(t)
		if _, err := d.sql.Exec(`DROP TABLE search_queue, item_search; DROP FUNCTION search_queue_item() CASCADE`); err != nil {
			t.Fatal(err)
		}
		ms, err := loadMigrations(pgMigrationFS, "migrations_pg")
		if err != nil {
			t.Fatal(err)
		}
		ms = slices.DeleteFunc(ms, func(m migration) bool { return !strings.Contains(m.Name, "_search") })
		if len(ms) == 0 {
			t.Fatal("no PostgreSQL search migration")
		}
		return d, d.sql, func() {
			for _, m := range ms {
				if _, err := d.sql.Exec(m.SQL); err != nil {
					t.Fatalf("%s: %v", m.Name, err)
				}
			}
		}
	}
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
	return d, sdb, func() {
		if err := d.applyMigrations(ctx, all); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSearchSameOnBothEngines: the same items stored on SQLite and on
// PostgreSQL give the same results for the same queries, in the same
// order (ranked, BM25 with several phrases included, and by date) and the
// same pages, past the rank window too.
func TestSearchSameOnBothEngines(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	pg, _ := openFresh(t)
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "bantin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	words := []string{"Hà Nội", "hà nội", "Hanoi", "Hà Nam", "TP.HCM", "TPHCM", "Tp. HCM", "TP HCM", "Đảng", "đang",
		"giá vàng", "vàng", "tăng", "giá", "thị trường", "chứng khoán", "Hoà Bình", "Hòa Bình", "tỷ giá", "tỉ giá",
		"VN-Index", "vnindex", "COVID-19", "bão", "mưa lớn", "Đà Lạt", "đ", "d", "Đ", "thuỷ điện", "<b>Quảng</b> Ninh",
		"hôm nay", "người dân", "kinh tế", "news", "USD", "C++", "東京"}
	rng := rand.New(rand.NewPCG(14, 14))
	text := func(min, max int) string {
		n := min + rng.IntN(max-min+1)
		parts := []string{"tin"} // in every item: more matches than the rank window
		for range n {
			parts = append(parts, words[rng.IntN(len(words))])
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		return strings.Join(parts, " ")
	}
	const n = RankWindow + 150
	items := make([]Item, n)
	for i := range items {
		items[i] = Item{GUID: fmt.Sprint("g", i), Title: text(2, 8), Summary: "<p>" + text(0, 30) + "</p>",
			Published: t0.Add(time.Duration(rng.IntN(1000)) * time.Minute)}
		if i%7 == 0 {
			items[i].Content = "<p>" + text(20, 60) + "</p>"
		}
	}
	for _, d := range []*DB{lite, pg} {
		mustSync(t, d, "s")
		for start := 0; start < n; start += 100 {
			mustSave(t, d, "s", items[start:min(start+100, n)]...)
		}
		if _, err := d.IndexSearch(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	guids := func(d *DB, q SearchQuery) []string {
		t.Helper()
		res, err := d.Search(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", d.Engine(), err)
		}
		var out []string
		for _, it := range res {
			out = append(out, it.GUID)
		}
		return out
	}
	queries := []string{"ha noi", "Hà Nội", "hanoi", "Đảng", "dang", "đang", "TP.HCM", "TPHCM", "tp hcm", "Tp. HCM mưa",
		"giá vàng tăng", `"giá vàng" "tăng"`, `"Hà Nội" bão "mưa lớn"`, "hoa binh", "Hoà Bình", "tỷ giá", "ty gia",
		"vnindex", "VN-Index", "covid 19", "COVID19", "đ", "d", "Quảng Ninh", "thuy dien", "tin", "tin ha noi", "news",
		"C++", "東京", "không có", `"tin" "d"`}
	checked := 0
	for _, query := range queries {
		match := SearchMatch(SearchPhrases(query))
		for _, byDate := range []bool{false, true} {
			for _, page := range [][2]int{{5000, 0}, {7, 3}, {10, RankWindow - 5}, {20, RankWindow + 10}} {
				q := SearchQuery{Match: match, ByDate: byDate, Limit: page[0], Offset: page[1]}
				want, got := guids(lite, q), guids(pg, q)
				if !slices.Equal(got, want) {
					t.Errorf("%q (by date %t, limit %d offset %d): PostgreSQL %d results, SQLite %d:\n%q\n%q",
						query, byDate, page[0], page[1], len(got), len(want), got, want)
				}
				checked += len(want)
			}
		}
	}
	// Filters.
	for _, q := range []SearchQuery{
		{Match: SearchMatch(SearchPhrases("vàng")), Source: "s", From: t0.Add(100 * time.Minute), To: t0.Add(500 * time.Minute)},
		{Match: SearchMatch(SearchPhrases("vàng")), Source: "x"},
	} {
		if want, got := guids(lite, q), guids(pg, q); !slices.Equal(got, want) {
			t.Errorf("%+v: PostgreSQL %q, SQLite %q", q, got, want)
		}
	}
	if checked < 5*RankWindow {
		t.Errorf("only %d results compared", checked)
	}
}

// TestParseMatch: the PostgreSQL side reads what SearchMatch writes, and
// refuses what it does not write with an error, never a panic.
func TestParseMatch(t *testing.T) {
	for _, q := range []string{`ha noi`, `"giá vàng" "tăng"`, `TP.HCM mưa`, `Tp. HCM`, `vn-index`, `C++ C# .NET`, `東京`, "tiêu đề a"} {
		m := SearchMatch(SearchPhrases(q))
		n, err := parseMatch(m)
		if err != nil {
			t.Errorf("parseMatch(SearchMatch(%q) = %q): %v", q, m, err)
			continue
		}
		if got, want := len(n.phrases()), strings.Count(m, `:"`); got != want {
			t.Errorf("%q: %d phrases, want %d", m, got, want)
		}
	}
	for _, m := range []string{`(`, `)`, `"open`, `a OR`, `AND a`, `NOT a`, `a NOT b`, `nope:"a"`, `{title nope}:"a"`, `{title`,
		`title:`, `a:b:c`, `((a)`, `"a" +`, `NEAR(a b)`, "\x00"} {
		if _, err := parseMatch(m); err == nil {
			t.Errorf("parseMatch(%q): no error", m)
		}
	}
	n, err := parseMatch(`bÃo AND (x OR title:"Y z")`)
	if err != nil {
		t.Fatal(err)
	}
	if p := n.phrases(); len(p) != 3 || p[0].toks[0] != "bÃo" || len(p[0].cols) != 7 || !slices.Equal(p[2].toks, []string{"y", "z"}) || !slices.Equal(p[2].cols, []int{0}) {
		t.Errorf("phrases: %+v %+v %+v", p[0], p[1], p[2])
	}
}

// TestSearchColumnsMigration: PostgreSQL's migration 12 fills each
// column's words from its text as IndexSearch writes them.
func TestSearchColumnsMigration(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	d, _ := openFresh(t)
	mustSync(t, d, "s")
	mustSave(t, d, "s", Item{GUID: "a", Title: "Đại hội Đảng tại TP.HCM, Hà Nội hà nội", Summary: "<p>Giá vàng tăng, VN-Index giảm; " +
		strings.Repeat("x", 2100) + " C++ 東京</p>", Content: "<p>TP HCM mưa lớn</p>", Published: t0})
	if _, err := d.IndexSearch(ctx, 0); err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(pgMigrationFS, "migrations_pg")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m migration) bool { return strings.HasSuffix(m.Name, "_search_columns.sql") })
	if i < 0 {
		t.Fatal("no search_columns migration")
	}
	// The migration's function, kept this time.
	fn := ms[i].SQL[strings.Index(ms[i].SQL, "CREATE FUNCTION"):]
	fn = fn[:strings.Index(fn, "$$;")+3]
	if _, err := d.sql.Exec(fn); err != nil {
		t.Fatal(err)
	}
	for _, c := range searchCols {
		var same bool
		if err := d.sql.QueryRow(`SELECT ` + c + `_words @> bantin_search_words(` + c + `) AND ` + c + `_words <@ bantin_search_words(` + c + `)
			AND cardinality(` + c + `_words) = cardinality(bantin_search_words(` + c + `)) FROM item_search`).Scan(&same); err != nil || !same {
			t.Errorf("column %s: the migration's words differ from IndexSearch's (%v)", c, err)
		}
	}
}

// BenchmarkIndexSearch: the daemon's search indexer on batches of 500 new
// items of about 1 KB of Vietnamese text (items/s of IndexSearch alone),
// so that a change that slows indexing (as inserting newest first did:
// a segment per item) shows: go test ./db -run '^$' -bench IndexSearch
func BenchmarkIndexSearch(b *testing.B) {
	d, _ := mustOpen(b)
	mustSync(b, d, "s")
	body := strings.Repeat("<p>Thủ tướng yêu cầu Hà Nội và TP.HCM đẩy nhanh giải ngân vốn đầu tư công; giá vàng SJC tăng, tỉ giá USD giảm nhẹ. </p>", 8)
	ctx := context.Background()
	n := 0
	var spent time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		items := make([]Item, 500)
		for k := range items {
			items[k] = mkItem("s", fmt.Sprintf("g%d-%d", i, k), k, nil)
			items[k].Content = body
		}
		mustSave(b, d, "s", items...)
		b.StartTimer()
		start := time.Now()
		got, err := d.IndexSearch(ctx, 500)
		spent += time.Since(start)
		if err != nil || got != len(items) {
			b.Fatalf("IndexSearch = %d, %v; want %d", got, err, len(items))
		}
		n += got
	}
	b.ReportMetric(float64(n)/spent.Seconds(), "items/s")
}
