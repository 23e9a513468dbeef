package publisher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"bantin/config"
	"bantin/publisher/render"
)

// TestHubAdvertised: feeds advertise the hubs of websub.hubs and, with
// websub.builtin, the built-in hub, in their bodies and Link headers.
func TestHubAdvertised(t *testing.T) {
	e := newEnv(t)
	e.seed()
	cfg := testConfig()
	cfg.WebSub.Builtin = true
	cfg.WebSub.Hubs = []string{"https://hub.example.org/"}
	e.srv.Reload(cfg)
	own := cfg.BaseURL + config.BuiltinHubPath
	addr, _ := startFront(t, e, nil)
	for _, format := range render.Formats {
		path := "/topics/" + topicSlug + "." + format
		r := e.get(path)
		for _, hub := range []string{"https://hub.example.org/", own} {
			if !strings.Contains(string(r.body), hub) {
				t.Errorf("%s feed does not advertise hub %s", format, hub)
			}
		}
		// WebSub discovery by HTTP Link header (the only one for JSON Feed),
		// the same from net/http and from the fast path.
		want := "<" + cfg.BaseURL + path + `>; rel="self", <https://hub.example.org/>; rel="hub", <` + own + `>; rel="hub"`
		if got := r.header.Get("Link"); got != want {
			t.Errorf("%s: Link %q, want %q", format, got, want)
		}
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Link"); got != want {
			t.Errorf("%s through the fast path: Link %q, want %q", format, got, want)
		}
	}
}

// TestOlderPagesAdvertiseNoHub: a hub takes subscriptions to a feed (its
// first page) only, so an older page (?before=), whose self link is its
// own URL, names no hub in its body or Link header: a WebSub subscriber
// discovering from it would ask the hub for a topic it refuses.
func TestOlderPagesAdvertiseNoHub(t *testing.T) {
	e := newEnv(t)
	cfg := testConfig()
	cfg.WebSub.Builtin = true
	e.srv.Reload(cfg)
	for i := range 3 {
		e.save("c", e.item(fmt.Sprintf("https://c.example.vn/khac-%d", i), fmt.Sprintf("Chuyện khác %d", i), time.Duration(i+1)*time.Hour, "khac"))
	}
	for _, format := range render.Formats {
		first := e.get("/topics/khac." + format)
		m := regexp.MustCompile(`(?:href="|"next_url": ")` + regexp.QuoteMeta(cfg.BaseURL) + `(/topics/khac\.` + format + `\?before=[^"]+)"`).FindSubmatch(first.body)
		if m == nil {
			t.Fatalf("%s: first page has no next page:\n%s", format, first.body)
		}
		older := e.get(strings.ReplaceAll(string(m[1]), "&amp;", "&"))
		if strings.Contains(string(older.body), config.BuiltinHubPath) || strings.Contains(older.header.Get("Link"), `rel="hub"`) {
			t.Errorf("%s older page advertises a hub: Link %q\n%s", format, older.header.Get("Link"), older.body)
		}
		if !strings.Contains(string(first.body), config.BuiltinHubPath) {
			t.Errorf("%s first page does not advertise the hub", format)
		}
	}
}

func TestTopicKey(t *testing.T) {
	cfg := testConfig()
	cases := []struct {
		name, topic string
		ok          bool
		want        cacheKey
	}{
		{"topic atom", testBase + "/topics/dat-dai.atom", true, cacheKey{kind: kindTopic, slug: "dat-dai", format: "atom"}},
		{"tag json", testBase + "/tags/ha-noi.json", true, cacheKey{kind: kindTag, slug: "ha-noi", format: "json"}},
		{"escaped slug", testBase + "/tags/%E6%9D%B1%E4%BA%AC.rss", true, cacheKey{kind: kindTag, slug: "東京", format: "rss"}},
		{"other host", "http://evil.example/topics/dat-dai.atom", false, cacheKey{}},
		{"paged", testBase + "/topics/dat-dai.atom?before=x", false, cacheKey{}},
		{"nested", testBase + "/topics/a/b.atom", false, cacheKey{}},
		{"no format", testBase + "/topics/dat-dai", false, cacheKey{}},
		{"index", testBase + "/", false, cacheKey{}},
	}
	for _, c := range cases {
		got, ok := topicKey(cfg, c.topic)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: topicKey = %+v, %v; want %+v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestPage(t *testing.T) {
	e := newEnv(t)
	e.seed()
	ctx := context.Background()
	f, err := e.srv.Page(ctx, render.KindTopic, topicSlug, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 2 || f.Entries[0].Item.Title != "Giá nhà tăng" {
		t.Errorf("Page entries = %d, first %q; want 2, Giá nhà tăng", len(f.Entries), f.Entries[0].Item.Title)
	}
	entries, err := TopicPage(ctx, e.db, e.cfg, &e.cfg.Topics[0], e.now)
	if err != nil {
		t.Fatal(err)
	}
	if shape(entries) != shape(f.Entries) {
		t.Errorf("TopicPage = %s, Page = %s", shape(entries), shape(f.Entries))
	}
	cases := []struct {
		name, kind, slug, cursor string
		want                     error
	}{
		{"unknown topic", render.KindTopic, "nope", "", ErrNotFound},
		{"unknown tag", render.KindTag, "nope", "", ErrNotFound},
		{"bad cursor", render.KindTopic, topicSlug, "x", ErrBadCursor},
	}
	for _, c := range cases {
		if _, err := e.srv.Page(ctx, c.kind, c.slug, c.cursor); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}
