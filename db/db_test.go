package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// t0 is the base time of test items.
var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// mustOpen opens a fresh database file in a temporary directory.
func mustOpen(tb testing.TB) (*DB, string) {
	if testEngine != "sqlite" {
		return openFresh(tb)
	}
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "sub", "bantin.db")
	d, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() { d.Close() })
	return d, path
}

// mustSync declares the given source ids (URL http://example.test/ID).
func mustSync(tb testing.TB, d *DB, ids ...string) {
	tb.Helper()
	var specs []SourceSpec
	for _, id := range ids {
		specs = append(specs, SourceSpec{ID: id, URL: "http://example.test/" + id})
	}
	if err := d.SyncSources(context.Background(), specs); err != nil {
		tb.Fatalf("SyncSources: %v", err)
	}
}

// mkItem builds an item of src published at t0 + minutes.
func mkItem(src, guid string, minutes int, tags []string, topics ...string) Item {
	it := Item{
		SourceID:      src,
		GUID:          guid,
		Link:          "https://news.example/" + src + "/" + guid + "?utm_source=x",
		CanonicalLink: "https://news.example/" + src + "/" + guid,
		Title:         "Tiêu đề " + guid,
		Summary:       "<p>summary " + guid + "</p>",
		Published:     t0.Add(time.Duration(minutes) * time.Minute),
		Updated:       t0.Add(time.Duration(minutes) * time.Minute),
		FirstSeen:     t0.Add(time.Duration(minutes) * time.Minute),
		Hash:          "h-" + guid,
		Topics:        topics,
	}
	for _, tg := range tags {
		it.Tags = append(it.Tags, Tag{Slug: slugish(tg), Name: tg})
	}
	return it
}

// slugish is a stand-in for fold.Slug good enough for ASCII test names.
func slugish(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") }

func mustSave(tb testing.TB, d *DB, src string, items ...Item) SaveResult {
	tb.Helper()
	s, err := d.Source(context.Background(), src)
	if err != nil {
		tb.Fatalf("Source(%q): %v", src, err)
	}
	res, err := d.SaveFetch(context.Background(), s, items)
	if err != nil {
		tb.Fatalf("SaveFetch(%q): %v", src, err)
	}
	return res
}

func guids(items []Item) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.GUID)
	}
	return out
}

func TestOpenMigratesOnceAndSetsPragmas(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	// A path with characters that need escaping in a file: URI.
	path := filepath.Join(t.TempDir(), "a dir", "x?y#z%20.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not created at %q: %v", path, err)
	}
	seq1, err := d.ChangeSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if seq1 <= 0 {
		t.Errorf("ChangeSeq of a fresh database = %d, want > 0", seq1)
	}
	mustSync(t, d, "a")
	d.Close()

	for i := range 2 { // reopening twice must not re-run migrations
		d, err = Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		var v int
		if err := d.SQL().QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != SchemaVersion() || v < 1 {
			t.Errorf("user_version = %d, want %d", v, SchemaVersion())
		}
		srcs, err := d.Sources(ctx)
		if err != nil || len(srcs) != 1 {
			t.Errorf("Sources after reopen = %v, %v; want the one source", srcs, err)
		}
		if seq, _ := d.ChangeSeq(ctx); seq <= seq1 {
			t.Errorf("ChangeSeq after reopen = %d, want > %d (kept and bumped by SyncSources)", seq, seq1)
		}
		d.Close()
	}

	d, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	conn, err := d.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, tc := range []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"synchronous", "1"},
	} {
		var got string
		if err := conn.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	d, path := mustOpen(t)
	if _, err := d.SQL().Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	d.Close()
	_, err := Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer than this bantin knows") {
		t.Fatalf("Open of a newer database: err = %v, want a 'newer than this bantin knows' error", err)
	}
}

func TestSaveFetchCounts(t *testing.T) {
	d, _ := mustOpen(t)
	mustSync(t, d, "src")
	changed := mkItem("src", "b", 2, nil)
	changed.Title = "B sửa"
	changed.Hash = "h-b2"
	changedE := mkItem("src", "e", 6, nil)
	changedE.Hash = "h-e2"
	steps := []struct {
		name                string
		items               []Item
		wantNew, wantUpdate int
		wantTotal           int
	}{
		{"first fetch", []Item{mkItem("src", "a", 1, nil), mkItem("src", "b", 2, nil), mkItem("src", "c", 3, nil)}, 3, 0, 3},
		{"unchanged refetch", []Item{mkItem("src", "a", 1, nil), mkItem("src", "b", 2, nil), mkItem("src", "c", 3, nil)}, 0, 0, 3},
		{"one changed one new", []Item{mkItem("src", "a", 1, nil), changed, mkItem("src", "d", 4, nil)}, 1, 1, 4},
		{"empty fetch", nil, 0, 0, 4},
		{"guid repeated in one fetch", []Item{mkItem("src", "e", 5, nil), changedE, mkItem("src", "e", 5, nil)}, 1, 0, 5},
	}
	ctx := context.Background()
	for _, st := range steps {
		seqBefore, _ := d.ChangeSeq(ctx)
		res := mustSave(t, d, "src", st.items...)
		if res.New != st.wantNew || res.Updated != st.wantUpdate || len(res.IDs) != st.wantNew+st.wantUpdate {
			t.Errorf("%s: New/Updated/IDs = %d/%d/%d, want %d/%d/%d", st.name, res.New, res.Updated,
				len(res.IDs), st.wantNew, st.wantUpdate, st.wantNew+st.wantUpdate)
		}
		if n, _ := d.ItemCount(ctx); n != st.wantTotal {
			t.Errorf("%s: ItemCount = %d, want %d", st.name, n, st.wantTotal)
		}
		seqAfter, _ := d.ChangeSeq(ctx)
		if gotBump, wantBump := seqAfter > seqBefore, st.wantNew+st.wantUpdate > 0; gotBump != wantBump {
			t.Errorf("%s: change seq %d -> %d, bumped = %v, want %v", st.name, seqBefore, seqAfter, gotBump, wantBump)
		}
		s, _ := d.Source(ctx, "src")
		if s.LastNew != st.wantNew || s.LastUpdated != st.wantUpdate {
			t.Errorf("%s: source LastNew/LastUpdated = %d/%d, want %d/%d", st.name, s.LastNew, s.LastUpdated, st.wantNew, st.wantUpdate)
		}
	}
	counts, err := d.SourceCounts(ctx)
	if err != nil || counts["src"] != 5 {
		t.Errorf("SourceCounts = %v, %v; want src: 5", counts, err)
	}
}

func TestSaveFetchUpdateKeepsIDAndFirstSeen(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "src")
	orig := mkItem("src", "x", 10, []string{"Hà Nội", "Thời sự"}, "topic-a")
	orig.Authors = []Person{{Name: "Nguyễn Văn A", Email: "a@example.test"}}
	orig.Categories = []string{"Thời sự"}
	orig.Enclosures = []Enclosure{{URL: "https://cdn.example/a.mp3", Type: "audio/mpeg", Length: 123}}
	res := mustSave(t, d, "src", orig)
	id := res.IDs[0]

	upd := mkItem("src", "x", 12, []string{"Kinh tế"}, "topic-b")
	upd.FirstSeen = t0.Add(time.Hour) // a later fetch's notion of first-seen must not win
	upd.Title = "Tiêu đề mới"
	upd.Hash = "h-x2"
	res = mustSave(t, d, "src", upd)
	if res.Updated != 1 || len(res.IDs) != 1 || res.IDs[0] != id {
		t.Fatalf("update result = %+v, want Updated 1 with ID %d", res, id)
	}
	got, err := d.Item(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !got.FirstSeen.Equal(orig.FirstSeen) {
		t.Errorf("FirstSeen = %v, want %v (kept)", got.FirstSeen, orig.FirstSeen)
	}
	if got.Title != "Tiêu đề mới" || !got.Published.Equal(upd.Published) {
		t.Errorf("Title/Published = %q/%v, want updated %q/%v", got.Title, got.Published, upd.Title, upd.Published)
	}
	if got.Published.Location() != time.UTC {
		t.Errorf("Published location = %v, want UTC", got.Published.Location())
	}
	if len(got.Authors) != 0 || len(got.Enclosures) != 0 {
		t.Errorf("Authors/Enclosures = %v/%v, want replaced by empty", got.Authors, got.Enclosures)
	}
	if want := []Tag{{Slug: "kinh-tế", Name: "Kinh tế"}}; !slices.Equal(got.Tags, want) {
		t.Errorf("Tags = %v, want %v", got.Tags, want)
	}
	if want := []string{"topic-b"}; !slices.Equal(got.Topics, want) {
		t.Errorf("Topics = %v, want %v", got.Topics, want)
	}
	if items, _ := d.TopicItems(ctx, "topic-a", ItemQuery{}); len(items) != 0 {
		t.Errorf("TopicItems(topic-a) after update = %v, want none", guids(items))
	}
	tags, _ := d.Tags(ctx)
	if want := []Tag{{Slug: "kinh-tế", Name: "Kinh tế", Count: 1}}; !slices.Equal(tags, want) {
		t.Errorf("Tags() = %v, want %v (old tags at count 0 hidden)", tags, want)
	}
}

func TestItemRoundTrip(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	if err := d.SyncSources(ctx, []SourceSpec{{ID: "vn", URL: "http://example.test/vn", Title: "Kinh tế & Đô thị"}}); err != nil {
		t.Fatal(err)
	}
	s, _ := d.Source(ctx, "vn")
	s.Title, s.SiteURL, s.URL = "Feed title", "https://kinhtedothi.example/", "http://example.test/vn2"
	if err := d.SaveSourceState(ctx, s); err != nil {
		t.Fatal(err)
	}
	in := mkItem("vn", "guid-1", 5, []string{"Hà Nội", "Thời sự"}, "dai-hoi-dang", "ha-noi")
	in.Content = "<p>Nội dung</p>"
	in.Authors = []Person{{Name: "Trần Thị B", URI: "https://x.example/b"}}
	in.Categories = []string{"Thời sự", "Hà Nội"}
	in.Enclosures = []Enclosure{{URL: "https://cdn.example/a.jpg", Type: "image/jpeg", Length: 42}}
	in.ImageURL = "https://cdn.example/a.jpg"
	in.Language = "vi"
	in.Published = time.Date(2026, 11, 20, 15, 0, 0, 123456789, time.FixedZone("ICT", 7*3600))
	res := mustSave(t, d, "vn", in)
	got, err := d.Item(ctx, res.IDs[0])
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.ID = res.IDs[0]
	want.Published = in.Published.UTC()
	want.SourceTitle = "Kinh tế & Đô thị"
	want.SourceURL = "http://example.test/vn2"
	want.SourceSite = "https://kinhtedothi.example/"
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
		t.Errorf("Item round trip:\n got %s\nwant %s", g, w)
	}
	if _, err := d.Item(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Item(999) err = %v, want ErrNotFound", err)
	}

	for _, tc := range []struct {
		name, link string
		wantErr    error
	}{
		{"link", in.Link, nil},
		{"canonical link", in.CanonicalLink, nil},
		{"unknown", "https://nope.example/", ErrNotFound},
		{"empty", "", ErrNotFound},
	} {
		it, err := d.ItemByLink(ctx, tc.link)
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && it.ID != want.ID) {
			t.Errorf("ItemByLink %s: id %d err %v, want id %d err %v", tc.name, it.ID, err, want.ID, tc.wantErr)
		}
	}

	items, err := d.Items(ctx, []int64{999, want.ID, want.ID})
	if err != nil || len(items) != 1 || items[0].ID != want.ID {
		t.Errorf("Items = %v, %v; want just item %d", items, err, want.ID)
	}
}

func TestSaveFetchRejectsBadItems(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "src")
	s, _ := d.Source(ctx, "src")
	for _, tc := range []struct {
		name    string
		src     Source
		items   []Item
		wantErr string
	}{
		{"no guid", s, []Item{{SourceID: "src", Title: "x", Published: t0}}, "no GUID"},
		{"other source", s, []Item{mkItem("other", "a", 1, nil)}, "belongs to source"},
		{"unknown source", Source{ID: "ghost"}, []Item{mkItem("ghost", "a", 1, nil)}, "not found"},
	} {
		_, err := d.SaveFetch(ctx, tc.src, tc.items)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: err = %v, want containing %q", tc.name, err, tc.wantErr)
		}
	}
	if n, _ := d.ItemCount(ctx); n != 0 {
		t.Errorf("ItemCount after rejected fetches = %d, want 0 (rolled back)", n)
	}
}

func TestTopicAndTagOrderingAndPaging(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s1", "s2")
	// Equal Published times tie-break by ID desc; insertion order gives IDs.
	mustSave(t, d, "s1",
		mkItem("s1", "a", 1, []string{"X"}, "t"),
		mkItem("s1", "b", 5, []string{"X"}, "t"),
		mkItem("s1", "c", 5, []string{"X"}, "t"),
		mkItem("s1", "d", 3, nil, "t"),
		mkItem("s1", "e", 9, []string{"X"}), // not in topic t
	)
	mustSave(t, d, "s2",
		mkItem("s2", "f", 5, []string{"X"}, "t"),
		mkItem("s2", "g", 7, nil, "t", "u"),
	)
	wantTopic := []string{"g", "f", "c", "b", "d", "a"}
	wantTag := []string{"e", "f", "c", "b", "a"}

	for _, tc := range []struct {
		name  string
		query func(ItemQuery) ([]Item, error)
		want  []string
	}{
		{"topic t", func(q ItemQuery) ([]Item, error) { return d.TopicItems(ctx, "t", q) }, wantTopic},
		{"tag x", func(q ItemQuery) ([]Item, error) { return d.TagItems(ctx, "x", q) }, wantTag},
		{"unknown topic", func(q ItemQuery) ([]Item, error) { return d.TopicItems(ctx, "none", q) }, []string{}},
	} {
		all, err := tc.query(ItemQuery{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := guids(all); !slices.Equal(got, tc.want) {
			t.Errorf("%s: order = %v, want %v", tc.name, got, tc.want)
		}
		for _, size := range []int{1, 2, 4} {
			var got []string
			var before *Cursor
			for range 10 {
				page, err := tc.query(ItemQuery{Limit: size, Before: before})
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if len(page) > size {
					t.Fatalf("%s: page of %d items, limit %d", tc.name, len(page), size)
				}
				got = append(got, guids(page)...)
				if len(page) < size {
					break
				}
				// Through the string form, as the publisher passes it in URLs.
				c, err := ParseCursor(CursorOf(page[len(page)-1]).String())
				if err != nil {
					t.Fatal(err)
				}
				before = &c
			}
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: paged by %d = %v, want %v", tc.name, size, got, tc.want)
			}
		}
	}

	page, _ := d.TopicItems(ctx, "t", ItemQuery{Limit: 1})
	if it := page[0]; it.SourceTitle != "" || it.SourceURL != "http://example.test/s2" || len(it.Topics) != 2 {
		t.Errorf("first topic item source fields/topics = %q %q %v", it.SourceTitle, it.SourceURL, it.Topics)
	}
	tags, err := d.Tags(ctx)
	if want := []Tag{{Slug: "x", Name: "X", Count: 5}}; err != nil || !slices.Equal(tags, want) {
		t.Errorf("Tags = %v, %v; want %v", tags, err, want)
	}
	if _, err := d.Tag(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Tag(nope) err = %v, want ErrNotFound", err)
	}
}

func TestCursorString(t *testing.T) {
	for _, c := range []Cursor{
		{Published: t0.Add(123 * time.Nanosecond), ID: 42},
		{Published: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), ID: 1},
	} {
		got, err := ParseCursor(c.String())
		if err != nil || !got.Published.Equal(c.Published) || got.ID != c.ID {
			t.Errorf("ParseCursor(%q) = %+v, %v; want %+v", c.String(), got, err, c)
		}
	}
	for _, bad := range []string{"", "12", "a_1", "1_b", "1_"} {
		if _, err := ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) succeeded, want error", bad)
		}
	}
}

func TestSetItemTopics(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	res := mustSave(t, d, "s", mkItem("s", "a", 1, nil, "old"), mkItem("s", "b", 2, nil, "old"))
	a, b := res.IDs[0], res.IDs[1]
	steps := []struct {
		name     string
		m        map[int64][]string
		wantBump bool
		wantNew  []string
		wantOld  []string
	}{
		{"move a to new", map[int64][]string{a: {"new"}}, true, []string{"a"}, []string{"b"}},
		{"same again", map[int64][]string{a: {"new"}}, false, []string{"a"}, []string{"b"}},
		{"b into both, unknown id ignored", map[int64][]string{b: {"new", "old", "new"}, 999: {"new"}}, true, []string{"b", "a"}, []string{"b"}},
		{"a out of everything", map[int64][]string{a: nil}, true, []string{"b"}, []string{"b"}},
	}
	for _, st := range steps {
		before, _ := d.ChangeSeq(ctx)
		if err := d.SetItemTopics(ctx, st.m); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		after, _ := d.ChangeSeq(ctx)
		if (after > before) != st.wantBump {
			t.Errorf("%s: bumped = %v, want %v", st.name, after > before, st.wantBump)
		}
		for topic, want := range map[string][]string{"new": st.wantNew, "old": st.wantOld} {
			items, _ := d.TopicItems(ctx, topic, ItemQuery{})
			if got := guids(items); !slices.Equal(got, want) {
				t.Errorf("%s: topic %s = %v, want %v", st.name, topic, got, want)
			}
		}
	}
	if err := d.SetTopicsHash(ctx, "0123"); err != nil {
		t.Fatal(err)
	}
	if h, err := d.TopicsHash(ctx); err != nil || h != "0123" {
		t.Errorf("TopicsHash = %q, %v; want %q", h, err, "0123")
	}
}

func TestCurations(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	res := mustSave(t, d, "s", mkItem("s", "a", 1, nil, "t"), mkItem("s", "b", 2, nil, "t"), mkItem("s", "c", 3, nil, "t"))
	a, b, c := res.IDs[0], res.IDs[1], res.IDs[2]
	d.now = func() time.Time { return t0.Add(time.Hour) }

	type op struct {
		topic  string
		id     int64
		action string
		on     bool
	}
	for _, o := range []op{
		{"t", a, Pin, true},
		{"t", b, Pin, true},
		{"t", b, Hide, true}, // replaces the pin
		{"u", c, Hide, true},
		{"t", c, Pin, true},
		{"t", c, Pin, false},
		{"t", a, Hide, false}, // a is pinned, not hidden: no-op
	} {
		if err := d.SetCuration(ctx, o.topic, o.id, o.action, o.on); err != nil {
			t.Fatalf("SetCuration(%+v): %v", o, err)
		}
	}
	got, err := d.Curations(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	want := []Curation{
		{Topic: "t", ItemID: a, Link: mkItem("s", "a", 0, nil).Link, CanonicalLink: mkItem("s", "a", 0, nil).CanonicalLink, Title: "Tiêu đề a", Action: Pin, At: t0.Add(time.Hour)},
		{Topic: "t", ItemID: b, Link: mkItem("s", "b", 0, nil).Link, CanonicalLink: mkItem("s", "b", 0, nil).CanonicalLink, Title: "Tiêu đề b", Action: Hide, At: t0.Add(time.Hour)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Curations(t) =\n %+v\nwant\n %+v", got, want)
	}
	if all, _ := d.Curations(ctx, ""); len(all) != 3 {
		t.Errorf("Curations(\"\") has %d, want 3", len(all))
	}
	items, _ := d.TopicItems(ctx, "t", ItemQuery{SkipHidden: true})
	if got, want := guids(items), []string{"c", "a"}; !slices.Equal(got, want) {
		t.Errorf("TopicItems SkipHidden = %v, want %v", got, want)
	}
	// Hide survives an update of the item.
	upd := mkItem("s", "b", 2, nil, "t")
	upd.Hash = "changed"
	mustSave(t, d, "s", upd)
	items, _ = d.TopicItems(ctx, "t", ItemQuery{SkipHidden: true})
	if got, want := guids(items), []string{"c", "a"}; !slices.Equal(got, want) {
		t.Errorf("TopicItems SkipHidden after update = %v, want %v", got, want)
	}
	// ... and a rule change that takes b out of the topic and back in.
	for _, topics := range [][]string{{"other"}, {"t"}} {
		if err := d.SetItemTopics(ctx, map[int64][]string{b: topics}); err != nil {
			t.Fatal(err)
		}
	}
	items, _ = d.TopicItems(ctx, "t", ItemQuery{SkipHidden: true})
	if got, want := guids(items), []string{"c", "a"}; !slices.Equal(got, want) {
		t.Errorf("TopicItems SkipHidden after rule change = %v, want %v", got, want)
	}
	if cs, _ := d.Curations(ctx, "t"); len(cs) != 2 || cs[1].ItemID != b || cs[1].Action != Hide {
		t.Errorf("Curations after rule change = %+v, want the pin of a and the hide of b", cs)
	}

	for _, tc := range []struct {
		name    string
		o       op
		wantErr string
	}{
		{"bad action", op{"t", a, "star", true}, "unknown action"},
		{"empty topic", op{"", a, Pin, true}, "empty topic"},
		{"unknown item", op{"t", 999, Pin, true}, "not found"},
	} {
		err := d.SetCuration(ctx, tc.o.topic, tc.o.id, tc.o.action, tc.o.on)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: err = %v, want containing %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestPruneTombstones(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s", "other")
	var items []Item
	for i := range 10 {
		items = append(items, mkItem("s", fmt.Sprintf("g%d", i), i*60, []string{"X"}, "t"))
	}
	res := mustSave(t, d, "s", items...)
	mustSave(t, d, "other", mkItem("other", "o", 0, []string{"X"}, "t"))
	if err := d.SetCuration(ctx, "t", res.IDs[0], Pin, true); err != nil { // g0: pinned, oldest
		t.Fatal(err)
	}
	if err := d.SetCuration(ctx, "t", res.IDs[1], Hide, true); err != nil { // g1: hidden, prunable
		t.Fatal(err)
	}
	cut := t0.Add(5 * time.Hour) // g0..g4 are older; g0 pinned

	var rounds []int
	for {
		seq, _ := d.ChangeSeq(ctx)
		n, err := d.Prune(ctx, "s", cut, 3)
		if err != nil {
			t.Fatal(err)
		}
		rounds = append(rounds, n)
		if after, _ := d.ChangeSeq(ctx); (after > seq) != (n > 0) {
			t.Errorf("Prune of %d bumped change seq %d -> %d", n, seq, after)
		}
		if n < 3 {
			break
		}
	}
	if want := []int{3, 1}; !slices.Equal(rounds, want) {
		t.Errorf("Prune rounds = %v, want %v", rounds, want)
	}
	counts, _ := d.SourceCounts(ctx)
	if counts["s"] != 6 || counts["other"] != 1 {
		t.Errorf("SourceCounts after prune = %v, want s: 6, other: 1", counts)
	}
	if _, err := d.Item(ctx, res.IDs[0]); err != nil {
		t.Errorf("pinned item pruned: %v", err)
	}
	if cs, _ := d.Curations(ctx, "t"); len(cs) != 1 || cs[0].Action != Pin {
		t.Errorf("Curations after prune = %+v, want only the pin", cs)
	}
	tags, _ := d.Tags(ctx)
	if len(tags) != 1 || tags[0].Count != 7 {
		t.Errorf("Tags after prune = %v, want X with count 7", tags)
	}
	// Upstream still lists all ten: the pruned four must not come back.
	again := mustSave(t, d, "s", items...)
	if again.New != 0 || again.Updated != 0 {
		t.Errorf("refetch after prune: New/Updated = %d/%d, want 0/0 (tombstones)", again.New, again.Updated)
	}
	var tomb int
	d.SQL().QueryRow(`SELECT count(*) FROM tombstones WHERE source_id = 's'`).Scan(&tomb)
	if tomb != 4 {
		t.Errorf("tombstones = %d, want 4", tomb)
	}

	// Tombstones: the one still listed upstream is refreshed by every
	// fetch and kept; those not seen since the cut-off are deleted, and
	// their identities may be stored again.
	d.now = func() time.Time { return t0.Add(100 * 24 * time.Hour) }
	mustSave(t, d, "s", items[2]) // g2 listed again, 100 days on
	n, err := d.PruneTombstones(ctx, "s", t0.Add(50*24*time.Hour), 2)
	if err != nil || n != 2 {
		t.Fatalf("PruneTombstones (batch 2) = %d, %v; want 2", n, err)
	}
	if n, err = d.PruneTombstones(ctx, "s", t0.Add(50*24*time.Hour), 2); err != nil || n != 1 {
		t.Fatalf("PruneTombstones (second batch) = %d, %v; want 1", n, err)
	}
	var left []string
	rows, err := d.SQL().Query(`SELECT guid FROM tombstones WHERE source_id = 's'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var g string
		rows.Scan(&g)
		left = append(left, g)
	}
	rows.Close()
	if !slices.Equal(left, []string{"g2"}) {
		t.Errorf("tombstones left = %v, want [g2] (the one still listed upstream)", left)
	}
	back := mustSave(t, d, "s", items...)
	if back.New != 3 {
		t.Errorf("after the tombstones of g1, g3, g4 went: %d new, want 3 (g2 stays out)", back.New)
	}
}

func TestSyncSources(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	if err := d.SyncSources(ctx, []SourceSpec{
		{ID: "a", URL: "http://a.test/feed", Title: "A config"},
		{ID: "b", URL: "http://b.test/feed"},
	}); err != nil {
		t.Fatal(err)
	}
	// The poller learns things about a.
	a, _ := d.Source(ctx, "a")
	a.URL = "http://a.test/moved"
	a.Disabled = true
	a.ETag, a.LastModified = `"v1"`, "Mon, 02 Jan 2006 15:04:05 GMT"
	a.Failures, a.MovedTo, a.MovedCount = 4, "http://a.test/next", 2
	a.NextDue, a.RetryAfter = t0.Add(time.Hour), t0.Add(2*time.Hour)
	a.LastSuccess, a.LastStatus, a.LastError = t0, 410, "gone"
	a.Title = "A feed"
	if err := d.SaveSourceState(ctx, a); err != nil {
		t.Fatal(err)
	}
	b, _ := d.Source(ctx, "b")
	b.ETag = `"b1"`
	if err := d.SaveSourceState(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveSourceState(ctx, Source{ID: "ghost"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("SaveSourceState(ghost) err = %v, want ErrNotFound", err)
	}

	// New config: a's URL changes, b is dropped, c is new.
	if err := d.SyncSources(ctx, []SourceSpec{
		{ID: "c", URL: "http://c.test/feed"},
		{ID: "a", URL: "http://a.test/new-feed", Title: "A config"},
	}); err != nil {
		t.Fatal(err)
	}
	srcs, err := d.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(srcs); got != 3 || srcs[0].ID != "a" || srcs[1].ID != "b" || srcs[2].ID != "c" {
		t.Fatalf("Sources = %+v, want a, b, c", srcs)
	}
	wantA := Source{ID: "a", ConfigURL: "http://a.test/new-feed", URL: "http://a.test/new-feed",
		Title: "A feed", DisplayTitle: "A config", LastSuccess: t0, LastStatus: 410, LastError: "gone"}
	if g, w := fmt.Sprintf("%+v", srcs[0]), fmt.Sprintf("%+v", wantA); g != w {
		t.Errorf("a after URL change:\n got %s\nwant %s", g, w)
	}
	if !srcs[1].Removed || srcs[1].ETag != `"b1"` {
		t.Errorf("b after removal: Removed %v ETag %q, want removed with state kept", srcs[1].Removed, srcs[1].ETag)
	}
	if srcs[2].Removed || srcs[2].URL != "http://c.test/feed" {
		t.Errorf("c = %+v, want a fresh source", srcs[2])
	}
	// b comes back: un-removed, state kept since its URL did not change.
	if err := d.SyncSources(ctx, []SourceSpec{{ID: "b", URL: "http://b.test/feed", Title: "B"}}); err != nil {
		t.Fatal(err)
	}
	b, _ = d.Source(ctx, "b")
	if b.Removed || b.ETag != `"b1"` || b.DisplayTitle != "B" {
		t.Errorf("b back: Removed %v ETag %q DisplayTitle %q, want false, \"b1\", B", b.Removed, b.ETag, b.DisplayTitle)
	}
	if _, err := d.Source(ctx, "zzz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Source(zzz) err = %v, want ErrNotFound", err)
	}
	for _, bad := range [][]SourceSpec{{{ID: "", URL: "x"}}, {{ID: "a", URL: "x"}, {ID: "a", URL: "y"}}} {
		if err := d.SyncSources(ctx, bad); err == nil {
			t.Errorf("SyncSources(%v) succeeded, want error", bad)
		}
	}
}

func TestSaveSourceStateRoundTrip(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	if err := d.SyncSources(ctx, []SourceSpec{{ID: "s", URL: "http://s.test/", Title: "S"}}); err != nil {
		t.Fatal(err)
	}
	want := Source{ID: "s", ConfigURL: "http://s.test/", DisplayTitle: "S",
		URL: "http://s.test/feed.xml", Title: "Báo S", SiteURL: "http://s.test/", Language: "vi",
		Disabled: true, ETag: `W/"x"`, LastModified: "Tue, 03 Jan 2006 15:04:05 GMT",
		LastAttempt: t0, LastSuccess: t0.Add(-time.Hour), LastStatus: 503, LastError: "boom",
		LastNew: 3, LastUpdated: 2, LastDuration: 1500 * time.Millisecond, Failures: 2,
		NextDue: t0.Add(time.Hour), RetryAfter: t0.Add(30 * time.Minute), MovedTo: "http://s.test/new",
		MovedCount: 1, DiscoveredFrom: "http://s.test/", HubURL: "http://hub.test/", HubTopic: "http://s.test/feed.xml",
		HubLeaseEnd: t0.Add(24 * time.Hour), HubSecret: "sekrit", NormalDue: t0.Add(10 * time.Minute),
		Fed: true, LastSkipped: 5, LastSkipReason: "older than retention 90d"}
	in := want
	in.ConfigURL, in.DisplayTitle, in.Removed = "ignored", "ignored", true
	if err := d.SaveSourceState(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := d.Source(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
		t.Errorf("Source round trip:\n got %s\nwant %s", g, w)
	}
}

func TestCancelledWriteStoresNothing(t *testing.T) {
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	s, _ := d.Source(context.Background(), "s")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := d.SaveFetch(ctx, s, []Item{mkItem("s", "a", 1, []string{"X"}, "t")})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("SaveFetch with cancelled ctx: err = %v, want context.Canceled", err)
	}
	// The write lock is free again and nothing was stored.
	if n, _ := d.ItemCount(context.Background()); n != 0 {
		t.Errorf("ItemCount = %d, want 0", n)
	}
	if res := mustSave(t, d, "s", mkItem("s", "a", 1, nil)); res.New != 1 {
		t.Errorf("SaveFetch after cancelled one: New = %d, want 1", res.New)
	}
}

func TestTagNameIsFirstSeen(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s1", "s2")
	first := mkItem("s1", "a", 1, nil)
	first.Tags = []Tag{{Slug: "ha-noi", Name: "Hà Nội"}, {Slug: "ha-noi", Name: "dup in one item"}, {Slug: ""}}
	second := mkItem("s2", "b", 2, nil)
	second.Tags = []Tag{{Slug: "ha-noi", Name: "HÀ NỘI"}, {Slug: "thoi-su"}}
	mustSave(t, d, "s1", first)
	mustSave(t, d, "s2", second)
	tags, err := d.Tags(ctx)
	want := []Tag{{Slug: "ha-noi", Name: "Hà Nội", Count: 2}, {Slug: "thoi-su", Name: "thoi-su", Count: 1}}
	if err != nil || !slices.Equal(tags, want) {
		t.Errorf("Tags = %v, %v; want %v", tags, err, want)
	}
	items, _ := d.TagItems(ctx, "ha-noi", ItemQuery{})
	if len(items) != 2 || !slices.Equal(items[1].Tags, []Tag{{Slug: "ha-noi", Name: "Hà Nội"}}) {
		t.Errorf("TagItems(ha-noi) = %+v, want 2 items, the older with one tag", items)
	}
	if tg, err := d.Tag(ctx, "ha-noi"); err != nil || tg != want[0] {
		t.Errorf("Tag(ha-noi) = %v, %v; want %v", tg, err, want[0])
	}
}

func TestMigrationsApplyInOrderEachInOneTransaction(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	d, _ := mustOpen(t)
	base, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	next := len(base) + 1
	good := migration{Version: next, Name: "good.sql", SQL: `CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1);`}
	bad := migration{Version: next + 1, Name: "bad.sql", SQL: `CREATE TABLE half (x INTEGER); INSERT INTO nope VALUES (1);`}

	err = d.applyMigrations(ctx, append(slices.Clone(base), good, bad))
	if err == nil || !strings.Contains(err.Error(), "bad.sql") {
		t.Fatalf("applying a failing migration: err = %v, want one naming bad.sql", err)
	}
	var v, extra, half int
	d.SQL().QueryRow("PRAGMA user_version").Scan(&v)
	d.SQL().QueryRow("SELECT count(*) FROM extra").Scan(&extra)
	d.SQL().QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").Scan(&half)
	if v != next || extra != 1 || half != 0 {
		t.Errorf("after good+bad: user_version %d, extra rows %d, half tables %d; want %d, 1, 0", v, extra, half, next)
	}
	// Re-running applies nothing twice.
	if err := d.applyMigrations(ctx, append(slices.Clone(base), good)); err != nil {
		t.Fatalf("re-apply: %v", err)
	}
	d.SQL().QueryRow("SELECT count(*) FROM extra").Scan(&extra)
	if extra != 1 {
		t.Errorf("extra rows after re-apply = %d, want 1", extra)
	}
	// The embedded set is older than this database now.
	if err := d.migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("migrate on a newer database: err = %v, want a 'newer' error", err)
	}
}

func TestOpenErrors(t *testing.T) {
	sqliteOnly(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
	}{
		{"not a database", garbage},
		{"parent is a file", filepath.Join(notDir, "x.db")},
	} {
		d, err := Open(context.Background(), tc.path)
		if err == nil {
			d.Close()
			t.Errorf("%s: Open succeeded, want error", tc.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "db: ") {
			t.Errorf("%s: err = %q, want a \"db: \" prefix", tc.name, err)
		}
	}
}

func TestOptimize(t *testing.T) {
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	mustSave(t, d, "s", mkItem("s", "g", 0, []string{"X"}, "t"))
	if err := d.Optimize(context.Background()); err != nil {
		t.Errorf("Optimize: %v", err)
	}
	// It waits for this process's writer (it writes like any write):
	// while a write holds the lock, Optimize gives up with its context.
	if d.Postgres() {
		return
	}
	d.wlock <- struct{}{}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := d.Optimize(ctx)
	<-d.wlock
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Optimize beside a write: %v, want it to wait for the write lock", err)
	}
}
