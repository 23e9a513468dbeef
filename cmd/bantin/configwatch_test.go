package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bantin/internal/testenv"
)

// TestConfigWatchSeesSettledNewContent: a change is reported once, after
// the file has stayed the same for one look; a touch, or content SIGHUP
// already loaded, is no change; a missing file is none either.
func TestConfigWatchSeesSettledNewContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bantin.yaml")
	write := func(s string, mod time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	write("sources: []\n", t0)
	w := watchConfig(path)
	looks := func(want ...bool) {
		t.Helper()
		for i, v := range want {
			if got := w.changed(); got != v {
				t.Fatalf("look %d: changed = %v, want %v", i+1, got, v)
			}
		}
	}
	looks(false, false)
	write("sources: [a]\n", t0.Add(time.Second))
	looks(false, true, false) // settles, then reported once
	write("sources: [a]\n", t0.Add(2*time.Second))
	looks(false, false, false) // touched: same content
	write("sources: [b]\n", t0.Add(3*time.Second))
	w.loaded() // SIGHUP reloaded it
	looks(false, false)
	write("sources: [c]\n", t0.Add(4*time.Second))
	looks(false) // moving
	write("sources: [cd]\n", t0.Add(5*time.Second))
	looks(false, true) // still being written at the first look: read once settled
	os.Remove(path)
	looks(false, false)
}

// TestDaemonReloadsWhenTheConfigFileChanges: an editor saves the YAML and
// `bantin run` takes it up without SIGHUP (a new source and topic are
// served); a broken save is refused once and the running config stays;
// with -watch-config=false only SIGHUP reloads.
func TestDaemonReloadsWhenTheConfigFileChanges(t *testing.T) {
	srv := httptest.NewServer(twoFeeds())
	defer srv.Close()
	one := fmt.Sprintf("sources:\n  - {id: a, url: '%s/a.rss'}\ntopics:\n  - {slug: ha-noi, title: Hà Nội, match: {keywords: [ha noi]}}\n", srv.URL)
	two := fmt.Sprintf("sources:\n  - {id: a, url: '%s/a.rss'}\n  - {id: b, url: '%s/b.rss'}\ntopics:\n  - {slug: ha-noi, title: Hà Nội, match: {keywords: [ha noi]}}\n  - {slug: kinh-te, title: Kinh tế, match: {tags: [kinh-te]}}\n", srv.URL, srv.URL)

	start := func(extra ...string) (*child, func(string)) {
		addr := freeAddr(t)
		cfgPath, write := configWriter(t, addr, "")
		write(one)
		c := serveChild(t, "run", cfgPath, addr, extra...)
		testenv.WaitFor(t, "source a polled at start", 10*time.Second, func() bool { return feedCount(c.base, "/topics/ha-noi.json") == 1 })
		return c, write
	}

	c, write := start()
	write(two)
	testenv.WaitFor(t, "the new source and topic, without SIGHUP", 15*time.Second, func() bool {
		return feedCount(c.base, "/topics/kinh-te.json") == 1
	})
	if n := c.log.count(`msg="config file changed; reloading"`); n != 1 {
		t.Errorf("%d reloads logged for one save, want 1:\n%s", n, c.log.String())
	}
	write("sources: [ {id: a, url: 'ftp://nope'} ]\n")
	testenv.WaitFor(t, "the broken save refused", 15*time.Second, func() bool {
		return c.log.count(`msg="reload failed; keeping the running config"`) == 1
	})
	time.Sleep(2*configWatchInterval + 500*time.Millisecond)
	if n := c.log.count(`msg="reload failed; keeping the running config"`); n != 1 {
		t.Errorf("the broken file was reloaded %d times, want once", n)
	}
	if n := feedCount(c.base, "/topics/kinh-te.json"); n != 1 {
		t.Errorf("after a broken save the running config was lost (kinh-te: %d)", n)
	}
	c.stop(t)

	c, write = start("-watch-config=false")
	write(two)
	time.Sleep(2*configWatchInterval + 500*time.Millisecond)
	if n := feedCount(c.base, "/topics/kinh-te.json"); n >= 0 {
		t.Errorf("-watch-config=false: the saved config was loaded without SIGHUP (kinh-te: %d)", n)
	}
	c.stop(t)
}
