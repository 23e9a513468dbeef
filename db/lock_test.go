package db

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDaemonLock: a second LockDaemon on the same database (also through
// a symlink) is refused with the holder's pid and address; after Release
// the lock can be taken again. (cmd/bantin tests the lock across
// processes and kill -9.)
func TestDaemonLock(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "bantin.db")
	since := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	l, err := LockDaemon(path, Holder{PID: 4242, Listen: "127.0.0.1:1", Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Update(Holder{PID: 4242, Listen: "127.0.0.1:8080", Since: since}); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, link} {
		_, err := LockDaemon(p, Holder{PID: 1})
		var le *LockedError
		if !errors.As(err, &le) {
			t.Fatalf("second LockDaemon(%s) = %v, want a LockedError", p, err)
		}
		if le.Holder.PID != 4242 || le.Holder.Listen != "127.0.0.1:8080" {
			t.Errorf("holder = %+v", le.Holder)
		}
		for _, want := range []string{path, "pid 4242", "listening on 127.0.0.1:8080", "PostgreSQL"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := LockDaemon(link, Holder{PID: 7})
	if err != nil {
		t.Fatalf("LockDaemon after Release: %v", err)
	}
	l2.Release()
}
