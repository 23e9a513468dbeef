package db

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Holder describes the polling daemon that holds a database's lock: it is
// what the lock file (the database path plus ".lock") contains.
type Holder struct {
	PID    int       `json:"pid"`
	Listen string    `json:"listen"`
	Since  time.Time `json:"since"`
}

// LockedError is LockDaemon's error when another process holds the lock.
type LockedError struct {
	Path   string // the lock file
	Holder Holder // zero when the file could not be read
}

func (e *LockedError) Error() string {
	db := strings.TrimSuffix(e.Path, ".lock")
	who := "another process"
	if e.Holder.PID != 0 {
		who = fmt.Sprintf("pid %d", e.Holder.PID)
		if e.Holder.Listen != "" {
			who += ", listening on " + e.Holder.Listen
		}
		if !e.Holder.Since.IsZero() {
			who += ", since " + e.Holder.Since.UTC().Format(time.RFC3339)
		}
	}
	return fmt.Sprintf("db: %s is already polled by a bantin daemon (%s; lock %s): one SQLite file takes one polling daemon; to run several instances, put the desk on PostgreSQL (database: postgres://..., bantin migrate-db -to)", db, who, e.Path)
}

// DaemonLock is the lock a polling daemon holds on its database: an
// advisory lock (flock) on the file path+".lock" that the kernel drops
// when the process ends, however it ends, so that kill -9 never leaves a
// stale lock. It does not keep other processes from opening the database:
// serve and the one-shot commands work beside the daemon.
type DaemonLock struct {
	f *os.File
}

// LockDaemon takes the daemon lock of the database at path and records h
// in the lock file. When another process holds it, the error is a
// *LockedError naming that process.
func LockDaemon(path string, h Holder) (*DaemonLock, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("db: resolve path %q: %w", path, err)
	}
	// Another name for the same file (a symlink) takes the same lock.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("db: resolve path %q: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("db: create directory for %q: %w", path, err)
	}
	lp := abs + ".lock"
	// Never truncated on open: the holder's record must survive a
	// refused attempt.
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("db: open lock file: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("db: lock %s: %w", lp, err)
	}
	if !held {
		f.Close()
		return nil, &LockedError{Path: lp, Holder: readHolder(lp)}
	}
	l := &DaemonLock{f: f}
	if err := l.Update(h); err != nil {
		l.Release()
		return nil, err
	}
	return l, nil
}

// readHolder reads the holder recorded in a lock file. The holder writes
// it right after taking the lock, so an empty file is read again briefly.
func readHolder(path string) Holder {
	var h Holder
	for range 20 {
		b, err := os.ReadFile(path)
		if err == nil && json.Unmarshal(b, &h) == nil {
			return h
		}
		time.Sleep(10 * time.Millisecond)
	}
	return Holder{}
}

// Update records h (the address actually listened on, once known).
func (l *DaemonLock) Update(h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("db: lock file: %w", err)
	}
	b = append(b, '\n')
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("db: write lock file: %w", err)
	}
	if _, err := l.f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("db: write lock file: %w", err)
	}
	return nil
}

// Release empties the lock file and drops the lock. The file stays:
// removing it would let a process that opened it a moment ago lock a file
// that no longer has the name while a newcomer locks a new one.
func (l *DaemonLock) Release() error {
	_ = l.f.Truncate(0)
	return l.f.Close() // closing the descriptor drops the flock
}
