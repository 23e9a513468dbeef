package normaliser

import (
	"os"
	"path/filepath"
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
