//go:build unix

package db

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fsizeChildEnv marks the child process that runs under RLIMIT_FSIZE.
const fsizeChildEnv = "BANTIN_TEST_FSIZE_CHILD"

// TestFailedWritesMakeHealthFailUntilOneSucceeds makes every file write of
// this process fail (RLIMIT_FSIZE 1 byte, what a full disk does to
// SQLite's appends), then gives the space back: Health reports the
// failure with its cause, a refused item (a data error) does not count,
// and Probe brings Health back by itself.
//
// The limit holds for the whole process, so the test runs in a child
// process of its own: in the parent, whatever else writes a file in that
// moment (go test's own log of the files a test opens, which made the
// package fail with "file too large") would fail too.
func TestFailedWritesMakeHealthFailUntilOneSucceeds(t *testing.T) {
	sqliteOnly(t) // the SQLite file and its storage
	if os.Getenv(fsizeChildEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFailedWritesMakeHealthFailUntilOneSucceeds$", "-test.count=1", "-test.v")
		// The child's PostgreSQL round (TestMain) skips the test.
		cmd.Env = append(os.Environ(), fsizeChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestFailedWritesMakeHealthFailUntilOneSucceeds") {
			t.Fatalf("child process: %v\n%s", err, out)
		}
		return
	}
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	mustSave(t, d, "s", mkItem("s", "a", 1, nil))

	// A data error is not a storage failure.
	if _, err := d.SaveFetch(ctx, Source{ID: "s"}, []Item{{SourceID: "s"}}); err == nil {
		t.Fatal("SaveFetch of an item without GUID succeeded")
	}
	if err := d.Health(); err != nil {
		t.Fatalf("Health after a refused item: %v", err)
	}

	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	lim := old
	lim.Cur = 1
	if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &lim); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	restored := false
	restore := func() {
		if !restored {
			restored = true
			if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer restore()
	_, werr := d.SaveFetch(ctx, Source{ID: "s"}, []Item{mkItem("s", "b", 2, nil)})
	herr := d.Health()
	perr := d.Probe(ctx)
	restore()
	if werr == nil {
		t.Fatal("SaveFetch succeeded with no room to write")
	}
	if herr == nil || perr == nil {
		t.Fatalf("Health = %v, Probe = %v after a failed write; want errors", herr, perr)
	}
	if errors.Is(herr, ErrGone) || !strings.Contains(herr.Error(), "writes to") || !strings.Contains(herr.Error(), "failed") {
		t.Errorf("Health = %q, want the write failure and its cause", herr)
	}
	t.Logf("health while failing: %v", herr)
	if err := d.Probe(ctx); err != nil {
		t.Fatalf("Probe once writes can succeed: %v", err)
	}
	if err := d.Health(); err != nil {
		t.Fatalf("Health after a successful probe: %v", err)
	}
	if res := mustSave(t, d, "s", mkItem("s", "b", 2, nil)); res.New != 1 {
		t.Errorf("SaveFetch after recovery: New = %d, want 1", res.New)
	}
}
