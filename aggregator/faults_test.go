package aggregator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"bantin/db"
	"bantin/publisher"
)

// The fault-injection suite: a loopback upstream whose answer a test
// switches at run time serves a healthy feed, then a bad 200, then the
// healthy feed again. Whatever the fault, the published topic and tag
// feeds stay byte for byte what they were, the source shows the error (and
// the status the server sent), and the next healthy answer is read from
// the configured URL again.

// answer is what the switchable upstream sends for the feed URL.
type answer struct {
	contentType string
	etag        string
	body        string
}

// upstream is a loopback server whose feed answer tests switch at run time.
// /other.rss is another site's feed, which a maintenance page advertises.
type upstream struct {
	*httptest.Server
	mu       sync.Mutex
	feed     answer
	requests map[string]int
}

func newUpstream(t *testing.T, first answer) *upstream {
	u := &upstream{feed: first, requests: map[string]int{}}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests[r.URL.Path]++
		a := u.feed
		u.mu.Unlock()
		if r.URL.Path == "/other.rss" {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(otherFeed))
			return
		}
		if a.etag != "" {
			if r.Header.Get("If-None-Match") == a.etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", a.etag)
		}
		if a.contentType != "" {
			w.Header().Set("Content-Type", a.contentType)
		}
		w.Write([]byte(a.body))
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) answer(a answer) {
	u.mu.Lock()
	u.feed = a
	u.mu.Unlock()
}

func (u *upstream) count(path string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.requests[path]
}

const healthyFeed = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Báo Thời sự</title><link>https://thoisu.example.vn/</link>
<item><title>Hà Nội khởi công cầu Tứ Liên</title><link>https://thoisu.example.vn/1</link><guid>g1</guid>
<description>Nội dung đầy đủ của bài viết về cây cầu mới bắc qua sông Hồng.</description>
<pubDate>Mon, 02 Nov 2026 10:00:00 +0700</pubDate></item>
<item><title>Hà Nội mở thêm tuyến buýt điện</title><link>https://thoisu.example.vn/2</link><guid>g2</guid>
<description>Tuyến buýt điện thứ mười nối trung tâm với sân bay Nội Bài.</description>
<pubDate>Mon, 02 Nov 2026 11:00:00 +0700</pubDate></item>
</channel></rss>`

// otherFeed is another site's feed, whose items the topic would match.
const otherFeed = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Trang khác</title><link>https://khac.example/</link>
<item><title>Hà Nội: tin quảng cáo</title><link>https://khac.example/x</link><guid>x</guid>
<pubDate>Tue, 03 Nov 2026 10:00:00 +0700</pubDate></item>
</channel></rss>`

var healthy = answer{contentType: "application/rss+xml; charset=utf-8", etag: `"v1"`, body: healthyFeed}

// publishedFeeds renders, with a publisher that has no cache yet, every
// feed a reader could see: the topic's and the tag's in the three formats.
func publishedFeeds(t *testing.T, p *Poller, store *db.DB) map[string]string {
	t.Helper()
	cfg, _ := p.snapshot()
	h := publisher.New(cfg, store, nil).Handler()
	out := map[string]string{}
	for _, path := range []string{"/topics/ha-noi.rss", "/topics/ha-noi.atom", "/topics/ha-noi.json",
		"/tags/thoi-su.rss", "/tags/thoi-su.atom", "/tags/thoi-su.json"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		out[path] = rec.Body.String()
	}
	return out
}

// counter returns the value of the counter name{label=value} in reg, 0
// when it is absent.
func counter(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

const faultTopics = `topics:
  - slug: ha-noi
    title: "Hà Nội"
    match: {keywords: ["Hà Nội"]}
`

func TestFaultInjection(t *testing.T) {
	faults := map[string]struct {
		answer answer
		// wantErr lists what the source's error must say ("" for none:
		// the answer is a legitimate feed).
		wantErr []string
		// rejected is the reason counted in bantin_feed_bodies_rejected_total.
		rejected string
	}{
		"empty body": {
			answer:   answer{contentType: "application/rss+xml", body: ""},
			wantErr:  []string{"empty response body", "received application/rss+xml, 0 bytes"},
			rejected: "empty",
		},
		"HTML error page": {
			answer: answer{contentType: "text/html; charset=utf-8", body: `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>
<body><h1>Lỗi máy chủ</h1></body></html>`},
			wantErr:  []string{"HTML page", `received text/html; charset=utf-8`, `"<!DOCTYPE html><html><head><title>502 Bad Gateway`},
			rejected: "html",
		},
		"HTML page advertising another feed": {
			answer: answer{contentType: "text/html", body: `<!doctype html><html><head><title>Bảo trì</title>
<link rel="alternate" type="application/rss+xml" href="/other.rss"></head><body>Hệ thống đang bảo trì</body></html>`},
			wantErr:  []string{"HTML page instead of its feed", "received text/html", "/other.rss is not followed"},
			rejected: "html",
		},
		"zero items": {
			answer: answer{contentType: "application/rss+xml", etag: `"v0"`,
				body: `<?xml version="1.0"?><rss version="2.0"><channel><title>Báo Thời sự</title><link>https://thoisu.example.vn/</link></channel></rss>`},
		},
		"truncated mid-item": {
			// The feed as the upstream updated it, cut inside the first
			// item's description: once, the stored summary became "Nội d".
			answer: answer{contentType: "application/rss+xml", etag: `"v2"`,
				body: strings.Replace(healthyFeed, "Nội dung đầy đủ", "Nội dung mới", 1)[:strings.Index(healthyFeed, "Nội dung đầy đủ")+len("Nội d")]},
			wantErr:  []string{"truncated document", "ends inside <rss><channel><item><description>", `"…`, `Nội d"`},
			rejected: "truncated",
		},
		"binary": {
			answer:   answer{contentType: "application/octet-stream", body: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"},
			wantErr:  []string{"unknown feed format", "received application/octet-stream, 20 bytes", `"\x89PNG\r\n\x1a\n\x00`},
			rejected: "not_feed",
		},
		"JSON error": {
			answer:   answer{contentType: "application/json", body: `{"error":"rate limited"}`},
			wantErr:  []string{"not a JSON Feed", `received application/json, 24 bytes: "{\"error\":\"rate limited\"}"`},
			rejected: "not_feed",
		},
	}
	for name, tc := range faults {
		t.Run(name, func(t *testing.T) {
			up := newUpstream(t, healthy)
			p, store := testPoller(t, up.URL, "  - {id: nguon, url: '{{URL}}/feed.rss', tags: [\"Thời sự\"]}\n", faultTopics)
			reg := prometheus.NewRegistry()
			p.Metrics = NewMetrics(reg, store)
			ctx := context.Background()

			if r := pollAll(t, p, true)["nguon"]; r.Err != nil || r.New != 2 {
				t.Fatalf("healthy poll: %+v, want 2 new items", r)
			}
			before := publishedFeeds(t, p, store)
			if !strings.Contains(before["/topics/ha-noi.rss"], "cầu Tứ Liên") {
				t.Fatalf("topic feed before the fault lacks the item:\n%s", before["/topics/ha-noi.rss"])
			}

			up.answer(tc.answer)
			r := pollAll(t, p, true)["nguon"]
			st := source(t, store, "nguon")
			if len(tc.wantErr) == 0 {
				if r.Err != nil || st.LastError != "" || st.Failures != 0 {
					t.Errorf("a valid feed: result %+v, source error %q failures %d; want a success", r, st.LastError, st.Failures)
				}
			} else {
				if r.Err == nil {
					t.Fatalf("poll accepted the fault: %+v", r)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(st.LastError, want) {
						t.Errorf("source error %q does not say %q", st.LastError, want)
					}
				}
				if st.LastStatus != http.StatusOK || st.Failures != 1 || !st.NextDue.After(p.Now()) {
					t.Errorf("source: status %d, failures %d, next due %v; want 200, 1 failure and a backoff",
						st.LastStatus, st.Failures, st.NextDue)
				}
				if got := counter(t, reg, "bantin_feed_bodies_rejected_total", "reason", tc.rejected); got != 1 {
					t.Errorf("bantin_feed_bodies_rejected_total{reason=%q} = %v, want 1", tc.rejected, got)
				}
			}
			if st.URL != up.URL+"/feed.rss" || st.DiscoveredFrom != "" {
				t.Errorf("source moved: URL %q, discovered from %q", st.URL, st.DiscoveredFrom)
			}
			if n := up.count("/other.rss"); n != 0 {
				t.Errorf("the advertised feed was fetched %d times", n)
			}
			after := publishedFeeds(t, p, store)
			for path, want := range before {
				if after[path] != want {
					t.Errorf("%s changed after the fault:\nbefore:\n%s\nafter:\n%s", path, want, after[path])
				}
			}
			it, err := store.ItemsByGUID(ctx, "g1")
			if err != nil || len(it) != 1 || it[0].Summary != "Nội dung đầy đủ của bài viết về cây cầu mới bắc qua sông Hồng." {
				t.Errorf("stored item g1: %+v, %v; want the summary of the healthy feed", it, err)
			}

			// The upstream heals: the configured URL is asked again and
			// the source recovers.
			up.answer(healthy)
			if r := pollAll(t, p, true)["nguon"]; r.Err != nil {
				t.Errorf("poll after the fault: %v", r.Err)
			}
			if st := source(t, store, "nguon"); st.LastError != "" || st.Failures != 0 || st.URL != up.URL+"/feed.rss" {
				t.Errorf("after the fault: error %q, failures %d, URL %q; want a healthy source at its URL", st.LastError, st.Failures, st.URL)
			}
			if after := publishedFeeds(t, p, store); after["/topics/ha-noi.atom"] != before["/topics/ha-noi.atom"] {
				t.Errorf("topic feed changed after recovery:\n%s", after["/topics/ha-noi.atom"])
			}
		})
	}
}

// TestRecoveredItemNeverShortensStoredText: a document that is not
// well-formed but repairable (here a control character XML forbids) is
// read, but an item recovered from it never replaces a stored one with
// shorter or emptier text; a longer one does.
func TestRecoveredItemNeverShortensStoredText(t *testing.T) {
	up := newUpstream(t, healthy)
	p, store := testPoller(t, up.URL, "  - {id: nguon, url: '{{URL}}/feed.rss', tags: [\"Thời sự\"]}\n", faultTopics)
	if r := pollAll(t, p, true)["nguon"]; r.Err != nil {
		t.Fatal(r.Err)
	}
	before := publishedFeeds(t, p, store)

	broken := strings.Replace(healthyFeed, "<title>Báo Thời sự</title>", "<title>Báo Thời sự&#x1;</title>", 1)
	emptier := strings.Replace(broken, "Nội dung đầy đủ của bài viết về cây cầu mới bắc qua sông Hồng.", "", 1)
	up.answer(answer{contentType: "application/rss+xml", etag: `"v3"`, body: emptier})
	r := pollAll(t, p, true)["nguon"]
	if r.Err != nil || r.Updated != 0 {
		t.Errorf("recovered document with an emptier item: %+v, want a success that updates nothing", r)
	}
	if !strings.Contains(r.Note, "repair") {
		t.Errorf("note %q does not say the document was repaired", r.Note)
	}
	after := publishedFeeds(t, p, store)
	for path, want := range before {
		if after[path] != want {
			t.Errorf("%s changed:\n%s", path, after[path])
		}
	}

	longer := strings.Replace(broken, "sông Hồng.", "sông Hồng, dài 5 km.", 1)
	up.answer(answer{contentType: "application/rss+xml", etag: `"v4"`, body: longer})
	if r := pollAll(t, p, true)["nguon"]; r.Err != nil || r.Updated != 1 {
		t.Errorf("recovered document with a longer item: %+v, want 1 update", r)
	}
}

// TestAutodiscoveryOnlyUntilFed: a configured URL that is an HTML page is
// searched for its feed until it has given one; a new URL in the config
// is again.
func TestAutodiscoveryOnlyUntilFed(t *testing.T) {
	page := answer{contentType: "text/html", body: `<html><head><link rel="alternate" type="application/rss+xml" href="/other.rss"></head></html>`}
	up := newUpstream(t, page)
	p, store := testPoller(t, up.URL, "  - {id: trang, url: '{{URL}}/page'}\n")
	if r := pollAll(t, p, true)["trang"]; r.Err != nil || r.New != 1 {
		t.Fatalf("autodiscovery on a source that never gave a feed: %+v", r)
	}
	if st := source(t, store, "trang"); st.URL != up.URL+"/other.rss" || !st.Fed {
		t.Fatalf("after discovery: URL %q fed %v", st.URL, st.Fed)
	}

	// The source has given a feed: were it to fetch the page again, the
	// page would be a failure, not a second discovery.
	st := source(t, store, "trang")
	st.URL = st.ConfigURL
	if err := store.SaveSourceState(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if r := pollAll(t, p, true)["trang"]; r.Err == nil || !strings.Contains(r.Err.Error(), "is not followed") {
		t.Errorf("HTML page at a source that has given a feed: %v, want a failure", r.Err)
	}

	// A new URL in the config has never given a feed: it may be a page.
	cfg, _ := p.snapshot()
	next := *cfg
	next.Sources = append(next.Sources[:0:0], cfg.Sources...)
	next.Sources[0].URL = up.URL + "/page?v=2"
	if err := p.Reload(context.Background(), &next); err != nil {
		t.Fatal(err)
	}
	if st := source(t, store, "trang"); st.Fed {
		t.Errorf("a new config URL keeps Fed")
	}
	if r := pollAll(t, p, true)["trang"]; r.Err != nil {
		t.Errorf("autodiscovery on a new config URL: %v", r.Err)
	}
}
