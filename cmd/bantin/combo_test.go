package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/db"
	"bantin/db/pgtest"
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

// fastResponses is base's bantin_http_fast_responses_total, asked on a
// connection of its own (one that sent /metrics belongs to net/http: the
// feed requests that followed on it would never reach the fast path).
func fastResponses(t *testing.T, base string) float64 {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "bantin_http_fast_responses_total "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	t.Fatalf("%s/metrics has no bantin_http_fast_responses_total", base)
	return 0
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
	fastBefore := fastResponses(t, base)

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
	if after := fastResponses(t, base); after <= fastBefore {
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

// TestCurationReachesServeReplicaOnPostgres: `bantin run` and a `bantin
// serve` replica on one PostgreSQL database, both with the fast path on
// and their feeds already served once: a curation written by `bantin
// curate` (a third process's write) is served by both within seconds, in
// every format and on the topic's page, without a reload.
func TestCurationReachesServeReplicaOnPostgres(t *testing.T) {
	t.Setenv(db.EnvDatabase, pgtest.URL(t))
	up := testenv.NewUpstream(t)
	up.Set("/feed.rss", []byte(curationFeed("v1")), "application/rss+xml")
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, tinConfig(up.URL, "", "", "    match: {keywords: [ha noi]}\n"))
	fast := true
	run := runDaemon(t, mustLoad(t, cfgPath), DaemonOptions{Polling: true, FastPath: &fast})
	serve := runDaemon(t, mustLoad(t, cfgPath), DaemonOptions{FastPath: &fast})
	before := []string{"Hà Nội mở rộng phố đi bộ", "Hà Nội khai mạc lễ hội mùa thu", "Thời tiết Hà Nội trở lạnh"}
	titles := func(base, format string) []string {
		code, body := feedText(base, "/topics/ha-noi."+format)
		if code != 200 {
			return []string{fmt.Sprint(code)}
		}
		var out []string
		for _, title := range before {
			if i := strings.Index(body, title); i >= 0 {
				out = append(out, fmt.Sprintf("%08d%s", i, title))
			}
		}
		slices.Sort(out) // in the order the feed lists them
		for i := range out {
			out[i] = out[i][8:]
		}
		return out
	}
	for _, r := range []*runningDaemon{run, serve} {
		testenv.WaitFor(t, r.base+" serving the polled items", 15*time.Second, func() bool {
			return slices.Equal(titles(r.base, "json"), before)
		})
	}
	fastBefore := fastResponses(t, serve.base)

	mustRun(t, "curate", "pin", "ha-noi", "https://tin.example/3", "-config", cfgPath)
	mustRun(t, "curate", "hide", "ha-noi", "https://tin.example/1", "-config", cfgPath)
	want := []string{"Thời tiết Hà Nội trở lạnh", "Hà Nội khai mạc lễ hội mùa thu"}
	for _, r := range []*runningDaemon{serve, run} {
		for _, format := range []string{"json", "rss", "atom"} {
			testenv.WaitFor(t, r.base+" serving the curation in "+format, 5*time.Second, func() bool {
				return slices.Equal(titles(r.base, format), want)
			})
		}
		if code, body := feedText(r.base, "/topics/ha-noi"); code != 200 || strings.Contains(body, "Hà Nội mở rộng phố đi bộ") ||
			strings.Index(body, want[0]) > strings.Index(body, want[1]) {
			t.Errorf("%s topic page after the curation: %d\n%s", r.base, code, body)
		}
	}
	if after := fastResponses(t, serve.base); after <= fastBefore {
		t.Errorf("the replica's fast path served nothing after the curation (%v, %v before)", after, fastBefore)
	}
}
