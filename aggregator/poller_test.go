package aggregator

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bantin/db"
	"bantin/internal/fixture"
	"bantin/internal/testenv"
)

const okFeed = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>https://example.com/</link>
<item><title>Tin một</title><link>https://example.com/1</link><guid>g1</guid><pubDate>Mon, 02 Nov 2026 10:00:00 +0700</pubDate></item>
<item><title>Tin hai</title><link>https://example.com/2</link><guid>g2</guid><pubDate>Mon, 02 Nov 2026 11:00:00 +0700</pubDate></item>
</channel></rss>`

// testPoller builds a Poller over a fresh database for a config whose
// sources section is given; {{URL}} is replaced by the upstream URL.
func testPoller(t testing.TB, upstream, sources string, extra ...string) (*Poller, *db.DB) {
	t.Helper()
	dir := t.TempDir()
	yaml := "database: test.db\ndefaults:\n  interval: 10m\n  min_interval: 1m\n  max_interval: 2h\n  timeout: 2s\n  retention: 3650d\n" +
		strings.Join(extra, "") + "sources:\n" + strings.ReplaceAll(sources, "{{URL}}", upstream)
	cfg := fixture.ConfigIn(t, dir, yaml)
	store := fixture.DB(t, cfg.Database)
	ctx := context.Background()
	p, err := New(ctx, cfg, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, store
}

// clock is a settable time source (Poller.Now and the like).
type clock = testenv.Clock

func pollAll(t *testing.T, p *Poller, all bool) map[string]Result {
	t.Helper()
	res := map[string]Result{}
	var mu sync.Mutex
	if _, err := p.PollOnce(context.Background(), all, func(r Result) {
		mu.Lock()
		res[r.SourceID] = r
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	return res
}

// source returns the stored state of a source.
var source = fixture.Source

func TestRetryAfterIsRespectedPerSource(t *testing.T) {
	var limited, other atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/limited", func(w http.ResponseWriter, r *http.Request) {
		limited.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/dated", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/other", func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		io.WriteString(w, okFeed)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: limited, url: '{{URL}}/limited'}\n  - {id: dated, url: '{{URL}}/dated'}\n  - {id: other, url: '{{URL}}/other'}\n")
	clk := testenv.NewClock(time.Now())
	p.Now = clk.Now

	res := pollAll(t, p, true)
	if res["limited"].Status != 429 || res["limited"].Err == nil {
		t.Fatalf("limited: got %+v, want a 429 error", res["limited"])
	}
	st := source(t, store, "limited")
	if d := time.Until(st.RetryAfter); d < 100*time.Second || d > 130*time.Second {
		t.Errorf("RetryAfter in %v, want about 120s", d)
	}
	if d := time.Until(source(t, store, "dated").RetryAfter); d < 55*time.Minute || d > 61*time.Minute {
		t.Errorf("HTTP-date Retry-After in %v, want about 1h", d)
	}

	// Even -all sends nothing to a source before its Retry-After; the
	// other source on the same host is not held back.
	clk.Add(60 * time.Second)
	res = pollAll(t, p, true)
	if n := limited.Load(); n != 1 {
		t.Errorf("requests to the rate-limited source: %d, want 1 (none before Retry-After)", n)
	}
	if _, ok := res["limited"]; ok {
		t.Errorf("the rate-limited source was polled before Retry-After")
	}
	if other.Load() != 2 {
		t.Errorf("other source on the same host polled %d times, want 2", other.Load())
	}
	clk.Add(70 * time.Second)
	pollAll(t, p, true)
	if n := limited.Load(); n != 2 {
		t.Errorf("after Retry-After passed: %d requests, want 2", n)
	}
}

func TestBackoffGrowsCapsAndResets(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, okFeed)
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: flaky, url: '{{URL}}/feed'}\n")
	clk := testenv.NewClock(time.Now())
	p.Now = clk.Now

	var prev time.Duration
	for i := 1; i <= 6; i++ {
		pollAll(t, p, true)
		st := source(t, store, "flaky")
		if st.Failures != i {
			t.Fatalf("poll %d: Failures=%d, want %d", i, st.Failures, i)
		}
		delay := st.NextDue.Sub(clk.Now())
		if delay > 2*time.Hour {
			t.Errorf("poll %d: delay %v exceeds max_interval 2h", i, delay)
		}
		if i <= 3 && delay <= prev {
			t.Errorf("poll %d: delay %v did not grow from %v", i, delay, prev)
		}
		if i >= 5 && delay < 90*time.Minute {
			t.Errorf("poll %d: delay %v, want near max_interval 2h (a failing source keeps being retried there)", i, delay)
		}
		if st.LastError == "" || st.LastStatus != 500 {
			t.Errorf("poll %d: state %q/%d does not show the failure", i, st.LastError, st.LastStatus)
		}
		prev = delay
	}
	fail.Store(false)
	pollAll(t, p, true)
	st := source(t, store, "flaky")
	if st.Failures != 0 || st.LastError != "" {
		t.Errorf("after success: Failures=%d LastError=%q, want reset", st.Failures, st.LastError)
	}
	if d := st.NextDue.Sub(clk.Now()); d < 10*time.Minute || d > 12*time.Minute {
		t.Errorf("after success: next due in %v, want the 10m interval (+jitter)", d)
	}
}

func TestGoneDisablesSource(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "gone", http.StatusGone)
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: gone, url: '{{URL}}/feed'}\n")
	pollAll(t, p, true)
	if st := source(t, store, "gone"); !st.Disabled || st.LastStatus != 410 {
		t.Fatalf("after 410: Disabled=%v status=%d, want disabled 410", st.Disabled, st.LastStatus)
	}
	pollAll(t, p, true)
	if n.Load() != 1 {
		t.Errorf("a disabled source was polled again (%d requests)", n.Load())
	}
	all, _ := store.Sources(context.Background())
	if len(all) != 1 || all[0].ID != "gone" {
		t.Errorf("disabled source not kept in the database: %+v", all)
	}
}

func TestPermanentRedirectMovesAfterThreePolls(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusMovedPermanently) })
	mux.HandleFunc("/old308", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/temp", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusFound) })
	mux.HandleFunc("/temp307", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, okFeed) })
	mux.HandleFunc("/loop-a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-b", http.StatusFound) })
	mux.HandleFunc("/loop-b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-a", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: perm, url: '{{URL}}/old'}\n  - {id: perm308, url: '{{URL}}/old308'}\n  - {id: temp, url: '{{URL}}/temp'}\n  - {id: temp307, url: '{{URL}}/temp307'}\n  - {id: loop, url: '{{URL}}/loop-a'}\n")
	for i := 1; i <= 3; i++ {
		res := pollAll(t, p, true)
		for _, id := range []string{"perm", "perm308"} {
			st := source(t, store, id)
			moved := st.URL == srv.URL+"/new"
			if moved != (i == 3) {
				t.Errorf("%s after poll %d: URL=%q (moved=%v), want moved only after the 3rd", id, i, st.URL, moved)
			}
			if want := srv.URL + "/old" + strings.TrimPrefix(id, "perm"); st.ConfigURL != want {
				t.Errorf("%s: config URL %q, want %q kept", id, st.ConfigURL, want)
			}
		}
		for _, id := range []string{"temp", "temp307"} {
			if st := source(t, store, id); st.URL != "" && st.URL != st.ConfigURL {
				t.Errorf("%s after poll %d: URL changed to %q on a temporary redirect", id, i, st.URL)
			}
		}
		if r := res["loop"]; r.Err == nil || !strings.Contains(r.Err.Error(), "loop") {
			t.Errorf("redirect loop: got %v, want a loop error", r.Err)
		}
	}
}

func TestPerHostLimitIsNeverExceeded(t *testing.T) {
	var cur, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
		cur.Add(-1)
		io.WriteString(w, okFeed)
	}))
	defer srv.Close()
	var b strings.Builder
	for i := range 12 {
		fmt.Fprintf(&b, "  - {id: s%02d, url: '{{URL}}/f%d'}\n", i, i)
	}
	p, _ := testPoller(t, srv.URL, b.String(), "  per_host: 3\n  workers: 8\n")
	res := pollAll(t, p, true)
	if len(res) != 12 {
		t.Fatalf("polled %d sources, want 12", len(res))
	}
	if got := peak.Load(); got > 3 || got < 2 {
		t.Errorf("peak concurrent requests to one host: %d, want at most per_host=3 (and more than 1)", got)
	}
}

// TestManySourcesOfOneHost: many feeds of one site, more workers than
// per_host: every source is fetched once in a pass, never more than
// per_host at a time, and every item is stored (the sources past a busy
// host wait aside, polls hand their outcomes to the writer and go on).
func TestManySourcesOfOneHost(t *testing.T) {
	const n = 60
	var cur, peak atomic.Int64
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		defer cur.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>%[1]s</title><link>https://example.com/</link>
<item><title>Tin %[1]s một</title><link>https://example.com%[1]s/1</link><pubDate>Mon, 02 Nov 2026 10:00:00 +0700</pubDate></item>
<item><title>Tin %[1]s hai</title><link>https://example.com%[1]s/2</link><pubDate>Mon, 02 Nov 2026 11:00:00 +0700</pubDate></item>
</channel></rss>`, r.URL.Path)
	}))
	defer srv.Close()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  - {id: s%02d, url: '{{URL}}/f%d'}\n", i, i)
	}
	p, store := testPoller(t, srv.URL, b.String(), "  per_host: 2\n  workers: 8\n")
	res := pollAll(t, p, true)
	if len(res) != n {
		t.Fatalf("polled %d sources, want %d", len(res), n)
	}
	for id, r := range res {
		if r.Err != nil || r.New != 2 {
			t.Errorf("%s: new %d, error %v; want 2 new items", id, r.New, r.Err)
		}
	}
	for path, k := range hits {
		if k != 1 {
			t.Errorf("%s fetched %d times in one pass", path, k)
		}
	}
	if len(hits) != n {
		t.Errorf("%d feeds fetched, want %d", len(hits), n)
	}
	if got := peak.Load(); got > 2 {
		t.Errorf("peak concurrent requests to one host: %d, want at most per_host=2", got)
	}
	if got, err := store.ItemCount(context.Background()); err != nil || got != 2*n {
		t.Errorf("%d items stored (%v), want %d", got, err, 2*n)
	}
}

func TestHostileUpstreamsAreCutOff(t *testing.T) {
	// 64 MiB of zeros gzipped to about 64 KiB, compressed once up front
	// (the fetcher tests stream a 1 GiB bomb; under the race detector
	// compressing on the fly would outlast the timeouts here).
	var bomb bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 {
		gz.Write(zeros)
	}
	gz.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/drip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		for range 100 {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	laughs, err := os.ReadFile(filepath.Join("..", "testdata", "feeds", "billion-laughs.xml"))
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("/laughs", func(w http.ResponseWriter, r *http.Request) {
		w.Write(laughs)
	})
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, okFeed) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, store := testPoller(t, srv.URL,
		"  - {id: bomb, url: '{{URL}}/bomb', max_body: 1MiB}\n  - {id: drip, url: '{{URL}}/drip', timeout: 1s}\n  - {id: laughs, url: '{{URL}}/laughs'}\n  - {id: ok, url: '{{URL}}/ok'}\n")
	start := time.Now()
	res := pollAll(t, p, true)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("the pass took %v; hostile sources must be cut off within their limits", el)
	}
	if r := res["bomb"]; r.Err == nil || !strings.Contains(strings.ToLower(r.Err.Error()), "large") {
		t.Errorf("gzip bomb: got %v, want a too-large error", r.Err)
	}
	if r := res["drip"]; r.Err == nil || r.Duration > 2500*time.Millisecond {
		t.Errorf("slow drip: got err=%v after %v, want an error at the 1s timeout", r.Err, r.Duration)
	}
	if r := res["ok"]; r.Err != nil || r.New != 2 {
		t.Errorf("healthy source beside hostile ones: %+v, want 2 new items", r)
	}
	if r := res["ok"]; r.Duration > time.Second {
		t.Errorf("healthy source took %v: hostile sources delayed it", r.Duration)
	}
	// Billion laughs: harmless (no expansion); stored text stays small.
	items, err := store.ScanItems(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if len(it.Title)+len(it.Summary)+len(it.Content) > 1<<16 {
			t.Errorf("item %s/%s holds %d bytes: entities were expanded", it.SourceID, it.GUID, len(it.Title)+len(it.Summary)+len(it.Content))
		}
	}
}

func TestHTMLPageAutodiscoversItsFeed(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html><head><title>Trang chủ</title>
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="Tin mới" href="/rss/tin-moi.rss">
</head><body><p>Xin chào</p></body></html>`)
	})
	mux.HandleFunc("/rss/tin-moi.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, okFeed)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: site, url: '{{URL}}/'}\n")
	res := pollAll(t, p, true)
	if r := res["site"]; r.Err != nil || r.New != 2 {
		t.Fatalf("autodiscovery poll: %+v, want 2 new items", r)
	}
	st := source(t, store, "site")
	if st.URL != srv.URL+"/rss/tin-moi.rss" || st.DiscoveredFrom != srv.URL+"/" {
		t.Errorf("discovery not recorded: URL=%q DiscoveredFrom=%q", st.URL, st.DiscoveredFrom)
	}
	// The next poll goes straight to the discovered feed.
	res = pollAll(t, p, true)
	if r := res["site"]; r.Err != nil {
		t.Errorf("second poll of discovered feed: %v", r.Err)
	}
}

func TestRepeatedGUIDsAndFutureDates(t *testing.T) {
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title><link>https://broken.example/</link>
<item><title>A</title><link>https://broken.example/a</link><guid>same</guid><pubDate>Mon, 02 Nov 2026 10:00:00 +0000</pubDate></item>
<item><title>B</title><link>https://broken.example/b</link><guid>same</guid><pubDate>Mon, 02 Nov 2026 11:00:00 +0000</pubDate></item>
<item><title>From the future</title><link>https://broken.example/c</link><guid>c</guid><pubDate>Fri, 01 Jan 2100 00:00:00 +0000</pubDate></item>
</channel></rss>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, feed) }))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: broken, url: '{{URL}}/'}\n")
	res := pollAll(t, p, true)
	if r := res["broken"]; r.New != 3 {
		t.Fatalf("want 3 distinct items from repeated guids, got %+v", r)
	}
	items, _ := store.ScanItems(context.Background(), 0, 10)
	for _, it := range items {
		if it.Published.After(time.Now().Add(time.Hour)) {
			t.Errorf("item %q published %v: future dates must be clamped to first-seen", it.Title, it.Published)
		}
	}
}

// TestEditedUndatedItemKeepsItsDate: an item its feed leaves undated
// (or dates in the future) is published under the time it was first
// seen; when its text is edited upstream it keeps that date, with the
// edit as its updated time, instead of being re-dated to the later fetch
// and jumping to the top of every feed that holds it.
func TestEditedUndatedItemKeepsItsDate(t *testing.T) {
	var mu sync.Mutex
	body := "first"
	feed := func() string {
		mu.Lock()
		defer mu.Unlock()
		return `<rss version="2.0"><channel><title>U</title>
<item><title>Undated</title><link>https://u.example/undated</link><guid>undated</guid><description>` + body + `</description></item>
<item><title>Future</title><link>https://u.example/future</link><guid>future</guid><pubDate>Fri, 01 Jan 2100 00:00:00 +0000</pubDate><description>` + body + `</description></item>
<item><title>Dated</title><link>https://u.example/dated</link><guid>dated</guid><pubDate>Thu, 26 Nov 2026 07:30:00 +0700</pubDate><description>` + body + `</description></item>
</channel></rss>`
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, feed()) }))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: u, url: '{{URL}}/', retention: 0}\n")
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clk := testenv.NewClock(t0)
	p.Now = clk.Now
	if r := pollAll(t, p, true)["u"]; r.New != 3 {
		t.Fatalf("first poll: %+v, want 3 new", r)
	}
	mu.Lock()
	body = "edited"
	mu.Unlock()
	t1 := t0.Add(time.Hour)
	clk.Set(t1)
	if r := pollAll(t, p, true)["u"]; r.Updated != 3 {
		t.Fatalf("poll after the edit: %+v, want 3 updated", r)
	}
	dated := time.Date(2026, 11, 26, 0, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		link               string
		published, updated time.Time
	}{
		{"undated", t0, t1},
		{"future", t0, t1},
		{"dated", dated, dated},
	} {
		it, err := store.ItemByLink(context.Background(), "https://u.example/"+tc.link)
		if err != nil {
			t.Fatal(err)
		}
		if it.Summary != "edited" {
			t.Errorf("%s: summary %q, want the edit", tc.link, it.Summary)
		}
		if !it.Published.Equal(tc.published) || !it.Updated.Equal(tc.updated) {
			t.Errorf("%s: published %v, updated %v; want %v, %v", tc.link, it.Published, it.Updated, tc.published, tc.updated)
		}
	}
}

// TestRetentionPrunesAndTombstones: items published before the source's
// retention window are not stored at all; stored items that age past it
// are pruned (unless pinned); a pruned item still listed upstream (an
// undated one, which carries the fetch time) does not come back as new.
func TestRetentionPrunesAndTombstones(t *testing.T) {
	now := time.Now().UTC()
	date := func(d time.Duration) string { return now.Add(-d).Format(time.RFC1123Z) }
	day := 24 * time.Hour
	feed := `<rss version="2.0"><channel><title>R</title>
<item><title>Too old</title><link>https://r.example/old</link><guid>old</guid><pubDate>` + date(30*day) + `</pubDate></item>
<item><title>Aging</title><link>https://r.example/aging</link><guid>aging</guid><pubDate>` + date(5*day) + `</pubDate></item>
<item><title>Aging pinned</title><link>https://r.example/pinned</link><guid>pinned</guid><pubDate>` + date(5*day) + `</pubDate></item>
<item><title>Undated</title><link>https://r.example/undated</link><guid>undated</guid></item>
</channel></rss>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, feed) }))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: r, url: '{{URL}}/', retention: 7d}\n")
	clk := testenv.NewClock(now)
	p.Now = clk.Now
	ctx := context.Background()
	if r := pollAll(t, p, true)["r"]; r.New != 3 {
		t.Fatalf("first poll: %+v, want 3 new (the 30-day-old item is beyond the 7-day retention)", r)
	}
	if _, err := store.ItemByLink(ctx, "https://r.example/old"); err == nil {
		t.Errorf("an item older than the retention window was stored")
	}
	pinned, err := store.ItemByLink(ctx, "https://r.example/pinned")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetCuration(ctx, "any-topic", pinned.ID, db.Pin, true); err != nil {
		t.Fatal(err)
	}
	clk.Add(8 * day) // aging: 13 days old; undated: 8 days
	n, err := p.Prune(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Prune: %d, %v; want 2 items pruned (aging, undated)", n, err)
	}
	for link, want := range map[string]bool{"aging": false, "undated": false, "pinned": true} {
		if _, err := store.ItemByLink(ctx, "https://r.example/"+link); (err == nil) != want {
			t.Errorf("%s stored after pruning: %v, want %v", link, err == nil, want)
		}
	}
	if r := pollAll(t, p, true)["r"]; r.New != 0 {
		t.Errorf("re-poll after pruning: %d new, want 0 (tombstone of the undated item)", r.New)
	}
}
