package publisher

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"bantin/bench"
	"bantin/config"
	"bantin/db"
	"bantin/publisher/render"
)

// bigTopicEnv stores n items of 4 sources (one every 7 minutes, about
// 1 KB of text each) in the topic "big" (limit 100000, dedupe on) and
// returns the environment.
func bigTopicEnv(b testing.TB, n int) *testEnv {
	e := newEnv(b)
	cfg := *e.cfg
	cfg.Topics = append([]config.Topic{{Slug: "big", Title: "Big", Limit: 100000}}, cfg.Topics...)
	e.cfg = &cfg
	e.srv.Reload(&cfg)
	r := rand.New(rand.NewPCG(1, uint64(n)))
	word := func() string { return bench.Words[r.IntN(len(bench.Words))] }
	bySource := map[string][]db.Item{}
	for i := range n {
		var title, body strings.Builder
		for range 10 {
			title.WriteString(word() + " ")
		}
		body.WriteString("<p>")
		for range 120 {
			body.WriteString(word() + " ")
		}
		body.WriteString("</p>")
		src := string(rune('a' + i%4))
		it := e.item(fmt.Sprintf("https://%s.example.vn/bai/%d.html", src, i), title.String(), time.Duration(i)*7*time.Minute, "big")
		it.Content = body.String()
		bySource[src] = append(bySource[src], it)
	}
	for src, items := range bySource {
		e.save(src, items...)
	}
	return e
}

// BenchmarkColdTopic renders a topic of 1k to 15k items (limit 100000,
// dedupe on) from a cold cache: composition, rendering and gzip. The time
// per item must stay flat as the topic grows (linear cost).
func BenchmarkColdTopic(b *testing.B) {
	for _, n := range []int{1000, 3000, 6000, 15000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			e := bigTopicEnv(b, n)
			key := cacheKey{kind: kindTopic, slug: "big", format: render.FormatAtom}
			cpu0 := processCPU()
			for b.Loop() {
				e.srv.Reload(e.cfg)
				res, err := e.srv.get(context.Background(), key)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.body) < n*500 {
					b.Fatalf("body of %d bytes for %d items", len(res.body), n)
				}
			}
			// CPU time, unlike wall time, does not grow when other
			// processes share the machine.
			cpu := processCPU() - cpu0
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N)/float64(n), "cpu-µs/item")
		})
	}
}
