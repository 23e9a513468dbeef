package conformance

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/aggregator"
	"bantin/aggregator/classifier"
	"bantin/aggregator/normaliser"
	"bantin/config"
	"bantin/db"
	"bantin/internal/fixture"
	"bantin/internal/testenv"
	"bantin/publisher"
	"bantin/publisher/render"
)

// seedFiles adds every file of the named testdata folders as a seed.
func seedFiles(f *testing.F, dirs ...string) [][]byte {
	var out [][]byte
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(testenv.ModuleRoot(f), "testdata", d, "*"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				out = append(out, b)
			}
		}
	}
	return out
}

// slowBound is how long one fuzz input may take: far above normal (a few
// milliseconds) even on a loaded machine, so that only inputs that make
// the code super-linear fail.
const slowBound = 5 * time.Second

// slowInput fails the fuzz input if it took longer than slowBound.
func slowInput(t *testing.T, start time.Time, input []byte) {
	if d := time.Since(start); d > slowBound {
		t.Fatalf("input of %d bytes took %v (> %v): %q", len(input), d, slowBound, clip(string(input), 300))
	}
}

// FuzzIngest: bytes of a feed in, stored items out. Whatever the body,
// Parse + Normalise + SaveFetch + Items + Render never panic; every stored
// text is valid UTF-8 in NFC; the published documents are well-formed and
// carry no unsafe HTML.
func FuzzIngest(f *testing.F) {
	for _, b := range seedFiles(f, "feeds", "normaliser", "conformance") {
		f.Add(b, "")
	}
	f.Add([]byte(`<rss><channel><title>&lt;b&gt;T&lt;/b&gt;</title><item><title>a</title><description>&lt;img src=x onerror=alert(1)&gt;&lt;a href="jav&#x09;ascript:alert(1)"&gt;x&lt;/a&gt;</description></item></channel></rss>`), "text/xml; charset=windows-1258")
	f.Add([]byte("\xfe\xff\x00<\x00r\x00s\x00s\x00>\x00<\x00/\x00r\x00s\x00s\x00>"), "application/rss+xml")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><svg><script>alert(1)</script></svg><iframe src="//e"></iframe></div></content></entry></feed>`), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"<i>J</i>","items":[{"id":"1","title":"a &amp;amp; b","content_html":"<form action=x><input></form><meta http-equiv=refresh content=0>","url":"data:text/html,x"}]}`), "application/feed+json")

	store, err := db.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	ctx := context.Background()
	if err := store.SyncSources(ctx, []db.SourceSpec{{ID: "fz", URL: "https://fuzz.example/feed"}}); err != nil {
		f.Fatal(err)
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex // one source: its fetches are serialised as the poller's writer does
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		defer slowInput(t, time.Now(), body)
		p, err := normaliser.Parse(body, contentType, "https://fuzz.example/feed")
		if err != nil {
			return
		}
		items := normaliser.Normalise(p, normaliser.Options{SourceID: "fz", Location: loc, Now: now, SourceTags: []string{"Thời sự"}})
		mu.Lock()
		defer mu.Unlock()
		src, err := store.Source(ctx, "fz")
		if err != nil {
			t.Fatal(err)
		}
		src.Title = p.Feed.Title
		res, err := store.SaveFetch(ctx, src, items)
		if err != nil {
			t.Fatalf("SaveFetch: %v", err)
		}
		stored, err := store.Items(ctx, res.IDs)
		if err != nil {
			t.Fatal(err)
		}
		feed := &render.Feed{Title: "fuzz", ID: render.FeedID(testBase, "topic", "fuzz"), BaseURL: testBase, SiteLink: testBase + "/", Self: map[string]string{}}
		for _, format := range render.Formats {
			feed.Self[format] = testBase + "/topics/fuzz." + format
		}
		for _, it := range stored {
			if ps := itemTextProblems(it); len(ps) > 0 {
				t.Errorf("stored item: %q", ps)
			}
			for _, d := range htmlDangers(it.Summary + it.Content) {
				t.Errorf("stored HTML: %s in %q", d, clip(it.Summary+it.Content, 300))
			}
			if markupRe.MatchString(it.Title) && strings.Contains(strings.ToLower(it.Title), "<script") {
				t.Errorf("stored title holds a script tag: %q", it.Title)
			}
			feed.Entries = append(feed.Entries, render.Entry{Item: it})
		}
		for _, format := range render.Formats {
			out, err := render.Render(feed, format)
			if err != nil {
				t.Fatalf("Render %s: %v", format, err)
			}
			if err := checkPublished(format, out); err != nil {
				t.Fatalf("Render %s: %v\n%s", format, err, clip(string(out), 2000))
			}
			entries, err := entriesOf(format, out)
			if err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			for _, e := range entries {
				for field, h := range e.HTML {
					for _, d := range htmlDangers(h) {
						t.Errorf("%s %s: %s", format, field, d)
					}
				}
			}
		}
	})
}

// FuzzConfigCompile: whatever YAML config.Parse accepts, classifier.Compile
// accepts too (a config that `bantin check` passes must run), and the
// compiled rules classify a document deterministically without panicking.
func FuzzConfigCompile(f *testing.F) {
	for _, b := range seedFiles(f, "config") {
		f.Add(b)
	}
	for _, s := range []string{
		"topics:\n  - slug: a\n    match: {keywords: [\"Đại hội Đảng\", \"ha noi\"]}\n",
		"topics:\n  - slug: a\n    match: {any: [{regex: ['(?i)hà\\s+nội']}, {tags: [ha-noi]}], none: [{keywords: [quảng cáo]}]}\n",
		"topics:\n  - slug: a\n    match: {all: [{domains: [Example.COM]}, {authors: [An]}, {languages: [vi]}, {categories: [Thời sự]}, {max_age: 2d}]}\n",
		"topics:\n  - slug: a\n    match: {title: [\"!!\"]}\n",
		"topics:\n  - slug: a\n    match: {regex: [\"\"]}\n  - slug: b\n",
		"sources:\n  - {id: s, url: 'http://a/'}\ntopics:\n  - slug: a\n    match: {sources: [s]}\n",
		"topics:\n  - slug: a\n    match: {keywords: [\"\u0301\"]}\n",
		"topics:\n  - slug: a\n    match: {tags: [\"---\"]}\n",
	} {
		f.Add([]byte(s))
	}
	doc := &classifier.Doc{
		Title: "Đại hội Đảng bộ Hà Nội", Summary: "<p>Tin <b>thời sự</b> &amp; kinh tế</p>",
		Tags: []string{"ha-noi", "thoi-su"}, Categories: []string{"Thời sự"}, Source: "s",
		Authors: []string{"An"}, Link: "https://example.com/a", Language: "vi",
		Published: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC),
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		defer slowInput(t, time.Now(), data)
		cfg, err := config.Parse(data, "fuzz.yaml")
		if err != nil {
			return
		}
		cl, err := classifier.Compile(cfg.Topics)
		if err != nil {
			t.Fatalf("config.Parse accepted the topics but classifier.Compile rejects them: %v\n%s", err, data)
		}
		got := cl.Classify(doc, now)
		if again := cl.Classify(doc, now); !slices.Equal(got, again) {
			t.Fatalf("Classify not deterministic: %q then %q", got, again)
		}
		for _, slug := range got {
			if _, ok := cfg.Topic(slug); !ok {
				t.Fatalf("Classify returned unknown topic %q", slug)
			}
			e, err := cl.Explain(slug, doc, now)
			if err != nil {
				t.Fatalf("Explain(%q): %v", slug, err)
			}
			if !e.Match {
				t.Fatalf("Explain(%q) does not match though Classify does:\n%s", slug, e)
			}
		}
		if h1, h2 := cfg.TopicsHash(), cfg.TopicsHash(); h1 != h2 {
			t.Fatalf("TopicsHash not stable: %s %s", h1, h2)
		}
	})
}

// handlerEnv is a publisher over a database filled by a real poll of the
// repository's sample feeds.
type handlerEnv struct {
	ok, broken http.Handler
	slugs      []string
}

func newHandlerEnv(tb testing.TB) *handlerEnv {
	tb.Helper()
	dir := tb.TempDir()
	feeds := filepath.Join(testenv.ModuleRoot(tb), "testdata", "feeds")
	yaml := "database: h.db\nbase_url: http://bantin.test\ndefaults: {timeout: 5s, retention: 36500d}\nsources:\n" +
		"  - {id: vnexpress, url: '" + filepath.Join(feeds, "vnexpress-kinh-doanh.rss") + "', tags: [Kinh tế, \"<b>Tag</b> & co\"]}\n" +
		"  - {id: baocu, url: '" + filepath.Join(feeds, "baocu-1258.rss") + "', timezone: Asia/Ho_Chi_Minh}\n" +
		"  - {id: hanoi, url: '" + filepath.Join(feeds, "hanoi-times.atom") + "'}\n" +
		"  - {id: tech, url: '" + filepath.Join(feeds, "tech-weekly.json") + "'}\n" +
		"topics:\n  - {slug: tat-ca, title: Tất cả, limit: 3, match: {sources: [vnexpress, baocu, hanoi, tech]}}\n" +
		"  - {slug: ha-noi, limit: 2, max_per_source: 1, match: {keywords: [ha noi]}}\n" +
		"  - {slug: trong, match: {keywords: [khong-bao-gio-co]}}\n"
	cfg := fixture.ConfigIn(tb, dir, yaml)
	store := fixture.DB(tb, cfg.Database)
	ctx := context.Background()
	p, err := aggregator.New(ctx, cfg, store, nil)
	if err != nil {
		tb.Fatal(err)
	}
	sum, err := p.PollOnce(ctx, true, nil)
	if err != nil || sum.Failed > 0 || sum.New == 0 {
		tb.Fatalf("poll: %+v %v", sum, err)
	}
	broken, err := db.Open(ctx, filepath.Join(dir, "broken.db"))
	if err != nil {
		tb.Fatal(err)
	}
	broken.Close() // every query fails
	env := &handlerEnv{ok: publisher.New(cfg, store, nil).Handler(), broken: publisher.New(cfg, broken, nil).Handler()}
	tags, err := store.Tags(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, tg := range tags {
		env.slugs = append(env.slugs, tg.Slug)
	}
	return env
}

// FuzzHandlerQuery drives the publisher's handler with arbitrary paths,
// queries (?before= cursors, ?tags=, anything) and conditional headers:
// no panic, no 5xx unless the database is deliberately broken, and every
// 200 feed is well-formed.
func FuzzHandlerQuery(f *testing.F) {
	for _, s := range []struct{ path, query, inm, ims string }{
		{"/topics/tat-ca.rss", "", "", ""},
		{"/topics/tat-ca.atom", "before=1767225600000000000_2", "", ""},
		{"/topics/tat-ca.json", "before=1767225600000000000_2&before=1_1", "", ""},
		{"/topics/ha-noi.json", "tags=ha-noi,kinh-te", `"abc"`, ""},
		{"/topics/trong.atom", "before=-9223372036854775808_-1", "*", "Mon, 02 Jan 2006 15:04:05 GMT"},
		{"/tags/kinh-te.rss", "before=x_y", `W/"x", "y"`, "yesterday"},
		{"/tags/b-tag-co.atom", "tags=", "", ""},
		{"/tags/ha-noi.json", "before=99999999999999999999_1", "", ""},
		{"/", "tags=<script>", "", ""},
		{"/opml.xml", "", "", ""},
		{"/healthz", "", "", ""},
		{"/topics/tat-ca.xml", "", "", ""},
		{"/topics/%2e%2e/x.rss", "", "", ""},
		{"/tags/.json", "before=", "", ""},
	} {
		f.Add(s.path, s.query, s.inm, s.ims, false)
		f.Add(s.path, s.query, s.inm, s.ims, true)
	}
	env := newHandlerEnv(f)
	f.Fuzz(func(t *testing.T, path, query, inm, ims string, broken bool) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		h := env.ok
		if broken {
			h = env.broken
		}
		req := (&http.Request{
			Method: "GET", URL: &url.URL{Path: path, RawQuery: query}, Header: http.Header{},
			Host: "bantin.test", RequestURI: path,
		}).WithContext(t.Context())
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		if ims != "" {
			req.Header.Set("If-Modified-Since", ims)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		code := rec.Code
		if code >= 500 && !broken {
			t.Fatalf("GET %s?%s: %d %s", path, query, code, clip(rec.Body.String(), 300))
		}
		if code != http.StatusOK || broken {
			return
		}
		ct := rec.Header().Get("Content-Type")
		format := ""
		switch {
		case strings.Contains(ct, "json"):
			format = "json"
		case strings.Contains(ct, "xml"):
			format = "atom"
		default:
			return
		}
		if err := checkPublished(format, rec.Body.Bytes()); err != nil {
			t.Fatalf("GET %s?%s: %v", path, query, err)
		}
	})
}
