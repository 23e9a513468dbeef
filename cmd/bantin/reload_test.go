package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bantin/internal/fixture"
	"bantin/internal/testenv"
)

// reloadFeed is an RSS feed of one item titled title.
func reloadFeed(id, title, category string) []byte {
	return fmt.Appendf(nil, `<rss version="2.0"><channel><title>%s</title><item><title>%s</title><link>https://%s.example/1</link><guid>%s1</guid><category>%s</category></item></channel></rss>`,
		id, title, id, id, category)
}

// TestDaemonReload calls Daemon.Reload directly (what SIGHUP does) and
// checks what readers see: a source and a topic added by a reload are
// polled and published, a config that would remove every topic is refused
// with the counts and changes nothing served, a large removal the file
// asks for goes through, a new database path waits for a restart, and
// /healthz stays ok throughout.
func TestDaemonReload(t *testing.T) {
	up := testenv.NewUpstream(t)
	up.Set("/a.rss", reloadFeed("a", "Tin Hà Nội", "Thời sự"), "application/rss+xml")
	up.Set("/b.rss", reloadFeed("b", "Giá vàng hôm nay", "Kinh tế"), "application/rss+xml")
	dir := t.TempDir()
	head := "database: d.db\ndefaults: {retention: 3650d}\n"
	srcA := fmt.Sprintf("  - {id: a, url: '%s/a.rss'}\n", up.URL)
	srcB := fmt.Sprintf("  - {id: b, url: '%s/b.rss'}\n", up.URL)
	haNoi := "  - {slug: ha-noi, title: Hà Nội, match: {keywords: [ha noi]}}\n"
	kinhTe := "  - {slug: kinh-te, title: Kinh tế, match: {tags: [kinh-te]}}\n"

	d := runDaemon(t, fixture.ConfigIn(t, dir, head+"sources:\n"+srcA+"topics:\n"+haNoi), DaemonOptions{Polling: true})
	count := func(path string) int { return feedCount(d.base, path) }
	healthy := func(when string) {
		t.Helper()
		if code, body := health(d.base); code != 200 || !strings.HasPrefix(body, "ok") {
			t.Errorf("%s: /healthz %d %q, want 200 ok", when, code, body)
		}
	}
	testenv.WaitFor(t, "source a polled at start", 10*time.Second, func() bool { return count("/topics/ha-noi.json") == 1 })
	if n := count("/topics/kinh-te.json"); n != -404 {
		t.Fatalf("topic kinh-te before the reload: %d, want 404", n)
	}
	healthy("at start")

	// A source and a topic added.
	if err := d.Reload(context.Background(), fixture.ConfigIn(t, dir, head+"sources:\n"+srcA+srcB+"topics:\n"+haNoi+kinhTe)); err != nil {
		t.Fatalf("reload adding a source and a topic: %v", err)
	}
	testenv.WaitFor(t, "source b polled and topic kinh-te published", 10*time.Second, func() bool { return count("/topics/kinh-te.json") == 1 })
	if n := count("/tags/kinh-te.json"); n != 1 {
		t.Errorf("tag feed kinh-te after the reload: %d items, want 1", n)
	}
	healthy("after a reload")

	// A file cut after its sources (valid YAML, no topics): refused, with
	// the counts, and every feed stays.
	err := d.Reload(context.Background(), fixture.ConfigIn(t, dir, head+"sources:\n"+srcA+srcB))
	var refused *ReloadRefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("reload removing every topic: %v, want a refusal", err)
	}
	if r := refused.Removal; r.Topics.Before != 2 || r.Topics.After != 0 || !strings.Contains(err.Error(), "allow_large_removal") {
		t.Errorf("refusal %+v: %v", r.Topics, err)
	}
	if !strings.Contains(d.log.String(), "removes 2 of 2 topics") {
		t.Errorf("refusal not logged with its counts:\n%s", d.log.String())
	}
	for _, p := range []string{"/topics/ha-noi.json", "/topics/kinh-te.json"} {
		if n := count(p); n != 1 {
			t.Errorf("after a refused reload %s has %d items, want 1 (running config kept)", p, n)
		}
	}
	if got := len(d.Config().Topics); got != 2 {
		t.Errorf("running config has %d topics after a refused reload, want 2", got)
	}
	healthy("after a refused reload")

	// The same removal said to be meant, with another database path:
	// accepted; the database stays the one open until a restart.
	next := fixture.ConfigIn(t, dir, "allow_large_removal: true\n"+strings.Replace(head, "d.db", "other.db", 1)+"sources:\n"+srcA+srcB+"topics:\n"+kinhTe)
	if err := d.Reload(context.Background(), next); err != nil {
		t.Fatalf("a large removal with allow_large_removal: %v", err)
	}
	testenv.WaitFor(t, "topic ha-noi gone", 10*time.Second, func() bool { return count("/topics/ha-noi.json") == -404 })
	if n := count("/topics/kinh-te.json"); n != 1 {
		t.Errorf("kinh-te after the large removal: %d, want 1", n)
	}
	if got, want := d.Config().Database, filepath.Join(dir, "d.db"); got != want {
		t.Errorf("database after a reload naming another: %s, want %s until a restart", got, want)
	}
	healthy("after a large removal")

	// Stopped and closed, the daemon leaves the database (and its lock)
	// to the next one.
	if err := d.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	d2 := runDaemon(t, fixture.ConfigIn(t, dir, head+"sources:\n"+srcA+srcB+"topics:\n"+kinhTe), DaemonOptions{Polling: true})
	if n := feedCount(d2.base, "/topics/kinh-te.json"); n != 1 {
		t.Errorf("kinh-te on the next daemon: %d, want 1", n)
	}
}

// TestServeReload: a serving daemon (no polling) publishes a topic added
// by Reload from the items stored, and a reload of a config with errors
// (ReloadFile) keeps the running one.
func TestServeReload(t *testing.T) {
	up := testenv.NewUpstream(t)
	up.Set("/b.rss", reloadFeed("b", "Giá vàng hôm nay", "Kinh tế"), "application/rss+xml")
	dir := t.TempDir()
	head := fmt.Sprintf("database: d.db\ndefaults: {retention: 3650d}\nsources:\n  - {id: b, url: '%s/b.rss'}\ntopics:\n", up.URL)
	cfg := fixture.ConfigIn(t, dir, head+"  - {slug: ha-noi, match: {keywords: [ha noi]}}\n")
	if code, _, errOut := runCLI(t, context.Background(), "poll", "-config", cfg.Path); code != 0 {
		t.Fatalf("poll: exit %d\n%s", code, errOut)
	}
	d := runDaemon(t, cfg, DaemonOptions{})
	if n := feedCount(d.base, "/topics/gia-vang.json"); n != -404 {
		t.Fatalf("gia-vang before the reload: %d, want 404", n)
	}
	if err := d.Reload(context.Background(), fixture.ConfigIn(t, dir, head+"  - {slug: ha-noi, match: {keywords: [ha noi]}}\n  - {slug: gia-vang, match: {keywords: [gia vang]}}\n")); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "gia-vang published from stored items", 10*time.Second, func() bool { return feedCount(d.base, "/topics/gia-vang.json") == 1 })

	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("sources: [ {id: a, url: 'ftp://nope'} ]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.ReloadFile(context.Background(), broken); err == nil {
		t.Fatal("ReloadFile of a broken config: no error")
	}
	if n := feedCount(d.base, "/topics/gia-vang.json"); n != 1 {
		t.Errorf("after a broken reload gia-vang has %d items, want 1", n)
	}
	if !strings.Contains(d.log.String(), "reload failed; keeping the running config") {
		t.Errorf("broken reload not logged:\n%s", d.log.String())
	}
}
