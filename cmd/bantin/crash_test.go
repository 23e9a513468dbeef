package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bantin/bench"
	"bantin/db"
	"bantin/db/pgtest"
	"bantin/internal/testenv"
)

// TestKillDuringIngestLosesNothing kills `bantin poll` with SIGKILL in the
// middle of an ingest, then checks the database: not corrupt, no
// duplicates, every item the process reported stored is there, and a new
// poll completes the ingest.
func TestKillDuringIngestLosesNothing(t *testing.T) {
	testenv.SkipShort(t, "kills a polling process mid-ingest (about 6 s)")
	t.Run("sqlite", func(t *testing.T) { killDuringIngest(t, "") })
	t.Run("postgres", func(t *testing.T) { killDuringIngest(t, pgtest.URL(t)) })
}

// killDuringIngest is the test on SQLite (pgURL "") or on PostgreSQL.
func killDuringIngest(t *testing.T, pgURL string) {
	if pgURL != "" {
		t.Setenv(db.EnvDatabase, pgURL)
	}
	const feeds, items = 120, 40
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d.xml", &i); err != nil {
			http.NotFound(w, r)
			return
		}
		time.Sleep(3 * time.Millisecond)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(bench.Feed(i, items))
	}))
	defer srv.Close()

	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "database: crash.db\ndefaults:\n  retention: 3650d\n  workers: 4\n  per_host: 4\nsources:\n")
	for i := range feeds {
		fmt.Fprintf(&b, "  - {id: s%03d, url: '%s/feed/%d.xml'}\n", i, srv.URL, i)
	}
	cfgPath := filepath.Join(dir, "bantin.yaml")
	if err := os.WriteFile(cfgPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	const lease = 2 * time.Second
	cmd := childCommand(context.Background(), "poll", "-config", cfgPath, "-lease", lease.String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^(s\d{3})\s+200\s+new (\d+)`)
	reported := map[string]int{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			n, _ := strconv.Atoi(m[2])
			reported[m[1]] = n
		}
		if len(reported) == feeds/3 {
			cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	cmd.Wait()
	if len(reported) < feeds/3 {
		t.Fatalf("the poll ended before it could be killed (%d sources reported)", len(reported))
	}

	ctx := context.Background()
	path := filepath.Join(dir, "crash.db")
	var raw *sql.DB
	if pgURL != "" {
		path = pgURL
		pg, err := db.Open(ctx, pgURL)
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		raw = pg.SQL()
	} else {
		raw, err = sql.Open("sqlite", db.DSN(path))
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var check string
		if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Fatalf("integrity_check after SIGKILL: %q %v", check, err)
		}
	}
	var dups int
	raw.QueryRow("SELECT count(*) FROM (SELECT source_id, guid FROM items GROUP BY 1, 2 HAVING count(*) > 1)").Scan(&dups)
	if dups != 0 {
		t.Errorf("%d duplicate item identities after SIGKILL", dups)
	}
	counts := map[string]int{}
	rows, err := raw.Query("SELECT source_id, count(*) FROM items GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var n int
		rows.Scan(&id, &n)
		counts[id] = n
	}
	rows.Close()
	for id, n := range reported {
		if counts[id] != n {
			t.Errorf("%s: reported %d items stored, database has %d", id, n, counts[id])
		}
	}
	// Every source is whole or absent: no half-written feed.
	for id, n := range counts {
		if n != items {
			t.Errorf("%s: %d items in the database, want all %d or none", id, n, items)
		}
	}

	// A new poll finishes the job without duplicating anything (on
	// PostgreSQL, once the killed poll's leases have ended).
	if pgURL != "" {
		time.Sleep(lease)
	}
	code, stdout, stderr := runCLI(t, ctx, "poll", "-config", cfgPath)
	if code != 0 {
		t.Fatalf("poll after crash: exit %d\n%s\n%s", code, stdout, stderr)
	}
	store, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if n, err := store.ItemCount(ctx); err != nil || n != feeds*items {
		t.Errorf("after the second poll: %d items (%v), want %d", n, err, feeds*items)
	}
}
