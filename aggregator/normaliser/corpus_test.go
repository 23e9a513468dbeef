package normaliser

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// corpusDir returns ../shared/corpus/<name> relative to the module root, or
// skips the test when it is absent.
func corpusDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(filepath.Dir(moduleRoot(t)), "shared", "corpus", name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus %s absent: %v", dir, err)
	}
	return dir
}

// TestCorpusVietnam parses every well-formed Vietnamese feed of the shared
// corpus: each yields items with NFC titles, valid links and UTC dates.
func TestCorpusVietnam(t *testing.T) {
	dir := corpusDir(t, "vietnam")
	files, err := filepath.Glob(filepath.Join(dir, "*.rss"))
	if err != nil || len(files) == 0 {
		t.Skipf("no .rss files in %s", dir)
	}
	xmls, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	files = append(files, xmls...)
	loc := MustLocation(t, "Asia/Ho_Chi_Minh")
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	total := 0
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(body, "application/rss+xml", "https://corpus.example/"+name)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			items := Normalise(p, Options{SourceID: "corpus", Location: loc, Now: now, Language: "vi", SourceTags: []string{"Kinh tế"}})
			if len(items) == 0 {
				t.Fatal("no items")
			}
			total += len(items)
			raw := map[string]bool{} // titles of upstream items that have a link and a date
			for _, it := range p.Feed.Items {
				if strings.TrimSpace(it.Link) != "" && strings.TrimSpace(it.Published) != "" {
					raw[plainText(it.Title)] = true
				}
			}
			for _, it := range items {
				checkItemText(t, it)
				if it.Title == "" || !norm.NFC.IsNormalString(it.Title) {
					t.Errorf("title %q empty or not NFC", it.Title)
				}
				if !raw[it.Title] {
					// Upstream junk such as "<item><title/><description>No
					// Description</description></item>": kept, but it has
					// no link or date to check.
					t.Logf("item without upstream link or date: %q", it.Title)
					continue
				}
				if strings.ContainsAny(it.Title, "<>") && strings.Contains(it.Title, "</") {
					t.Errorf("title holds markup: %q", it.Title)
				}
				if !strings.HasPrefix(it.Link, "http") {
					t.Errorf("link %q is not absolute", it.Link)
				}
				if it.Published.Location() != time.UTC || it.Published.Equal(now) {
					t.Errorf("Published %v: not UTC or not parsed", it.Published)
				}
				if it.GUID == "" || it.Hash == "" {
					t.Errorf("missing GUID or Hash: %+v", it)
				}
			}
		})
	}
	t.Logf("%d files, %d items", len(files), total)
}

// forbiddenHTML matches markup that must never survive sanitising.
var forbiddenHTML = regexp.MustCompile(`(?i)<script|<style|expression\s*\(|\son[a-z]+\s*=|javascript:|vbscript:|<iframe|<object|<embed|<form|<meta|http-equiv|<applet|<link|<base|<input|<textarea|data:[^i]`)

// TestCorpusFeedparserSanitize runs feedparser's sanitizer cases through
// Parse and Normalise: nothing dangerous survives in titles, summaries or
// content, and every file with entries yields items.
func TestCorpusFeedparserSanitize(t *testing.T) {
	dir := corpusDir(t, filepath.Join("feedparser", "wellformed", "sanitize"))
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases, failures := 0, 0
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cases++
		p, err := Parse(body, "", "http://example.com/feed")
		if err != nil {
			t.Errorf("%s: Parse: %v", filepath.Base(file), err)
			failures++
			continue
		}
		texts := map[string]string{"feed title": p.Feed.Title, "feed description": p.Feed.Description}
		items := Normalise(p, Options{Now: now})
		if len(items) == 0 && (bytes.Contains(body, []byte("<item")) || bytes.Contains(body, []byte("<entry"))) {
			t.Errorf("%s: no items", filepath.Base(file))
			failures++
		}
		for _, it := range items {
			texts["title"], texts["summary"], texts["content"] = it.Title, it.Summary, it.Content
			if strings.Contains(it.Title, "<") && tagRe.MatchString(it.Title) {
				t.Errorf("%s: markup in title %q", filepath.Base(file), it.Title)
				failures++
			}
		}
		for name, s := range texts {
			if m := forbiddenHTML.FindString(s); m != "" {
				t.Errorf("%s: %s holds %q: %q", filepath.Base(file), name, m, s)
				failures++
			}
		}
	}
	t.Logf("sanitizer cases: %d, failures: %d", cases, failures)
}

// notBozoExceptions are feedparser files that must parse cleanly but
// yield no items here, with the reason.
var notBozoExceptions = map[string]string{
	"cdf": "CDF (Microsoft Channel Definition Format) is not a feed format gofeed or bantin supports",
	"http_entry_contributor_url_base_content_location.xml": "Atom feed whose entries are <item> elements (invalid Atom)",
	"http_entry_contributor_url_base_docuri.xml":           "Atom feed whose entries are <item> elements (invalid Atom)",
	"unknown-namespace.xml":                                "Atom feed whose entries are <item> elements (invalid Atom)",
}

// TestCorpusFeedparserNotBozo parses every feedparser file expected to be
// well-formed ("not bozo"), with its simulated Content-Type header: it must
// parse, quickly, and yield items when it has entries.
func TestCorpusFeedparserNotBozo(t *testing.T) {
	dir := corpusDir(t, "feedparser")
	index, err := os.ReadFile(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		t.Skipf("no INDEX.tsv: %v", err)
	}
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	files, excepted, failures := 0, 0, 0
	for _, line := range strings.Split(string(index), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) < 4 || !strings.HasPrefix(f[3], "not bozo") {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, f[0]))
		if err != nil {
			continue
		}
		files++
		contentType := ""
		for _, h := range strings.Split(f[1], "|") {
			if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "content-type") {
				contentType = strings.TrimSpace(v)
			}
		}
		reason := notBozoExceptions[filepath.Base(f[0])]
		if strings.Contains(f[0], "/cdf/") || strings.Contains(f[0], "cdf_") {
			reason = notBozoExceptions["cdf"]
		}
		start := time.Now()
		p, err := Parse(body, contentType, "http://example.com/"+f[0])
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: Parse took %v", f[0], d)
		}
		hasEntries := bytes.Contains(body, []byte("<item")) || bytes.Contains(body, []byte("<entry"))
		var n int
		if err == nil {
			n = len(Normalise(p, Options{Now: now}))
		}
		switch {
		case (err != nil || hasEntries && n == 0) && reason != "":
			excepted++
		case err != nil:
			t.Errorf("%s: %v", f[0], err)
			failures++
		case hasEntries && n == 0:
			t.Errorf("%s: no items", f[0])
			failures++
		}
	}
	t.Logf("not-bozo files: %d, failures: %d, documented exceptions: %d", files, failures, excepted)
}
