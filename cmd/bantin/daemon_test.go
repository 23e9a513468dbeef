package main

import (
	"bantin/internal/testenv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDaemonReloadsOnSIGHUPAndStopsOnSIGTERM starts `bantin run`, adds a
// source and a topic to the YAML, sends SIGHUP and expects them to take
// effect without a restart; then sends SIGTERM while a fetch hangs and
// expects a clean exit within 10 s.
func TestDaemonReloadsOnSIGHUPAndStopsOnSIGTERM(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	mux := twoFeeds()
	mux.HandleFunc("/slow.rss", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	addr := freeAddr(t)
	cfgPath, write := configWriter(t, addr, "  timeout: 60s\n")
	write(fmt.Sprintf("sources:\n  - {id: a, url: '%s/a.rss'}\ntopics:\n  - {slug: ha-noi, title: Hà Nội, match: {keywords: [ha noi]}}\n", srv.URL))
	cmd := serveChild(t, "run", cfgPath, addr)
	base := "http://" + addr

	count := func(path string) int { return feedCount(base, path) }
	testenv.WaitFor(t, "source a polled at start", 10*time.Second, func() bool { return count("/topics/ha-noi.json") == 1 })
	if n := count("/topics/kinh-te.json"); n >= 0 {
		t.Fatalf("topic kinh-te exists before reload")
	}

	write(fmt.Sprintf("sources:\n  - {id: a, url: '%s/a.rss'}\n  - {id: b, url: '%s/b.rss'}\n  - {id: slow, url: '%s/slow.rss'}\ntopics:\n  - {slug: ha-noi, title: Hà Nội, match: {keywords: [ha noi]}}\n  - {slug: kinh-te, title: Kinh tế, match: {tags: [kinh-te]}}\n", srv.URL, srv.URL, srv.URL))
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "new source and topic after SIGHUP", 10*time.Second, func() bool { return count("/topics/kinh-te.json") == 1 })
	if n := count("/tags/kinh-te.json"); n != 1 {
		t.Errorf("tag feed kinh-te after reload: %d items, want 1", n)
	}

	// Prometheus metrics: fetch outcomes, durations, items, per-source last success.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{
		`bantin_fetches_total{outcome="ok"}`,
		`bantin_fetch_duration_seconds_bucket`,
		`bantin_items_ingested_total{kind="new"} 2`,
		`bantin_sources_failing 0`,
		`bantin_source_last_success_timestamp_seconds{source="a"}`,
		`bantin_source_last_success_timestamp_seconds{source="b"}`,
	} {
		if !strings.Contains(string(metrics), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	// The feed GETs above took the fast path; /metrics itself was handed over.
	if !regexp.MustCompile(`(?m)^bantin_http_fast_responses_total [1-9]`).Match(metrics) ||
		!regexp.MustCompile(`(?m)^bantin_http_handovers_total [1-9]`).Match(metrics) {
		t.Errorf("/metrics: fast path counters missing or zero:\n%s", grepLines(string(metrics), "bantin_http_"))
	}

	// A broken config on SIGHUP keeps the running one.
	write("sources: [ {id: a, url: 'ftp://nope'} ]\n")
	cmd.Process.Signal(syscall.SIGHUP)
	testenv.WaitFor(t, "the bad reload's log line", 10*time.Second, func() bool {
		return cmd.log.count(`msg="reload failed; keeping the running config"`) == 1
	})
	if n := count("/topics/kinh-te.json"); n != 1 {
		t.Errorf("after a bad reload the running config was lost (kinh-te: %d)", n)
	}

	// SIGTERM with the slow fetch in flight: clean exit within 10 s.
	start := time.Now()
	cmd.stop(t)
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("took %v to stop", el)
	}
}

// TestServeFastPathSwitch: `fast_path: false` in the config, or
// -fast-path=false, makes plain net/http answer the feed GETs (the fast
// path's counter stays at 0) with the same bytes; the flag overrides the
// config both ways.
func TestServeFastPathSwitch(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "bantin.yaml")
	cases := []struct {
		name, config string
		flags        []string
		fast         bool
	}{
		{"default", "", nil, true},
		{"config off", "fast_path: false\n", nil, false},
		{"flag off", "", []string{"-fast-path=false"}, false},
		{"flag on over config off", "fast_path: false\n", []string{"-fast-path=true"}, true},
	}
	var first []byte
	for _, tc := range cases {
		addr := freeAddr(t)
		cfg := tc.config + "base_url: http://example.org\ndatabase: d.db\ntopics:\n  - {slug: ha-noi, title: Hà Nội, match: {keywords: [ha noi]}}\n"
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := serveChild(t, "serve", cfgPath, addr, tc.flags...)
		var body []byte
		for range 3 {
			resp, b := get(t, "http://"+addr+"/topics/ha-noi.rss")
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d", tc.name, resp.StatusCode)
			}
			body = b
		}
		_, metrics := get(t, "http://"+addr+"/metrics")
		fast := regexp.MustCompile(`(?m)^bantin_http_fast_responses_total [1-9]`).Match(metrics)
		if fast != tc.fast || !regexp.MustCompile(`(?m)^bantin_http_fast_responses_total `).Match(metrics) {
			t.Errorf("%s: fast path used %v, want %v:\n%s", tc.name, fast, tc.fast, grepLines(string(metrics), "bantin_http_"))
		}
		if first == nil {
			first = body
		} else if string(body) != string(first) {
			t.Errorf("%s: feed differs from the default's:\n%s\n---\n%s", tc.name, body, first)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
}

// twoFeeds serves /a.rss (an item about Hà Nội) and /b.rss (one tagged
// Kinh tế), for the reload tests.
func twoFeeds() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/a.rss", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<rss version="2.0"><channel><title>A</title><item><title>Tin Hà Nội</title><link>https://a.example/1</link><guid>a1</guid></item></channel></rss>`)
	})
	mux.HandleFunc("/b.rss", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<rss version="2.0"><channel><title>B</title><item><title>Giá vàng hôm nay</title><link>https://b.example/1</link><guid>b1</guid><category>Kinh tế</category></item></channel></rss>`)
	})
	return mux
}

// configWriter returns the path of a config in a new directory and a
// function that writes it: a daemon on addr, its database beside it, and
// body after the defaults (more defaults lines first).
func configWriter(t *testing.T, addr, defaults string) (string, func(body string)) {
	cfgPath := filepath.Join(t.TempDir(), "bantin.yaml")
	head := fmt.Sprintf("base_url: http://%s\ndatabase: d.db\ndefaults:\n  retention: 3650d\n%s", addr, defaults)
	return cfgPath, func(body string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(head+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
