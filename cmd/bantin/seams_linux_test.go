//go:build linux

package main

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readOnlyFile makes path unwritable for this process (chmod 0444; for
// root, which ignores modes, the immutable attribute), or skips the test.
func readOnlyFile(t *testing.T, path string) {
	t.Helper()
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(path, 0o644) })
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
			t.Skipf("running as root and chattr +i failed (%v: %s): cannot make the database unwritable", err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
	}
	if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		f.Close()
		t.Skip("the database file stays writable")
	}
}

// TestPollUnwritableDatabaseExitsNonZero: a one-shot `bantin poll` whose
// database cannot be written (a read-only file) fetched everything and
// stored nothing: it says so and exits 1 (cron and scripts notice), where
// sources that merely failed leave the exit code 0.
func TestPollUnwritableDatabaseExitsNonZero(t *testing.T) {
	ctx := context.Background()
	up := &growingUpstream{}
	srv := httptest.NewServer(up)
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := fastConfig(t, dir, srv.URL, 3)
	if code, out, errs := runCLI(t, ctx, "poll", "-config", cfgPath); code != 0 {
		t.Fatalf("first poll: exit %d\n%s%s", code, out, errs)
	}
	dbPath := filepath.Join(dir, "data", "bantin.db")
	readOnlyFile(t, dbPath)
	code, out, errs := runCLI(t, ctx, "poll", "-all", "-config", cfgPath)
	if code != 1 || !strings.Contains(errs, "the database could not be written, so what this poll fetched was not stored") || !strings.Contains(errs, dbPath) {
		t.Errorf("poll with a read-only database: exit %d, stderr %q; want 1 saying nothing was stored in %s\nstdout:\n%s", code, errs, dbPath, out)
	}
	if strings.Count(out, "error: ") != 3 {
		t.Errorf("poll lines: want each source's store error:\n%s", out)
	}
}
