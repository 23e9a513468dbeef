package aggregator

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"bantin/db"
	"bantin/internal/testenv"
)

// TestDefaultsLanguage: items of a feed that names no language take
// defaults.language, so a `languages: [vi]` rule matches them; a source's
// own language: overrides the default.
func TestDefaultsLanguage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, okFeed) // no <language>
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL,
		"  - {id: vn, url: '{{URL}}/vn'}\n  - {id: en, url: '{{URL}}/en', language: en}\n",
		"  language: vi\ntopics:\n  - slug: tieng-viet\n    match: {languages: [vi]}\n")
	pollAll(t, p, true)
	ctx := context.Background()
	for id, want := range map[string]string{"vn": "vi", "en": "en"} {
		items, err := store.ScanSourceItems(ctx, id, 0, 10)
		if err != nil || len(items) != 2 {
			t.Fatalf("items of %s: %d, %v; want 2", id, len(items), err)
		}
		for _, it := range items {
			if it.Language != want {
				t.Errorf("source %s item %s: language %q, want %q", id, it.GUID, it.Language, want)
			}
		}
	}
	members, err := store.TopicItems(ctx, "tieng-viet", db.ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 || members[0].SourceID != "vn" || members[1].SourceID != "vn" {
		t.Errorf("topic tieng-viet holds %d items (%v); want the 2 of source vn", len(members), members)
	}
}

// TestLastNewIsTheLastAttempt: NEW and UPDATED (bantin sources) count what
// the last attempt stored: a 304 or a failure after a 200 that stored two
// items shows 0, not the 200's counts.
func TestLastNewIsTheLastAttempt(t *testing.T) {
	var mode atomic.Int32 // 0: 200, 1: 304, 2: 500
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case 1:
			w.WriteHeader(http.StatusNotModified)
		case 2:
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.Header().Set("ETag", `"v1"`)
			io.WriteString(w, okFeed)
		}
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: a, url: '{{URL}}/a'}\n")
	clk := testenv.NewClock(time.Now())
	p.Now = clk.Now
	if r := pollAll(t, p, true)["a"]; r.New != 2 {
		t.Fatalf("first poll: %+v, want 2 new", r)
	}
	if s := source(t, store, "a"); s.LastNew != 2 {
		t.Fatalf("after the 200: LastNew %d, want 2", s.LastNew)
	}
	for _, m := range []int32{1, 2} {
		mode.Store(m)
		clk.Add(3 * time.Hour)
		r := pollAll(t, p, true)["a"]
		s := source(t, store, "a")
		if s.LastNew != 0 || s.LastUpdated != 0 {
			t.Errorf("after status %d (%+v): LastNew %d, LastUpdated %d; want 0, 0", s.LastStatus, r, s.LastNew, s.LastUpdated)
		}
	}
}

// TestMetricsNewestItemAndTopicItems: /metrics reports each source's
// newest stored item time and item count, and each topic's stored items
// (0 for a configured topic without any).
func TestMetricsNewestItemAndTopicItems(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/empty" {
			io.WriteString(w, `<rss version="2.0"><channel><title>E</title></channel></rss>`)
			return
		}
		io.WriteString(w, okFeed)
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: a, url: '{{URL}}/a'}\n  - {id: empty, url: '{{URL}}/empty'}\n",
		"topics:\n  - slug: tin\n    match: {keywords: [tin]}\n  - slug: khong-co\n    match: {keywords: [xyzzy]}\n")
	reg := prometheus.NewRegistry()
	p.Metrics = NewMetrics(reg, store)
	cfg, _ := p.snapshot()
	p.Metrics.SetTopics(cfg)
	pollAll(t, p, true)

	ms := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer ms.Close()
	resp, err := http.Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	values := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		name, v, ok := strings.Cut(line, " ")
		if ok && !strings.HasPrefix(line, "#") {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				values[name] = f
			}
		}
	}
	newest := time.Date(2026, 11, 2, 4, 0, 0, 0, time.UTC) // 11:00 +0700, the feed's newest item
	for name, want := range map[string]float64{
		`bantin_source_newest_item_timestamp_seconds{source="a"}`:     float64(newest.Unix()),
		`bantin_source_newest_item_timestamp_seconds{source="empty"}`: 0,
		`bantin_source_items{source="a"}`:                             2,
		`bantin_source_items{source="empty"}`:                         0,
		`bantin_topic_items{topic="tin"}`:                             2,
		`bantin_topic_items{topic="khong-co"}`:                        0,
	} {
		got, ok := values[name]
		if !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
}
