package aggregator

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"bantin/internal/testenv"
)

// TestRunLogsSkippedItems: the daemon's log says how many items of a feed
// were not stored for being older than retention, and /metrics counts
// them; the source records it.
func TestRunLogsSkippedItems(t *testing.T) {
	epoch := strings.ReplaceAll(healthyFeed, "Mon, 02 Nov 2026", "Thu, 01 Jan 1970")
	up := newUpstream(t, answer{contentType: "application/rss+xml", body: epoch})
	p, store := testPoller(t, up.URL, "  - {id: cu, url: '{{URL}}/feed.rss', retention: 90d}\n")
	var logs testenv.Buffer
	p.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	reg := prometheus.NewRegistry()
	p.Metrics = NewMetrics(reg, store)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for source(t, store, "cu").LastAttempt.IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("the source was not polled within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !strings.Contains(out, "source=cu skipped=2") || !strings.Contains(out, `reason="older than retention 90d"`) {
		t.Errorf("log does not say that 2 items older than retention 90d were skipped:\n%s", out)
	}
	if st := source(t, store, "cu"); st.LastSkipped != 2 || st.LastSkipReason != "older than retention 90d" {
		t.Errorf("source records %d skipped for %q", st.LastSkipped, st.LastSkipReason)
	}
	got := skippedTotal(reg)
	if got != 2 {
		// Say which: a second poll, or one poll that counted 4.
		up.mu.Lock()
		n := up.requests["/feed.rss"]
		up.mu.Unlock()
		t.Errorf("bantin_items_skipped_total = %v, want 2 (the feed was fetched %d times)\n%s", got, n, logs.String())
	}
}

// TestPlaceholderItemsAreReported: an item with neither title, link nor
// enclosure among named items is left out as a placeholder (Normalise),
// and the poll says so beside the items older than retention, instead
// of dropping it without a word: an RSS item with only a description is
// valid, and an editor must be able to see that it was not stored.
func TestPlaceholderItemsAreReported(t *testing.T) {
	feed := strings.Replace(healthyFeed, "</channel>", `<item><description>Chỉ có mô tả: không tiêu đề, không liên kết.</description>
<pubDate>Mon, 02 Nov 2026 12:00:00 +0700</pubDate></item>
<item><title>Tin cũ</title><link>https://thoisu.example.vn/old</link><pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate></item>
</channel>`, 1)
	up := newUpstream(t, answer{contentType: "application/rss+xml", body: feed})
	p, store := testPoller(t, up.URL, "  - {id: ph, url: '{{URL}}/feed.rss', retention: 90d}\n")
	p.Now = func() time.Time { return time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC) }
	var results []Result
	sum, err := p.PollOnce(context.Background(), true, func(r Result) { results = append(results, r) })
	if err != nil || sum.New != 2 {
		t.Fatalf("poll: %+v, %v; want the 2 named items stored", sum, err)
	}
	const want = "older than retention 90d (1), without a title, link or enclosure (the feed's other items have one) (1)"
	if len(results) != 1 || results[0].Skipped != 2 || results[0].SkipReason != want {
		t.Fatalf("results %+v; want 2 skipped: %s", results, want)
	}
	if note := SkipNote(results[0].Skipped, results[0].SkipReason); note != "2 "+want {
		t.Errorf("SkipNote = %q", note)
	}
	if st := source(t, store, "ph"); st.LastSkipped != 2 || st.LastSkipReason != want {
		t.Errorf("source records %d skipped for %q", st.LastSkipped, st.LastSkipReason)
	}
}

// TestIngestLogsSkippedItems: items of a WebSub push older than retention
// are reported as a poll's are: the source records them, the log says so
// and bantin_items_skipped_total counts them.
func TestIngestLogsSkippedItems(t *testing.T) {
	epoch := strings.ReplaceAll(healthyFeed, "Mon, 02 Nov 2026", "Thu, 01 Jan 1970")
	p, store := testPoller(t, "http://127.0.0.1:9", "  - {id: cu, url: '{{URL}}/feed.rss', retention: 90d}\n")
	var logs testenv.Buffer
	p.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	reg := prometheus.NewRegistry()
	p.Metrics = NewMetrics(reg, store)
	if _, err := p.Ingest(context.Background(), "cu", []byte(epoch), "application/rss+xml"); err != nil {
		t.Fatal(err)
	}
	if st := source(t, store, "cu"); st.LastSkipped != 2 || st.LastSkipReason != "older than retention 90d" {
		t.Errorf("source records %d skipped for %q", st.LastSkipped, st.LastSkipReason)
	}
	if out := logs.String(); !strings.Contains(out, "source=cu skipped=2") || !strings.Contains(out, `reason="older than retention 90d"`) {
		t.Errorf("log does not say that 2 pushed items older than retention 90d were skipped:\n%s", out)
	}
	got := skippedTotal(reg)
	if got != 2 {
		t.Errorf("bantin_items_skipped_total = %v, want 2", got)
	}
}

// skippedTotal reads bantin_items_skipped_total from reg.
func skippedTotal(reg *prometheus.Registry) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "bantin_items_skipped_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// TestPrunedItemsStillListedAreReported: items pruned by retention that
// the feed still lists (a dated one within a raised retention, an undated
// one that takes the fetch time again) are kept out by their tombstones,
// and a poll and a WebSub push say so, with the other skipped items,
// instead of storing nothing without a word.
func TestPrunedItemsStillListedAreReported(t *testing.T) {
	feed := strings.Replace(healthyFeed, "</channel>", `<item><title>Tin không ngày</title><link>https://thoisu.example.vn/3</link><guid>g3</guid></item>
<item><title>Tin cũ</title><link>https://thoisu.example.vn/old</link><pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate></item>
</channel>`, 1)
	up := newUpstream(t, answer{contentType: "application/rss+xml", body: feed})
	p, store := testPoller(t, up.URL, "  - {id: pr, url: '{{URL}}/feed.rss', retention: 90d}\n")
	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	p.Now = func() time.Time { return now }
	ctx := context.Background()
	if sum, err := p.PollOnce(ctx, true, nil); err != nil || sum.New != 3 {
		t.Fatalf("first poll: %+v, %v; want 3 new", sum, err)
	}
	if n, err := store.Prune(ctx, "pr", now.Add(time.Hour), 0); err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v; want 3", n, err)
	}
	now = now.Add(24 * time.Hour)
	var results []Result
	sum, err := p.PollOnce(ctx, true, func(r Result) { results = append(results, r) })
	if err != nil || sum.New != 0 {
		t.Fatalf("second poll: %+v, %v; want nothing new", sum, err)
	}
	const want = "older than retention 90d (1), pruned earlier and still listed upstream (not stored again) (3)"
	if len(results) != 1 || results[0].Skipped != 4 || results[0].SkipReason != want {
		t.Fatalf("results %+v; want 4 skipped: %s", results, want)
	}
	if st := source(t, store, "pr"); st.LastSkipped != 4 || st.LastSkipReason != want {
		t.Errorf("source records %d skipped for %q", st.LastSkipped, st.LastSkipReason)
	}
	// A push of the same feed says the same.
	if _, err := p.Ingest(ctx, "pr", []byte(feed), "application/rss+xml"); err != nil {
		t.Fatal(err)
	}
	if st := source(t, store, "pr"); st.LastSkipped != 4 || st.LastSkipReason != want {
		t.Errorf("after a push the source records %d skipped for %q", st.LastSkipped, st.LastSkipReason)
	}
}
