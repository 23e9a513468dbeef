package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/internal/fixture"
	"bantin/internal/testenv"
	"bantin/websub"
)

// hubSubscriber is a WebSub subscriber of the built-in hub: it confirms
// every verification and records the pushes it gets.
type hubSubscriber struct {
	ts     *httptest.Server
	mu     sync.Mutex
	verify []url.Values
	pushes []hubPush
}

type hubPush struct {
	link, body string
}

func newHubSubscriber(t *testing.T) *hubSubscriber {
	s := &hubSubscriber{}
	s.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.Method == http.MethodGet {
			s.verify = append(s.verify, r.URL.Query())
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		s.pushes = append(s.pushes, hubPush{link: r.Header.Get("Link"), body: string(b)})
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(s.ts.Close)
	return s
}

// pushed returns the first push whose body contains sub ("" link: none).
func (s *hubSubscriber) pushed(sub string) hubPush {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pushes {
		if strings.Contains(p.body, sub) {
			return p
		}
	}
	return hubPush{}
}

// TestDaemonReloadRenamesTopicUnderHubAndFastPath: a `bantin run` with the
// built-in hub and the fast path on, whose topic has a subscriber, is
// reloaded with the topic renamed (the old slug an alias). What readers
// and the subscriber notice: the old URL answers 301 to the new one on
// the fast path, the new URL serves the topic with what arrived after the
// rename, and the subscriber of the old URL gets that news pushed from
// the new URL.
func TestDaemonReloadRenamesTopicUnderHubAndFastPath(t *testing.T) {
	up := testenv.NewUpstream(t)
	up.Set("/a.rss", reloadFeed("a", "Tin Hà Nội trước khi đổi tên", "Thời sự"), "application/rss+xml")
	up.Set("/b.rss", reloadFeed("b", "Hà Nội mở tuyến buýt sau khi đổi tên", "Giao thông"), "application/rss+xml")
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	head := "database: d.db\nbase_url: " + base + "\nwebsub: {builtin: true}\ndefaults: {retention: 3650d}\n"
	srcA := fmt.Sprintf("  - {id: a, url: '%s/a.rss'}\n", up.URL)
	srcB := fmt.Sprintf("  - {id: b, url: '%s/b.rss'}\n", up.URL)
	fast := true
	d := runDaemon(t, fixture.ConfigIn(t, dir, head+"sources:\n"+srcA+"topics:\n  - {slug: ha-noi, title: Hà Nội, match: {keywords: [ha noi]}}\n"),
		DaemonOptions{Polling: true, Listen: addr, FastPath: &fast})
	testenv.WaitFor(t, "source a polled and published", 10*time.Second, func() bool { return feedCount(base, "/topics/ha-noi.json") == 1 })

	sub := newHubSubscriber(t)
	oldTopic, newTopic := base+"/topics/ha-noi.atom", base+"/topics/thu-do.atom"
	resp, err := http.PostForm(base+websub.HubPath, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {oldTopic},
		"hub.callback": {sub.ts.URL + "/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("subscribe: %d, want 202", resp.StatusCode)
	}
	testenv.WaitFor(t, "the subscription verified", 10*time.Second, func() bool {
		sub.mu.Lock()
		defer sub.mu.Unlock()
		return len(sub.verify) == 1
	})
	// The fast path holds the old URL's feed.
	if code, body := feedText(base, "/topics/ha-noi.atom"); code != 200 || !strings.Contains(body, "trước khi đổi tên") {
		t.Fatalf("old URL before the rename: %d\n%s", code, body)
	}
	fastBefore := metric(t, base, "bantin_http_fast_responses_total")

	// The rename, with a new source whose item belongs to the topic.
	err = d.Reload(context.Background(), fixture.ConfigIn(t, dir, head+"sources:\n"+srcA+srcB+
		"topics:\n  - {slug: thu-do, title: Thủ đô, aliases: [ha-noi], match: {keywords: [ha noi]}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the new URL serving both items", 15*time.Second, func() bool { return feedCount(base, "/topics/thu-do.json") == 2 })
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, format := range []string{"atom", "rss", "json"} {
		resp, err := noFollow.Get(base + "/topics/ha-noi." + format)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := base + "/topics/thu-do." + format; resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
			t.Errorf("old %s URL after the rename: %d Location %q, want 301 %q", format, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	if code, body := feedText(base, "/topics/thu-do.atom"); code != 200 || !strings.Contains(body, "sau khi đổi tên") || !strings.Contains(body, `href="`+newTopic+`"`) {
		t.Errorf("new URL after the rename: %d\n%s", code, body)
	}
	if after := metric(t, base, "bantin_http_fast_responses_total"); after <= fastBefore {
		t.Errorf("fast responses %v after the rename, %v before: the fast path served none of it", after, fastBefore)
	}

	// The hub pushes the news to the subscriber of the old URL, from the
	// new one.
	var p hubPush
	testenv.WaitFor(t, "a push of the item that arrived after the rename", 20*time.Second, func() bool {
		p = sub.pushed("sau khi đổi tên")
		return p.body != ""
	})
	if !strings.Contains(p.link, "<"+newTopic+`>; rel="self"`) {
		t.Errorf("push Link %q, want rel=self %s", p.link, newTopic)
	}
	subs, err := d.store.WebSubSubscriptions(context.Background(), "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || subs[0].Topic != newTopic {
		t.Errorf("stored hub subscriptions %+v, want one, to %s", subs, newTopic)
	}
}
