package publisher

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runLoop starts e.srv.Run with a clock the test can move forward (skip:
// nanoseconds added to the time) and a 20 ms change sequence check; it
// stops with the test.
func runLoop(t *testing.T, e *testEnv, skip *atomic.Int64) {
	t.Helper()
	e.srv.now = func() time.Time { return time.Now().Add(time.Duration(skip.Load())) }
	e.srv.SeqCheckInterval = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.srv.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(5 * time.Second); !e.srv.running.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Run did not start")
		}
	}
}

// waitFor polls cond until it holds (5 s at most).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
	}
}

// TestUnrequestedFormatsNotRerendered: when a feed changes, the
// background renderer renders again only the formats readers asked for
// in the last idleRender; a format nobody asked for since is rendered
// when it is asked for, with the change.
func TestUnrequestedFormatsNotRerendered(t *testing.T) {
	e := newEnv(t)
	var log renderLog
	e.srv.onRender = log.hook
	var clock atomic.Int64
	runLoop(t, e, &clock)
	e.save("a", e.item("https://a.example.vn/1", "Giá nhà tăng", time.Hour, topicSlug))
	atom, jsonPath := "/topics/"+topicSlug+".atom", "/topics/"+topicSlug+".json"
	e.get(atom)
	e.get(jsonPath)
	log.take()

	clock.Add(int64(idleRender + time.Minute))
	e.get(atom) // readers still use the Atom feed, nobody the JSON one
	e.save("b", e.item("https://b.example.vn/2", "Tin mới nhất", time.Minute, topicSlug))
	var rendered []string
	waitFor(t, "the changed Atom feed was not rendered again in the background", func() bool {
		rendered = append(rendered, log.take()...)
		return slices.Contains(rendered, "topic/"+topicSlug+".atom")
	})
	if slices.Contains(rendered, "topic/"+topicSlug+".json") {
		t.Errorf("the JSON feed, not asked for in %v, was rendered again in the background: %q", idleRender+time.Minute, rendered)
	}
	if body := string(e.get(jsonPath).body); !strings.Contains(body, "Tin mới nhất") {
		t.Errorf("the JSON feed asked for after the change lacks the new item:\n%s", body)
	}
	if got := log.take(); !slices.Equal(got, []string{"topic/" + topicSlug + ".json"}) {
		t.Errorf("asking for the JSON feed rendered %q, want it once", got)
	}
}

// TestRequestsLeaveChangedFeedsToTheRenderer: while the background
// renderer is busy (here: held on another feed), a request for a changed
// feed that is cached gets its previous bytes and renders nothing, also a
// minute after the change; the renderer brings it up to date after.
func TestRequestsLeaveChangedFeedsToTheRenderer(t *testing.T) {
	e := newEnv(t)
	var clock atomic.Int64
	release := make(chan struct{})
	var released sync.Once
	defer released.Do(func() { close(release) })
	var armed atomic.Bool
	var holding atomic.Bool
	var held atomic.Value // the cacheKey the renderer is held on
	e.srv.onRender = func(k cacheKey) {
		if armed.Load() && holding.CompareAndSwap(false, true) {
			held.Store(k)
			<-release
		}
	}
	runLoop(t, e, &clock)
	e.save("a", e.item("https://a.example.vn/1", "Giá nhà tăng", time.Hour, topicSlug))
	e.save("c", e.item("https://c.example.vn/3", "Chuyện khác", time.Hour, "khac"))
	paths := map[string]string{topicSlug: "/topics/" + topicSlug + ".atom", "khac": "/topics/khac.atom"}
	for _, p := range paths {
		e.get(p)
	}
	armed.Store(true)
	renders := e.srv.Renders()
	e.save("a", e.item("https://a.example.vn/2", "Tin mới đất đai", time.Minute, topicSlug))
	e.save("c", e.item("https://c.example.vn/4", "Tin mới khác", time.Minute, "khac"))
	waitFor(t, "the renderer did not start on either changed feed", func() bool { return held.Load() != nil })
	other := topicSlug
	if held.Load().(cacheKey).slug == topicSlug {
		other = "khac"
	}
	clock.Add(int64(time.Minute))
	if body := string(e.get(paths[other]).body); strings.Contains(body, "Tin mới") {
		t.Errorf("a request rendered the changed feed %s itself while the renderer was busy", other)
	}
	if n := e.srv.Renders() - renders; n != 1 {
		t.Errorf("%d renders while the renderer was held on one, want 1 (its own)", n)
	}
	released.Do(func() { close(release) })
	waitFor(t, "the renderer did not bring the other feed up to date", func() bool {
		return strings.Contains(string(e.get(paths[other]).body), "Tin mới")
	})
}
