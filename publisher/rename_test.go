package publisher

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/publisher/render"
)

// jsonTitles returns the titles of a JSON Feed body.
func jsonTitles(t *testing.T, body []byte) []string {
	t.Helper()
	var f struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatalf("not a JSON feed: %v\n%s", err, body)
	}
	var out []string
	for _, it := range f.Items {
		out = append(out, it.Title)
	}
	return out
}

// noFollow sends a request to e's net/http handler without following
// redirects.
func noFollow(t *testing.T, e *testEnv, method, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// renamed returns e's config with topic dat-dai renamed to nha-dat, its
// old slug kept as an alias.
func renamed(e *testEnv) *config.Config {
	cfg := *e.cfg
	cfg.Topics = slices.Clone(e.cfg.Topics)
	cfg.Topics[0].Slug = "nha-dat"
	cfg.Topics[0].Aliases = []string{topicSlug}
	return &cfg
}

// TestRenamedTopicRedirects: the feed URLs of a topic's former slug answer
// 301 with the new URL (query kept), through net/http and through the
// Front's fast path, for GET and HEAD and every format.
func TestRenamedTopicRedirects(t *testing.T) {
	e := newEnv(t)
	e.seed()
	addr, _ := startFront(t, e, nil)
	// Served once under the old slug: the fast path holds it.
	if titles := jsonTitles(t, e.get("/topics/"+topicSlug+".json").body); len(titles) != 2 {
		t.Fatalf("before the rename: %q", titles)
	}
	if rs, _ := exchange(t, addr, "GET /topics/"+topicSlug+".json HTTP/1.1\r\nHost: x\r\n\r\n", nil, "GET"); rs[0].status != 200 {
		t.Fatalf("fast path before the rename: %s", rs[0])
	}
	e.srv.Reload(renamed(e))

	for _, format := range render.Formats {
		for _, method := range []string{"GET", "HEAD"} {
			r := noFollow(t, e, method, "/topics/"+topicSlug+"."+format)
			want := testBase + "/topics/nha-dat." + format
			if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != want {
				t.Errorf("net/http %s %s: %d Location %q, want 301 %q", method, format, r.StatusCode, r.Header.Get("Location"), want)
			}
			raw := method + " /topics/" + topicSlug + "." + format + " HTTP/1.1\r\nHost: x\r\n\r\n"
			rs, _ := exchange(t, addr, raw, nil, method)
			if len(rs) != 1 || rs[0].status != http.StatusMovedPermanently || rs[0].header.Get("Location") != want {
				t.Errorf("front %s %s: %v, want 301 to %s", method, format, rs, want)
			}
		}
	}
	cursor := db.Cursor{Published: e.now, ID: 5}.String()
	r := noFollow(t, e, "GET", "/topics/"+topicSlug+".rss?before="+cursor)
	if want := testBase + "/topics/nha-dat.rss?before=" + cursor; r.StatusCode != 301 || r.Header.Get("Location") != want {
		t.Errorf("paged old URL: %d %q, want 301 %q", r.StatusCode, r.Header.Get("Location"), want)
	}
	// The new URL serves the topic (its members come with the next
	// membership recompute); other unknown slugs stay 404.
	e.get("/topics/nha-dat.json")
	if r := e.do("GET", "/topics/nope.json", nil); r.status != 404 {
		t.Errorf("unknown topic: %d", r.status)
	}
	// A client that follows the redirect ends at the feed.
	cfg := renamed(e)
	cfg.BaseURL = "http://" + addr
	e.srv.Reload(cfg)
	resp, err := http.Get("http://" + addr + "/topics/" + topicSlug + ".atom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/topics/nha-dat.atom" {
		t.Errorf("followed redirect: %d at %s", resp.StatusCode, resp.Request.URL)
	}
}

// TestCurationsFollowRename: pins and hides stored under the old slug
// apply to the renamed topic (before they are moved), and one the topic
// has under its new slug wins over the old one for the same item.
func TestCurationsFollowRename(t *testing.T) {
	e := newEnv(t)
	h := time.Hour
	ctx := context.Background()
	ids := e.save("a",
		e.item("https://a.example.vn/1", "Tin mới", 1*h, topicSlug),
		e.item("https://a.example.vn/2", "Tin bị ẩn", 2*h, topicSlug),
		e.item("https://a.example.vn/3", "Tin cũ được ghim", 30*h, topicSlug),
		e.item("https://a.example.vn/4", "Tin ghim rồi ẩn", 40*h, topicSlug))
	for _, c := range []struct {
		topic  string
		id     int64
		action string
	}{
		{topicSlug, ids[1], db.Hide}, {topicSlug, ids[2], db.Pin},
		{topicSlug, ids[3], db.Pin}, {"nha-dat", ids[3], db.Hide},
	} {
		if err := e.db.SetCuration(ctx, c.topic, c.id, c.action, true); err != nil {
			t.Fatal(err)
		}
	}
	// The membership follows the rename (a recompute would do this).
	m := map[int64][]string{}
	for _, id := range ids {
		m[id] = []string{"nha-dat"}
	}
	if err := e.db.SetItemTopics(ctx, m); err != nil {
		t.Fatal(err)
	}
	cfg := renamed(e)
	e.srv.Reload(cfg)
	want := []string{"Tin cũ được ghim", "Tin mới"}
	if got := jsonTitles(t, e.get("/topics/nha-dat.json").body); !slices.Equal(got, want) {
		t.Errorf("renamed topic with the old slug's curations: %q, want %q", got, want)
	}
	p, err := PreviewTopic(ctx, e.db, cfg, &cfg.Topics[0], nil, e.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != 2 || !p.Entries[0].Pinned {
		t.Errorf("preview: %+v", p.Entries)
	}
}

// TestRemovedSourceLeavesEveryFeed: once a source is out of the config,
// its items leave the topic feeds (pinned ones too), the tag feeds and
// the index at once; they come back with the source.
func TestRemovedSourceLeavesEveryFeed(t *testing.T) {
	e := newEnv(t)
	e.seed()
	ctx := context.Background()
	pinned := e.save("b", e.item("https://b.example.vn/old", "Tin ghim của B", 300*time.Hour, topicSlug))
	if err := e.db.SetCuration(ctx, topicSlug, pinned[0], db.Pin, true); err != nil {
		t.Fatal(err)
	}
	feedsHave := func(title string) []string {
		var where []string
		for _, path := range []string{"/topics/" + topicSlug + ".json", "/tags/dat-dai.json", "/topics/" + topicSlug + ".rss", "/"} {
			if bytes.Contains(e.get(path).body, []byte(title)) {
				where = append(where, path)
			}
		}
		return where
	}
	for _, title := range []string{"Thị trường bất động sản", "Tin ghim của B"} {
		if len(feedsHave(title)) < 3 {
			t.Fatalf("%s published only in %q before the removal", title, feedsHave(title))
		}
	}
	full := e.cfg
	cut := *e.cfg
	cut.Sources = slices.DeleteFunc(slices.Clone(e.cfg.Sources), func(s config.Source) bool { return s.ID == "b" })
	e.srv.Reload(&cut)
	for _, title := range []string{"Thị trường bất động sản", "Tin ghim của B"} {
		if where := feedsHave(title); len(where) > 0 {
			t.Errorf("%s of removed source b still published in %s", title, strings.Join(where, ", "))
		}
	}
	if where := feedsHave("Giá nhà tăng"); len(where) < 3 {
		t.Errorf("source a's item left the feeds too: only in %q", where)
	}
	p, err := PreviewTopic(ctx, e.db, &cut, &cut.Topics[0], nil, e.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != 1 || p.Entries[0].Item.SourceID != "a" {
		t.Errorf("preview without source b: %+v", p.Entries)
	}
	e.srv.Reload(full)
	if where := feedsHave("Tin ghim của B"); len(where) < 3 {
		t.Errorf("source b back: its pinned item only in %q", where)
	}
}
