package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeBig saves n items of about 16 KB each to source src, in fetches of
// 25, calling after (if set) after each fetch.
func writeBig(tb testing.TB, d *DB, src string, n int, after func()) {
	tb.Helper()
	body := "<p>" + strings.Repeat("Nội dung dài để ghi nhiều trang vào nhật ký. ", 320) + "</p>"
	for start := 0; start < n; start += 25 {
		var items []Item
		for i := start; i < min(start+25, n); i++ {
			it := mkItem(src, fmt.Sprint("big-", i), i, []string{"x"}, "t")
			it.Content = fmt.Sprint(i) + body
			items = append(items, it)
		}
		mustSave(tb, d, src, items...)
		if after != nil {
			after()
		}
	}
}

// TestCheckpointWhileWriting: the write-ahead log is copied into the
// database while the writer goes on (not only at Close), and stays small:
// 64 MiB of items written back to back never leave more than 3 x 16 MiB
// in the -wal file, and every item is there afterwards.
func TestCheckpointWhileWriting(t *testing.T) {
	sqliteOnly(t)
	d, path := mustOpen(t)
	mustSync(t, d, "s")
	const n = 4000 // x 16 KB
	var walMax int64
	writeBig(t, d, "s", n, func() { walMax = max(walMax, fileSize(path+"-wal")) })
	if walMax > 48<<20 {
		t.Errorf("the WAL grew to %d MiB while writing (want <= 48)", walMax>>20)
	}
	// Checkpoints ran during the writes: the database file holds most of
	// the data before any Close.
	deadline := time.Now().Add(5 * time.Second)
	for fileSize(path) < 32<<20 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := fileSize(path); got < 32<<20 {
		t.Errorf("database file %d MiB after writing 64 MiB: the WAL was not checkpointed while writing", got>>20)
	}
	var count int
	if err := d.SQL().QueryRow(`SELECT COUNT(*) FROM items WHERE source_id = 's'`).Scan(&count); err != nil || count != n {
		t.Errorf("items stored: %d (%v), want %d", count, err, n)
	}
}

// TestWritesBesideOtherProcesses: another process opening and closing the
// database over and over (a `bantin serve`, a `bantin curate`, bench
// -live's prober) while this one writes and checkpoints makes no write
// fail. (Session 6's background checkpoint read the -shm file through a
// descriptor of its own; closing it dropped every POSIX lock the process
// held on the file, SQLite's included, the other process then took the
// shared memory for abandoned and reset it under this one's mapping, and
// commits failed with "disk I/O error (8714)", SQLITE_IOERR_IN_PAGE. With
// such an open and close after each commit this test fails that way.)
func TestWritesBesideOtherProcesses(t *testing.T) {
	sqliteOnly(t)
	if testing.Short() && raceEnabled {
		t.Skip("slow under the race detector; runs without -race")
	}
	d, path := mustOpen(t)
	mustSync(t, d, "s")
	writeBig(t, d, "s", 50, nil) // the file exists in WAL mode
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	stop := filepath.Join(t.TempDir(), "stop")
	var out strings.Builder
	cmd := exec.Command(exe, "-test.run=^TestHelperReaderProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "BANTIN_TEST_READER_DB="+path, "BANTIN_TEST_READER_STOP="+stop)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	writeBig(t, d, "s", 3000, nil) // fails the test at the first failed write
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("reader process: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "opened ") {
		t.Fatalf("reader process did not read:\n%s", out.String())
	}
	t.Log(strings.TrimSpace(out.String()))
}

// TestHelperReaderProcess is the other process of
// TestWritesBesideOtherProcesses: it opens the database, reads, and
// closes it again until the stop file appears.
func TestHelperReaderProcess(t *testing.T) {
	path, stop := os.Getenv("BANTIN_TEST_READER_DB"), os.Getenv("BANTIN_TEST_READER_STOP")
	if path == "" {
		t.Skip("only as TestWritesBesideOtherProcesses's reader")
	}
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: path}).String() + "?mode=ro&_pragma=busy_timeout(10000)"
	opened := 0
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); opened++ {
		if _, err := os.Stat(stop); err == nil {
			break
		}
		sdb, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = sdb.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM items`).Scan(&n)
		sdb.Close()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
	}
	fmt.Printf("opened the database %d times\n", opened)
}
