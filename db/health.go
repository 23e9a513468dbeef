package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrGone is matched (errors.Is) by the error of every write refused
// because the database file, or its write-ahead log, was deleted or
// replaced while this process had it open.
var ErrGone = errors.New("db: database file deleted or replaced")

// GoneError says which file of an open database was deleted or replaced.
type GoneError struct {
	Path     string // the file: the database or its -wal
	Replaced bool   // another file is at Path now; else none is
}

func (e *GoneError) Error() string {
	what := "deleted"
	if e.Replaced {
		what = "replaced by another file"
	}
	return fmt.Sprintf("db: %s was %s while bantin had it open; nothing more is written (restart bantin)", e.Path, what)
}

// Is makes errors.Is(err, ErrGone) hold.
func (e *GoneError) Is(target error) bool { return target == ErrGone }

// files watches the identity (device and inode) of the database file and
// its write-ahead log, and the outcome of the last writes.
type files struct {
	path, wal string

	mu      sync.Mutex
	main    os.FileInfo // identity of the database file at Open
	walInfo os.FileInfo // identity of the -wal, once seen
	gone    error       // *GoneError, sticky
	// The last write's storage failure (nil after a write succeeds),
	// when the run of failures began and how many there were.
	writeErr   error
	failedAt   time.Time
	failedRuns int
}

// check compares the files at their paths with those opened and returns
// the (sticky) *GoneError once they differ. A nil *files (a DB opened
// read-only, without watching) never differs.
func (f *files) check() error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone != nil || f.main == nil {
		return f.gone
	}
	if g := sameFile(f.path, f.main); g != nil {
		f.gone = g
		return g
	}
	if f.walInfo == nil {
		// The log exists from the first connection on while one is open
		// (Open keeps one); a -wal first seen now is recorded.
		if fi, err := os.Stat(f.wal); err == nil {
			f.walInfo = fi
		}
		return nil
	}
	if g := sameFile(f.wal, f.walInfo); g != nil {
		f.gone = g
	}
	return f.gone
}

// sameFile returns a *GoneError when path is no longer the file was.
func sameFile(path string, was os.FileInfo) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &GoneError{Path: path}
	case err != nil:
		return nil // unknown (permissions, I/O): a write error will tell
	case !os.SameFile(fi, was):
		return &GoneError{Path: path, Replaced: true}
	}
	return nil
}

// wrote records the outcome of a write: a storage failure (see
// isStorageFailure) makes Health report it until a write succeeds.
func (f *files) wrote(err error, now time.Time) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case err == nil:
		f.writeErr, f.failedRuns = nil, 0
	case isStorageFailure(err):
		if f.writeErr == nil {
			f.failedAt = now
		}
		f.writeErr = rootCause(err)
		f.failedRuns++
	}
}

// isStorageFailure reports whether err says the database could not be
// written (read-only file, full disk, I/O error, locked by another process
// beyond the retries, ...), as opposed to a refusal of the data itself.
func isStorageFailure(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PERM, sqlite3.SQLITE_BUSY,
		sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOLFS, sqlite3.SQLITE_NOMEM:
		return true
	}
	return false
}

// rootCause is the innermost error wrapped by err.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// Health returns nil while the database can be written, else why not: a
// *GoneError (matching ErrGone) once its file or write-ahead log was
// deleted or replaced, or the storage failure of the last write (a
// read-only file, a full disk) until a write succeeds again.
func (d *DB) Health() error {
	if err := d.files.check(); err != nil || d.files == nil {
		return err
	}
	f := d.files
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.writeErr != nil {
		return fmt.Errorf("db: the last %d writes to %s failed (since %s): %w",
			f.failedRuns, f.path, f.failedAt.UTC().Format(time.RFC3339), f.writeErr)
	}
	return nil
}

// CheckFiles compares the database file and its write-ahead log with those
// opened. Once either was deleted or replaced it returns a *GoneError
// (matching ErrGone), for good: every later write is refused, so that
// nothing is written to a file nobody can open again, or over one that
// took its place. Writes check it too; the daemon also calls it every few
// seconds.
func (d *DB) CheckFiles() error { return d.files.check() }

// Probe tries a small write when the last write failed, so that Health
// recovers by itself once the database can be written again (space was
// freed, the file made writable) even if nothing else writes. It returns
// Health's answer afterwards.
func (d *DB) Probe(ctx context.Context) error {
	if d.files == nil {
		return nil
	}
	d.files.mu.Lock()
	failing := d.files.writeErr != nil
	d.files.mu.Unlock()
	if failing {
		_ = d.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('write_probe', ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, d.now().UnixNano())
			return err
		})
	}
	return d.Health()
}
