package render

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"bantin/bench"
	"bantin/config"
	"bantin/db"
)

// TestDedupeLinear: the dedupe compares each report with a bounded number
// of others, whatever the size of the page: the comparisons per item at
// 8,000 items stay within 1.5x of those at 2,000 (the quadratic dedupe
// made 4x as many). Timings live in BenchmarkColdTopic.
func TestDedupeLinear(t *testing.T) {
	perItem := func(n int) float64 {
		now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		c := NewComposer(config.Topic{Slug: "big", Limit: 100000}, nil, now, true)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range n {
			var title strings.Builder
			for range 10 {
				title.WriteString(bench.Words[r.IntN(len(bench.Words))] + " ")
			}
			src := fmt.Sprint("s", i%4)
			c.Add(db.Item{ID: int64(n - i), SourceID: src, GUID: fmt.Sprint(i), Title: title.String(),
				Link: fmt.Sprintf("https://%s.example/%d", src, i), Published: now.Add(-time.Duration(i) * 7 * time.Minute)})
		}
		if len(c.Entries()) < n*9/10 {
			t.Fatalf("%d entries of %d items", len(c.Entries()), n)
		}
		return float64(c.comparisons) / float64(n)
	}
	small, large := perItem(2000), perItem(8000)
	if large > 1.5*small+1 {
		t.Errorf("dedupe comparisons per item: %.1f at 2,000 items, %.1f at 8,000: grows with the page", small, large)
	}
	t.Logf("dedupe comparisons per item: %.1f at 2,000 items, %.1f at 8,000", small, large)
}
