package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"bantin/internal/testenv"
)

// storyItem is one upstream RSS item of the story fixtures.
type storyItem struct {
	guid, link, title string
	age               time.Duration // before now
}

// storyFeed renders an RSS feed of items dated relative to now.
func storyFeed(title string, now time.Time, items ...storyItem) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>%s</title><link>https://%s.example/</link>`, title, strings.ToLower(title))
	for _, it := range items {
		fmt.Fprintf(&b, `<item><title>%s</title><link>%s</link><guid isPermaLink="false">%s</guid><pubDate>%s</pubDate><description>%s</description></item>`,
			it.title, strings.ReplaceAll(it.link, "&", "&amp;"), it.guid, now.Add(-it.age).Format(time.RFC1123Z), it.title)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// storyItems are the items of sources a and b of the audit's dedupe case
// (one canonical link reported by both, one near-identical title), plus
// items for the caps: a2 and b3 share the guid "shared"; a3 is 400 days
// old.
var storyItems = map[string][]storyItem{
	"a": {
		{"a1", "https://news.example/story-1?utm_source=rss", "Hà Nội mở rộng đường Vành đai 4", 4 * time.Hour},
		{"shared", "https://a.example/2", "Hà Nội đón mùa thu", 5 * time.Hour},
		{"a3", "https://a.example/3", "Hà Nội ngày xưa", 400 * 24 * time.Hour},
	},
	"b": {
		{"b1", "https://news.example/story-1", "Ha Noi ring road 4 widened", 3 * time.Hour},
		{"b2", "https://b.example/y2", "Hà Nội: mở rộng đường Vành đai 4!", 2 * time.Hour},
		{"shared", "https://b.example/3", "Hà Nội tắc đường", 6 * time.Hour},
	},
}

// storyUpstream serves storyItems as /a.rss and /b.rss, with extra items
// added to source a, dated relative to now.
func storyUpstream(t *testing.T, extraA ...storyItem) *testenv.Upstream {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	up := testenv.NewUpstream(t)
	up.Set("/a.rss", storyFeed("A", now, append(slices.Clone(storyItems["a"]), extraA...)...), "application/rss+xml")
	up.Set("/b.rss", storyFeed("B", now, storyItems["b"]...), "application/rss+xml")
	return up
}

// storyConfig is the config of the story fixtures; topics is YAML for the
// topics: list.
func storyConfig(t *testing.T, dir, upstreamURL, topics string) string {
	t.Helper()
	path := filepath.Join(dir, "bantin.yaml")
	cfg := fmt.Sprintf(`base_url: http://bantin.test
database: s.db
defaults: {retention: 3650d}
sources:
  - {id: a, url: '%s/a.rss', title: Báo A}
  - {id: b, url: '%s/b.rss', title: Báo B}
topics:
%s`, upstreamURL, upstreamURL, topics)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// previewEntries returns the entries of `bantin preview` output: each
// entry's title, with " +N" when N other reports are folded into it.
func previewEntries(out string) []string {
	var got []string
	for _, block := range strings.Split(out, "\n\n")[1:] {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		title := regexp.MustCompile(`^\s*\d+\. `).ReplaceAllString(lines[0], "")
		for _, l := range lines {
			if s, ok := strings.CutPrefix(strings.TrimSpace(l), "also reported by: "); ok {
				title += fmt.Sprintf(" +%d", len(strings.Split(s, ", ")))
			}
		}
		got = append(got, title)
	}
	return got
}

// entryIDs returns the "id:" lines of `bantin preview` output by title.
func entryIDs(out string) map[string]string {
	ids := map[string]string{}
	for _, block := range strings.Split(out, "\n\n")[1:] {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		title := regexp.MustCompile(`^\s*\d+\. `).ReplaceAllString(lines[0], "")
		for _, l := range lines {
			if s, ok := strings.CutPrefix(strings.TrimSpace(l), "id: "); ok {
				ids[title] = s
			}
		}
	}
	return ids
}

// TestPreviewFoldsOneLinkOnce is the audit's dedupe case: a1 and b1 share
// a canonical link, a1 and b2 a folded title; preview shows one entry,
// led by the earliest report (a1), naming the other two.
func TestPreviewFoldsOneLinkOnce(t *testing.T) {
	srv := storyUpstream(t)
	cfg := storyConfig(t, t.TempDir(), srv.URL, "  - {slug: hn, title: HN, match: {keywords: [ha noi]}}\n")
	mustRun(t, "poll", "-config", cfg)
	out := mustRun(t, "preview", "hn", "-config", cfg)
	want := []string{"Hà Nội mở rộng đường Vành đai 4 +2", "Hà Nội đón mùa thu", "Hà Nội tắc đường", "Hà Nội ngày xưa"}
	if got := previewEntries(out); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("preview entries = %q, want %q\n%s", got, want, out)
	}
	if !strings.Contains(out, "also reported by: Báo B, Báo B") {
		t.Errorf("preview does not name both reports of source b:\n%s", out)
	}
	if got := publishedTitles(t, cfg, "hn"); strings.Join(got, "|") != "Hà Nội mở rộng đường Vành đai 4|Hà Nội đón mùa thu|Hà Nội tắc đường|Hà Nội ngày xưa" {
		t.Errorf("served topic = %q, want the preview's entries", got)
	}
}

// TestExplainSaysWhetherPublished asks explain about items that the rules
// match but that are not entries of the published feed, and about items
// named by their published entry id or upstream guid.
func TestExplainSaysWhetherPublished(t *testing.T) {
	srv := storyUpstream(t)
	cfg := storyConfig(t, t.TempDir(), srv.URL, `  - {slug: hn, title: HN, match: {keywords: [ha noi]}}
  - {slug: cap, title: Cap, max_per_source: 1, dedupe: false, match: {keywords: [ha noi]}}
  - {slug: short, title: Short, limit: 1, dedupe: false, match: {keywords: [ha noi]}}
  - {slug: fresh, title: Fresh, max_age: 30d, match: {keywords: [ha noi]}}
  - {slug: gold, title: Gold, match: {keywords: [gia vang]}}
`)
	mustRun(t, "poll", "-config", cfg)
	ids := entryIDs(mustRun(t, "preview", "hn", "-config", cfg))
	a1ID := ids["Hà Nội mở rộng đường Vành đai 4"]
	if !strings.HasPrefix(a1ID, "tag:bantin.test,") {
		t.Fatalf("preview shows no entry id for a1: %q", ids)
	}
	cases := []struct {
		name, topic, item string
		want              []string // lines (or parts) the output must have
	}{
		{"own entry", "hn", "https://news.example/story-1?utm_source=rss", []string{"topic hn: MATCH", "published: yes, entry 1 of 4"}},
		{"folded by link", "hn", "https://news.example/story-1", []string{"topic hn: MATCH",
			`published: not as an entry of its own: folded into entry 1 (` + a1ID + `, https://news.example/story-1?utm_source=rss, source a) as "also reported by"`}},
		{"folded by title", "hn", "https://b.example/y2", []string{"folded into entry 1 (" + a1ID}},
		{"max_per_source", "cap", "https://b.example/3", []string{"topic cap: MATCH",
			"published: no: matched, but not published: max_per_source 1 (source b already has entry 1 (", "https://b.example/y2, source b))"}},
		{"limit", "short", "https://a.example/2", []string{"topic short: MATCH", "published: no: matched, but not published: the feed is full (limit 1, every entry newer)"}},
		// A topic's max_age is part of its rule: the item does not match.
		{"max_age", "fresh", "https://a.example/3", []string{"max_age 30d (topic): not matched (age 400d)", "published: no, the rules do not match"}},
		{"no match", "gold", "https://a.example/3", []string{"topic gold: NO MATCH", "published: no, the rules do not match"}},
		{"by entry id", "hn", a1ID, []string{": Hà Nội mở rộng đường Vành đai 4\n", "published: yes, entry 1 of 4"}},
		{"by unique guid", "hn", "b2", []string{"https://b.example/y2", "folded into entry 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := mustRun(t, "explain", c.topic, c.item, "-config", cfg)
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("explain %s %s lacks %q:\n%s", c.topic, c.item, w, out)
				}
			}
		})
	}

	// A guid used by two sources is ambiguous: the error lists both.
	code, _, errOut := runCLI(t, context.Background(), "explain", "hn", "shared", "-config", cfg)
	for _, w := range []string{"guid shared is ambiguous", "source a", "source b", "Hà Nội đón mùa thu", "Hà Nội tắc đường"} {
		if code == 0 || !strings.Contains(errOut, w) {
			t.Errorf("explain by an ambiguous guid: exit %d, stderr lacks %q:\n%s", code, w, errOut)
		}
	}
	// curate takes the entry id too.
	if out := mustRun(t, "curate", "hide", "short", a1ID, "-config", cfg); !regexp.MustCompile(`^hidden in short: \d+ Hà Nội mở rộng đường Vành đai 4\n  and \d+ Ha Noi ring road 4 widened \(same link, source b\)\n$`).MatchString(out) {
		t.Errorf("curate hide by entry id: %s", out)
	}
}

// TestCurateCoversEveryItemOfALink: `curate hide LINK` hides every item
// with that canonical link, as `hide: [LINK]` in the YAML does; curate
// list shows each covered item, YAML entries with their own FILE:LINE.
func TestCurateCoversEveryItemOfALink(t *testing.T) {
	srv := storyUpstream(t)
	cfg := storyConfig(t, t.TempDir(), srv.URL, `  - slug: cli
    title: CLI
    dedupe: false
    match: {keywords: [ha noi]}
  - slug: yaml
    title: YAML
    dedupe: false
    match: {keywords: [ha noi]}
    hide:
      - https://a.example/2
      - https://news.example/story-1
    pin:
      - https://b.example/3
`)
	mustRun(t, "poll", "-config", cfg)
	out := mustRun(t, "curate", "hide", "cli", "https://news.example/story-1", "-config", cfg)
	if !strings.Contains(out, "hidden in cli: ") || !strings.Contains(out, "  and ") {
		t.Errorf("curate hide of a shared link names one item only:\n%s", out)
	}
	for _, topic := range []string{"cli", "yaml"} {
		got := strings.Join(publishedTitles(t, cfg, topic), "|")
		for _, hidden := range []string{"Hà Nội mở rộng đường Vành đai 4", "Ha Noi ring road 4 widened"} {
			if strings.Contains(got, hidden) {
				t.Errorf("topic %s publishes %q, hidden by its link: %s", topic, hidden, got)
			}
		}
	}
	list := mustRun(t, "curate", "list", "-config", cfg)
	hideRows := regexp.MustCompile(`(?m)^(cli|yaml)\s+hide\s+(\d+)\s+(.*?)\s{2,}(.*)$`).FindAllStringSubmatch(list, -1)
	got := map[string][]string{}
	for _, r := range hideRows {
		got[r[1]] = append(got[r[1]], r[4])
	}
	if n := len(got["cli"]); n != 2 {
		t.Errorf("curate list shows %d hidden items of cli, want 2 (a1, b1):\n%s", n, list)
	}
	if n := len(got["yaml"]); n != 3 {
		t.Errorf("curate list shows %d hidden items of yaml, want 3 (a2; a1, b1):\n%s", n, list)
	}
	for _, w := range []string{"config " + cfg + ":17", "config " + cfg + ":18", "config " + cfg + ":20"} {
		if !strings.Contains(list, w) {
			t.Errorf("curate list lacks %q (the pin:/hide: entry's own line):\n%s", w, list)
		}
	}
	// An item stored later with the same link is hidden too, and says so.
	later := storyUpstream(t, storyItem{"a4", "https://news.example/story-1#comments", "Hà Nội: đường Vành đai 4 thêm làn", time.Hour})
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), srv.URL+"/a.rss", later.URL+"/a.rss", 1)), 0o644)
	if out := mustRun(t, "poll", "-config", cfg); !strings.Contains(out, "1 new items") {
		t.Fatalf("poll of the later item:\n%s", out)
	}
	if got := strings.Join(publishedTitles(t, cfg, "cli"), "|"); strings.Contains(got, "thêm làn") {
		t.Errorf("an item stored after `curate hide LINK` with that link is published: %s", got)
	}
	if list := mustRun(t, "curate", "list", "cli", "-config", cfg); !regexp.MustCompile(`cli\s+hide\s+\d+\s+bantin curate \(same link as \d+\)\s+Hà Nội: đường Vành đai 4 thêm làn`).MatchString(list) {
		t.Errorf("curate list does not show the later item as covered:\n%s", list)
	}
	if out := mustRun(t, "explain", "cli", "a4", "-config", cfg); !strings.Contains(out, ", same link, ") || !strings.Contains(out, "published: no, hidden") {
		t.Errorf("explain of the later item:\n%s", out)
	}

	// Unhiding through the other item of the link unhides both.
	mustRun(t, "curate", "unhide", "cli", "https://news.example/story-1?utm_source=rss", "-config", cfg)
	if got := strings.Join(publishedTitles(t, cfg, "cli"), "|"); !strings.Contains(got, "Ha Noi ring road 4 widened") || !strings.Contains(got, "Hà Nội mở rộng đường Vành đai 4") {
		t.Errorf("after unhide: %s", got)
	}
	// A pin covers the link's items the same way.
	mustRun(t, "curate", "pin", "cli", "https://news.example/story-1", "-config", cfg)
	out = mustRun(t, "preview", "cli", "-config", cfg)
	if n := strings.Count(out, "why: pinned"); n != 3 || !strings.HasPrefix(strings.Join(previewEntries(out), "|"), "Hà Nội: đường Vành đai 4 thêm làn|Ha Noi ring road 4 widened|Hà Nội mở rộng đường Vành đai 4|") {
		t.Errorf("pin of a shared link: %d pinned entries, want its 3 reports leading:\n%s", n, out)
	}
}

// TestServeAndPreviewFollowConfigChanges changes a topic's rule, adds a
// topic and a source tag, and checks that preview shows the new config at
// once (without writing the database) and that `bantin serve` publishes
// it from start and after SIGHUP.
func TestServeAndPreviewFollowConfigChanges(t *testing.T) {
	srv := storyUpstream(t)
	dir := t.TempDir()
	write := func(rule, tags string) string {
		cfg := storyConfig(t, dir, srv.URL, fmt.Sprintf(`  - {slug: hn, title: HN, match: {keywords: [%s]}}
  - {slug: tagged, title: Tagged, match: {tags: [Hà Nội]}}
`, rule))
		if tags == "" {
			return cfg
		}
		b, _ := os.ReadFile(cfg)
		b = []byte(strings.Replace(string(b), "title: Báo A}", "title: Báo A, tags: ["+tags+"]}", 1))
		if err := os.WriteFile(cfg, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := write("ha noi", "")
	mustRun(t, "poll", "-config", cfg)
	if n := len(previewEntries(mustRun(t, "preview", "hn", "-config", cfg))); n != 4 {
		t.Fatalf("preview hn before the change: %d entries, want 4", n)
	}

	// The rule no longer matches and source a gains a tag.
	write("zzzz", `"Hà Nội"`)
	cases := []struct {
		topic string
		want  int
	}{{"hn", 0}, {"tagged", 3}}
	for _, c := range cases {
		out := mustRun(t, "preview", c.topic, "-config", cfg)
		if n := len(previewEntries(out)); n != c.want || !strings.Contains(out, "membership computed for this config") {
			t.Errorf("preview %s after the change: %d entries, want %d (computed for this config):\n%s", c.topic, n, c.want, out)
		}
	}
	if out := mustRun(t, "explain", "hn", "https://a.example/2", "-config", cfg); !strings.Contains(out, "topic hn: NO MATCH") || !strings.Contains(out, "published: no, the rules do not match") {
		t.Errorf("explain after the change:\n%s", out)
	}
	// preview wrote nothing: a daemon still sees that it must recompute.
	if got := publishedTitles(t, cfg, "hn"); len(got) != 4 {
		t.Errorf("preview changed the stored membership: hn serves %d items without a recompute, want the old 4", len(got))
	}

	addr := freeAddr(t)
	cmd := serveChild(t, "serve", cfg, addr)
	base := "http://" + addr
	count := func(path string) int { return feedCount(base, path) }
	type want struct {
		path string
		n    int // -404: not found
	}
	expect := func(stage string, wants ...want) {
		t.Helper()
		for _, w := range wants {
			testenv.WaitFor(t, fmt.Sprintf("%s: %s serves %d", stage, w.path, w.n), 10*time.Second, func() bool { return count(w.path) == w.n })
		}
	}
	expect("serve start", want{"/topics/hn.json", 0}, want{"/topics/tagged.json", 3}, want{"/tags/ha-noi.json", 3})

	write("ha noi", "")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	expect("SIGHUP back", want{"/topics/hn.json", 4}, want{"/topics/tagged.json", 0}, want{"/tags/ha-noi.json", -404})

	// poll after another tag change (every source answers 304) stores it too.
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	write("ha noi", `"Hà Nội", "Thời sự"`)
	out := mustRun(t, "poll", "-all", "-config", cfg)
	if !strings.Contains(out, "0 new items, 0 updated") {
		t.Errorf("re-poll: want nothing new:\n%s", out)
	}
	if got := publishedTitles(t, cfg, "tagged"); len(got) != 3 {
		t.Errorf("after a re-poll with source tags: tagged serves %q, want a's 3 items", got)
	}
}
