package publisher

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/db"
)

// renderLog records which responses a Server renders.
type renderLog struct {
	mu   sync.Mutex
	keys []string
}

func (l *renderLog) hook(k cacheKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	name := k.kind + "/" + k.slug + "." + k.format
	l.keys = append(l.keys, name)
}

// take returns the renders since the last take, sorted.
func (l *renderLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.keys
	l.keys = nil
	slices.Sort(out)
	return out
}

// allPaths are every published response of the test config with the tags
// dat-dai and khac-tag.
var allPaths = []string{
	"/topics/" + topicSlug + ".rss", "/topics/" + topicSlug + ".atom", "/topics/" + topicSlug + ".json",
	"/topics/khac.rss", "/topics/khac.atom", "/topics/khac.json",
	"/tags/dat-dai.rss", "/tags/dat-dai.atom", "/tags/dat-dai.json",
	"/tags/khac-tag.rss", "/tags/khac-tag.atom", "/tags/khac-tag.json",
	"/", "/opml.xml", "/opml.xml?tags=1",
}

// TestWriteRerendersOnlyItsFeeds: a write to one source's items
// re-renders only the topic and tag feeds that contain them, and the index
// (which lists them); the other topic and tag, and the OPML lists, are
// served from the cache. A new tag re-renders the tag OPML too.
func TestWriteRerendersOnlyItsFeeds(t *testing.T) {
	e := newEnv(t)
	var log renderLog
	e.srv.onRender = log.hook
	h := time.Hour
	e.save("a", e.item("https://a.example.vn/1", "Giá nhà tăng", 1*h, topicSlug))
	other := e.item("https://c.example.vn/3", "Chuyện khác", 3*h, "khac")
	other.Tags = []db.Tag{{Slug: "khac-tag", Name: "Khác"}}
	e.save("c", other)

	getAll := func() map[string][]byte {
		bodies := map[string][]byte{}
		for _, p := range allPaths {
			bodies[p] = e.get(p).body
		}
		return bodies
	}
	before := getAll()
	if got := log.take(); len(got) != len(allPaths) {
		t.Fatalf("first requests rendered %d responses, want %d: %q", len(got), len(allPaths), got)
	}
	getAll()
	if got := log.take(); len(got) != 0 {
		t.Fatalf("nothing changed, yet rendered %q", got)
	}

	// A new item of source b, in topic dat-dai with tag dat-dai.
	e.save("b", e.item("https://b.example.vn/2", "Thị trường bất động sản", 2*h, topicSlug))
	after := getAll()
	want := []string{"index/.html",
		"tag/dat-dai.atom", "tag/dat-dai.json", "tag/dat-dai.rss",
		"topic/" + topicSlug + ".atom", "topic/" + topicSlug + ".json", "topic/" + topicSlug + ".rss"}
	if got := log.take(); !slices.Equal(got, want) {
		t.Errorf("after a write to one source's items, rendered\n%q\nwant\n%q", got, want)
	}
	for _, p := range allPaths {
		changed := !bytes.Equal(before[p], after[p])
		shows := strings.Contains(string(after[p]), "Thị trường bất động sản")
		if changed != shows && p != "/opml.xml?tags=1" {
			t.Errorf("%s: changed %v, shows the new item %v", p, changed, shows)
		}
	}

	// A new tag: its feeds are new, and the tag OPML lists it.
	fresh := e.item("https://b.example.vn/4", "Tin giao thông", 30*time.Minute, topicSlug)
	fresh.Tags = []db.Tag{{Slug: "giao-thong", Name: "Giao thông"}}
	e.save("b", fresh)
	getAll()
	want = []string{"index/.html", "opml/tags.opml",
		"topic/" + topicSlug + ".atom", "topic/" + topicSlug + ".json", "topic/" + topicSlug + ".rss"}
	if got := log.take(); !slices.Equal(got, want) {
		t.Errorf("after a write with a new tag, rendered\n%q\nwant\n%q", got, want)
	}
	if body := e.get("/opml.xml?tags=1").body; !bytes.Contains(body, []byte("/tags/giao-thong.rss")) {
		t.Errorf("the tag OPML does not list the new tag:\n%s", body)
	}

	// A curation touches its topic only.
	ids := e.save("a", e.item("https://a.example.vn/5", "Tin ghim", 5*h, "khac"))
	log.take()
	getAll()
	log.take()
	if err := e.db.SetCuration(context.Background(), "khac", ids[0], db.Pin, true); err != nil {
		t.Fatal(err)
	}
	getAll()
	want = []string{"index/.html", "topic/khac.atom", "topic/khac.json", "topic/khac.rss"}
	if got := log.take(); !slices.Equal(got, want) {
		t.Errorf("after a curation, rendered\n%q\nwant\n%q", got, want)
	}
}

// TestStaleServedWhileRerendering: while Run runs, a changed feed is
// answered at once with its previous bytes while the new version renders
// in the background, and the new version follows without a request
// having to wait for it.
func TestStaleServedWhileRerendering(t *testing.T) {
	e := newEnv(t)
	e.now = time.Now().UTC().Truncate(time.Second)
	e.srv.now = time.Now
	e.srv.SeqCheckInterval = 20 * time.Millisecond
	e.save("a", e.item("https://a.example.vn/1", "Giá nhà tăng", time.Hour, topicSlug))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { e.srv.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(5 * time.Second); !e.srv.running.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Run did not start")
		}
	}
	path := "/topics/" + topicSlug + ".atom"
	e.get(path)
	renders := e.srv.Renders()
	e.save("b", e.item("https://b.example.vn/2", "Tin mới nhất", time.Minute, topicSlug))
	// The Run loop notices the change and renders the feed by itself.
	for deadline := time.Now().Add(5 * time.Second); e.srv.Renders() == renders; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the changed feed was not rendered again in the background")
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if strings.Contains(string(e.get(path).body), "Tin mới nhất") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new item never reached the feed")
		}
	}
	if n := e.srv.Renders() - renders; n != 1 {
		t.Errorf("%d renders of the changed feed, want 1", n)
	}
}
