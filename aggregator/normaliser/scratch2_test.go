package normaliser

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestScratchSanitize(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/corpus/feedparser/wellformed/sanitize/*")
	badRe := regexp.MustCompile(`(?i)<script|<style|expression\s*\(|\son[a-z]+\s*=|javascript:|vbscript:|<iframe|<object|<embed|<form|<meta|http-equiv|<applet|<link|<base|<input|<textarea|data:[^i]`)
	n, fails, noitems := 0, 0, 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		p, err := Parse(b, "", "http://example.com/")
		n++
		if err != nil {
			t.Logf("ERR %s %v", filepath.Base(f), err)
			continue
		}
		items := Normalise(p, Options{Now: time.Now()})
		if len(items) == 0 && (strings.Contains(string(b), "<item") || strings.Contains(string(b), "<entry")) {
			noitems++
			t.Logf("noitems %s", filepath.Base(f))
		}
		for _, it := range items {
			for name, s := range map[string]string{"title": it.Title, "summary": it.Summary, "content": it.Content} {
				if m := badRe.FindString(s); m != "" {
					fails++
					t.Logf("%s %s: %q in %.200q", filepath.Base(f), name, m, s)
				}
			}
			if strings.ContainsAny(it.Title, "<>") && regexp.MustCompile(`<[a-z]`).MatchString(it.Title) {
				t.Logf("markup in title %s: %q", filepath.Base(f), it.Title)
			}
		}
	}
	t.Logf("files %d fails %d noitems %d", n, fails, noitems)
}
