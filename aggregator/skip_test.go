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
	mfs, _ := reg.Gather()
	var got float64
	for _, mf := range mfs {
		if mf.GetName() == "bantin_items_skipped_total" {
			got = mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if got != 2 {
		// Say which: a second poll, or one poll that counted 4.
		up.mu.Lock()
		n := up.requests["/feed.rss"]
		up.mu.Unlock()
		t.Errorf("bantin_items_skipped_total = %v, want 2 (the feed was fetched %d times)\n%s", got, n, logs.String())
	}
}
