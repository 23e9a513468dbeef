package aggregator

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"bantin/config"
	"bantin/internal/testenv"
)

// runDriver runs Poller.Run with its clock and its ticker in the test's
// hands: nothing waits for time to pass.
type runDriver struct {
	t    *testing.T
	clk  *clock
	tick chan time.Time
	last atomic.Pointer[dispatcher] // the dispatcher after its last pass
}

func startRun(t *testing.T, p *Poller) *runDriver {
	t.Helper()
	r := &runDriver{t: t, clk: testenv.NewClock(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)), tick: make(chan time.Time)}
	p.Now = r.clk.Now
	p.NewTicker = func(time.Duration) (<-chan time.Time, func()) { return r.tick, func() {} }
	p.passed = func(d *dispatcher) { r.last.Store(d) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return r
}

// tickAndSettle makes Run's ticker fire and returns once the pass that
// tick started is over (Run takes the second tick only after it).
func (r *runDriver) tickAndSettle() {
	r.t.Helper()
	for range 2 {
		select {
		case r.tick <- r.clk.Now():
		case <-time.After(10 * time.Second):
			r.t.Fatal("Run did not take a tick within 10 s")
		}
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func (r *runDriver) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// idle reports whether Run has nothing queued or in flight.
func (r *runDriver) idle() bool {
	d := r.last.Load()
	return d != nil && d.idle()
}

// TestRunFollowsTicksAndReloads drives Run by its ticker and clock: a
// reload that adds a source has it polled at once (no tick needed, so the
// test fails if the reload never reached Run), a tick before anything is
// due polls nothing, a tick once the clock has passed the sources' next
// due time polls them, and a source the reload removed is polled no more.
func TestRunFollowsTicksAndReloads(t *testing.T) {
	up := newUpstream(t, answer{contentType: "application/rss+xml", body: healthyFeed})
	p, _ := testPoller(t, up.URL, "  - {id: a, url: '{{URL}}/a.rss'}\n")
	r := startRun(t, p)
	r.waitFor("a polled at start", func() bool { return up.count("/a.rss") == 1 })

	cfg, _ := p.snapshot()
	withB := *cfg
	b := cfg.Sources[0]
	b.ID, b.URL = "b", up.URL+"/b.rss"
	withB.Sources = append(slices.Clone(cfg.Sources), b)
	if err := p.Reload(context.Background(), &withB); err != nil {
		t.Fatal(err)
	}
	r.waitFor("b polled after the reload that added it", func() bool { return up.count("/b.rss") == 1 })
	r.waitFor("idle", r.idle)

	r.tickAndSettle()
	if !r.idle() || up.count("/a.rss") != 1 || up.count("/b.rss") != 1 {
		t.Fatalf("a tick before anything is due: a fetched %d times, b %d, idle %v; want 1, 1, true",
			up.count("/a.rss"), up.count("/b.rss"), r.idle())
	}

	onlyB := withB
	onlyB.Sources = []config.Source{b}
	if err := p.Reload(context.Background(), &onlyB); err != nil {
		t.Fatal(err)
	}
	r.clk.Add(cfg.Sources[0].MaxInterval.D()) // both due again, whatever the jitter
	r.tickAndSettle()
	r.waitFor("b polled on the tick after its due time", func() bool { return up.count("/b.rss") == 2 })
	r.waitFor("idle", r.idle)
	if n := up.count("/a.rss"); n != 1 {
		t.Errorf("a, removed by the reload, fetched %d times; want 1", n)
	}
}
