package aggregator

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bantin/aggregator/scrape/sitetest"
)

// BenchmarkFullText polls a summary-only feed of 200 items on loopback
// into a fresh database, without full text and with full_text: match (200
// article pages fetched, extracted with the content selector and stored),
// and reports the time added per item by the article pages and the peak
// heap in use during the full-text poll.
//
//	go test ./aggregator -run '^$' -bench FullText -benchtime 5x
func BenchmarkFullText(b *testing.B) {
	const n = 200
	site := sitetest.New(n)
	defer site.Close()
	poll := func(opts string) time.Duration {
		p, _ := testPoller(b, site.URL, "  - {id: s, url: '{{URL}}/rss'"+opts+"}\n", bodyTopic)
		start := time.Now()
		sum, err := p.PollOnce(context.Background(), true, nil)
		d := time.Since(start)
		if err != nil || sum.New != n || sum.Failed != 0 {
			b.Fatalf("poll%s: %+v, %v", opts, sum, err)
		}
		return d
	}
	var off, match, readable time.Duration
	var peak atomic.Uint64
	b.ResetTimer()
	for range b.N {
		off += poll("")
		runtime.GC()
		stop := samplePeakHeap(&peak)
		match += poll(", full_text: match, content_selector: '.detail-content', exclude_selector: '.share'")
		stop()
		readable += poll(", full_text: match")
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N*n) }
	b.ReportMetric(per(off), "µs/item-feed-only")
	b.ReportMetric(per(match-off), "µs/item-added-selector")
	b.ReportMetric(per(readable-off), "µs/item-added-readability")
	b.ReportMetric(float64(match-off)/float64(off), "x-feed-only-added-selector")
	b.ReportMetric(float64(peak.Load())/(1<<20), "MiB-peak-heap")
}

// samplePeakHeap records the largest HeapInuse seen every 5 ms
// until the returned function is called.
func samplePeakHeap(peak *atomic.Uint64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
