package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPollPrintsRecoveryNotes: a response bantin had to repair (a plain
// body labelled gzip) is ingested, and `bantin poll` says what was wrong
// with it on the source's line.
func TestPollPrintsRecoveryNotes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Lỗi nén</title>
<item><title>Tin một</title><link>https://x.example.vn/1</link></item></channel></rss>`)
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "bantin.yaml")
	yaml := fmt.Sprintf("database: b.db\nsources:\n  - {id: lie, url: '%s/feed', allow_private: true}\ntopics:\n  - {slug: all, title: All, match: {sources: [lie]}}\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "poll", "-config", cfg)
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "lie ") {
			line = l
		}
	}
	if !strings.Contains(line, "new 1") || !strings.Contains(line, "note: ") || !strings.Contains(strings.ToLower(line), "gzip") {
		t.Errorf("poll line for the source = %q, want 1 new item and a note about the gzip label\n%s", line, out)
	}
}
