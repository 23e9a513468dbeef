package publisher

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestHealthzDatabaseGone: once the database file is deleted under the
// server, /healthz answers 503 with the reason (the file, "deleted"),
// though the open file still answers reads.
func TestHealthzDatabaseGone(t *testing.T) {
	e := newEnv(t)
	if r := e.do("GET", "/healthz", nil); r.status != http.StatusOK {
		t.Fatalf("healthz before: %d", r.status)
	}
	var seq int
	var name, path string
	if err := e.db.SQL().QueryRow("PRAGMA database_list").Scan(&seq, &name, &path); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/healthz", nil)
	if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), path+" was deleted") {
		t.Errorf("healthz after the database was deleted: %d %q, want 503 naming %s", r.status, r.body, path)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
}
