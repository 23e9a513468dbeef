package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// oldFeed is a feed whose upstream clock reads 1970 for five items, and
// which answers 304 to its ETag.
func oldFeed() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Đồng hồ hỏng</title><link>https://cu.example.vn/</link>`)
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, `<item><title>Tin cũ %d</title><link>https://cu.example.vn/%d</link><guid>c%d</guid><pubDate>Thu, 01 Jan 1970 0%d:00:00 +0000</pubDate></item>`, i, i, i, i)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// conditionalUpstream serves oldFeed at every path with an ETag and
// records, per path, whether each request was conditional.
type conditionalUpstream struct {
	mu   sync.Mutex
	reqs map[string][]bool // path: If-None-Match sent, per request
}

func (u *conditionalUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	inm := r.Header.Get("If-None-Match")
	u.mu.Lock()
	u.reqs[r.URL.Path] = append(u.reqs[r.URL.Path], inm != "" || r.Header.Get("If-Modified-Since") != "")
	u.mu.Unlock()
	if inm == `"v1"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", `"v1"`)
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, oldFeed())
}

func (u *conditionalUpstream) requests(path string) []bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]bool(nil), u.reqs[path]...)
}

func lineOf(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestRetentionSkipsAreReportedAndRecoverable: items older than retention
// are not dropped silently (poll, sources, sources -json say how many and
// why); raising retention drops the validators, so the next poll re-reads
// the feed and stores them.
func TestRetentionSkipsAreReportedAndRecoverable(t *testing.T) {
	up := &conditionalUpstream{reqs: map[string][]bool{}}
	srv := httptest.NewServer(up)
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "bantin.yaml")
	write := func(retention string) {
		yaml := fmt.Sprintf("database: b.db\ndefaults: {retention: %s}\nsources:\n  - {id: cu, url: '%s/cu.rss'}\ntopics:\n  - {slug: all, title: All, match: {sources: [cu]}}\n",
			retention, srv.URL)
		if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("90d")

	out := mustRun(t, "poll", "-config", cfg)
	if l := lineOf(out, "cu "); !strings.Contains(l, "new 0") || !strings.Contains(l, "skipped: 5 older than retention 90d") {
		t.Errorf("poll line %q, want 0 new and \"skipped: 5 older than retention 90d\"\n%s", l, out)
	}
	out = mustRun(t, "sources", "-config", cfg)
	if l := lineOf(out, "cu "); !strings.Contains(l, "skipped 5 older than retention 90d") {
		t.Errorf("sources line %q does not say that 5 items older than retention 90d were skipped\n%s", l, out)
	}
	var views []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "sources", "-json", "-config", cfg)), &views); err != nil {
		t.Fatal(err)
	}
	if len(views) != 1 || views[0]["skipped"] != float64(5) || views[0]["skip_reason"] != "older than retention 90d" {
		t.Errorf("sources -json = %v, want skipped 5, skip_reason \"older than retention 90d\"", views)
	}

	// Raising retention must bring the items back at the next poll, not
	// meet a 304 for the validators of the feed read under the old setting.
	write("36500d")
	out = mustRun(t, "poll", "-all", "-config", cfg)
	if l := lineOf(out, "cu "); !strings.Contains(l, "new 5") || strings.Contains(l, "skipped") {
		t.Errorf("poll after raising retention: %q, want 5 new items and none skipped\n%s", l, out)
	}
	if reqs := up.requests("/cu.rss"); len(reqs) != 2 || reqs[1] {
		t.Errorf("requests (conditional?) %v, want the second one unconditional", reqs)
	}
	out = mustRun(t, "sources", "-config", cfg)
	if l := lineOf(out, "cu "); strings.Contains(l, "skipped") {
		t.Errorf("sources still reports skipped items: %q", l)
	}
}

// TestPollForce: `bantin poll -force [SOURCE...]` re-reads without
// conditional headers, only the named sources when some are named.
func TestPollForce(t *testing.T) {
	up := &conditionalUpstream{reqs: map[string][]bool{}}
	srv := httptest.NewServer(up)
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "bantin.yaml")
	yaml := fmt.Sprintf("database: b.db\ndefaults: {retention: 36500d}\nsources:\n  - {id: mot, url: '%[1]s/mot.rss'}\n  - {id: hai, url: '%[1]s/hai.rss'}\ntopics:\n  - {slug: all, title: All, match: {sources: [mot, hai]}}\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "poll", "-config", cfg)
	out := mustRun(t, "poll", "-all", "-config", cfg)
	if l := lineOf(out, "mot "); !strings.Contains(l, " 304 ") {
		t.Fatalf("poll -all of an unchanged feed: %q, want a 304\n%s", l, out)
	}

	out = mustRun(t, "poll", "-force", "mot", "-config", cfg)
	if l := lineOf(out, "mot "); !strings.Contains(l, " 200 ") || !strings.Contains(l, "new 0") {
		t.Errorf("poll -force mot: %q, want a 200 with nothing new\n%s", l, out)
	}
	if l := lineOf(out, "hai "); l != "" {
		t.Errorf("poll -force mot polled hai too: %q", l)
	}
	if reqs := up.requests("/mot.rss"); len(reqs) != 3 || reqs[2] {
		t.Errorf("requests to mot (conditional?) %v, want the third unconditional", reqs)
	}
	if reqs := up.requests("/hai.rss"); len(reqs) != 2 {
		t.Errorf("requests to hai: %v, want 2", reqs)
	}

	out = mustRun(t, "poll", "-force", "-config", cfg)
	if !strings.Contains(lineOf(out, "mot "), " 200 ") || !strings.Contains(lineOf(out, "hai "), " 200 ") {
		t.Errorf("poll -force: want both sources re-read\n%s", out)
	}

	code, _, stderr := runCLI(t, t.Context(), "poll", "-force", "nope", "-config", cfg)
	if code == 0 || !strings.Contains(stderr, `"nope"`) {
		t.Errorf("poll -force nope: exit %d, stderr %q; want an error naming the unknown source", code, stderr)
	}
}
