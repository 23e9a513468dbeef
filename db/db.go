// Package db stores sources, items, tags, topic membership and curation in
// one SQLite file (modernc.org/sqlite, WAL mode).
//
// Reads run concurrently on pooled connections. Writes are serialised: inside
// one process by a write lock (so a process never waits on SQLITE_BUSY from
// itself), across processes by SQLite's lock with a 10 s busy timeout (and
// retries beyond it). Every write method runs in one transaction, so a crash
// at any moment leaves either all of it or none of it; a write cancelled
// through its context rolls back. With synchronous=NORMAL in WAL mode a
// committed transaction survives the process being killed (kill -9); after
// a power loss the last commits may be lost, never half-applied.
//
// Times are stored as unix nanoseconds and returned in UTC; the zero time
// is stored as 0.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is an open bantin database. It is safe for concurrent use.
type DB struct {
	sql   *sql.DB
	stmts stmtCache
	// wlock is the in-process write lock: a channel rather than a mutex so
	// that waiting for it honours the context.
	wlock chan struct{}
	// now is the clock, replaceable in tests.
	now func() time.Time
	// keep is a connection held open for the DB's lifetime, so that the
	// write-ahead log stays the same file from Open to Close (SQLite
	// deletes it when a process's last connection closes) and its
	// identity can be checked (see CheckFiles).
	keep  *sql.Conn
	files *files
	// pg is set on PostgreSQL (dsn is then its URL); SQLite otherwise.
	pg  bool
	dsn string
	// searchTot caches the PostgreSQL search index's totals (search_pg.go).
	searchTot indexTotals
	// upgrade: what Open's migrations did (see Upgraded).
	upgrade upgrade
}

// dsnParams are applied by the driver to every new connection.
// cache_spill lets a write transaction keep up to 16 MiB of changed pages
// in memory before it writes them to the WAL (the default, the 2 MiB
// cache_size, made a poller's group commit write many pages twice), and
// wal_autocheckpoint lets the WAL grow to 4,000 pages (16 MiB) before
// SQLite copies it into the database: a page that many transactions
// change (an index of recent items) is copied once per checkpoint. (At
// 12,000 pages a first ingest ran 5-7% faster, the writer waiting for the
// checkpoint's fsyncs a third as often, but under the live load's readers
// the WAL then grows to the autocheckpoint's size, 47 MiB, near the
// 64 MiB allowed, and 8,000 pages left changes slower to reach readers.)
// journal_size_limit truncates the WAL file back to 16 MiB whenever a
// checkpoint lets SQLite start it over (see CheckpointWAL).
const dsnParams = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_pragma=cache_spill(4096)&_pragma=wal_autocheckpoint(4000)" +
	"&_pragma=journal_size_limit(16777216)&_txlock=immediate"

// DSN returns the driver data source name Open uses for path: a file: URI
// (path escaped) carrying the per-connection pragmas.
func DSN(path string) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path)}
	return u.String() + "?" + dsnParams
}

// Open opens the database at path, creating the file and its parent
// directories when missing, and applies any pending migrations. It refuses
// a database written by a newer bantin (schema version above the one this
// binary knows).
//
// path may instead be a PostgreSQL URL (postgres://...): see IsPostgres.
func Open(ctx context.Context, path string) (*DB, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path, false, false)
	}
	return open(ctx, path, true)
}

// NotExistError is OpenExisting's error for a database file that is not
// there.
type NotExistError struct{ Path string }

func (e *NotExistError) Error() string {
	return fmt.Sprintf("db: database %s does not exist (bantin run or bantin poll creates it; is the config's database: right?)", e.Path)
}

// Is makes errors.Is(err, fs.ErrNotExist) hold.
func (e *NotExistError) Is(target error) bool { return target == fs.ErrNotExist }

// OpenExisting is Open for commands that only read: it never creates the
// file or its directory, and returns a *NotExistError naming the path when
// the database is missing.
func OpenExisting(ctx context.Context, path string) (*DB, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path, false, true)
	}
	return open(ctx, path, false)
}

func open(ctx context.Context, path string, create bool) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("db: resolve path %q: %w", path, err)
	}
	dsn := DSN(abs)
	if create {
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			return nil, fmt.Errorf("db: create directory for %q: %w", path, err)
		}
		// The file is created here, once, by a connection of its own;
		// the pool's connections below never create it, so a database
		// deleted while bantin runs is not silently recreated empty by
		// the next connection the pool opens (a reader, the search
		// indexer, a render).
		tmp, err := sql.Open("sqlite", dsn)
		if err == nil {
			err = tmp.PingContext(ctx)
			tmp.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("db: create %q: %w", path, err)
		}
	} else if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return nil, &NotExistError{Path: abs}
	}
	dsn += "&mode=rw" // SQLite: no file is created, even in a race
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open %q: %w", path, err)
	}
	sdb.SetMaxOpenConns(maxConns + 1) // + keep
	sdb.SetMaxIdleConns(maxConns)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{sql: sdb, wlock: make(chan struct{}, 1), now: time.Now,
		files: &files{path: abs, wal: abs + "-wal"}}
	if d.keep, err = sdb.Conn(ctx); err == nil {
		err = d.keep.PingContext(ctx)
	}
	if err != nil {
		if d.keep != nil {
			d.keep.Close()
		}
		sdb.Close()
		if !create && isCantOpen(err) {
			if _, serr := os.Stat(abs); errors.Is(serr, fs.ErrNotExist) {
				return nil, &NotExistError{Path: abs}
			}
		}
		return nil, fmt.Errorf("db: open %q: %w", path, err)
	}
	// The identity writes are checked against (CheckFiles).
	d.files.main, err = os.Stat(abs)
	if err != nil {
		d.keep.Close()
		sdb.Close()
		return nil, fmt.Errorf("db: open %q: %w", path, err)
	}
	if err := d.migrate(ctx); err != nil {
		d.keep.Close()
		sdb.Close()
		return nil, err
	}
	d.files.check() // records the -wal
	return d, nil
}

// maxConns bounds the pooled connections.
const maxConns = 8

// isCantOpen reports whether err is SQLITE_CANTOPEN.
func isCantOpen(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CANTOPEN
}

// Optimize lets SQLite refresh the query planner's statistics where they
// are stale (PRAGMA optimize); cheap when nothing changed, but it may wait
// for another process's write lock. The daemon runs it hourly. It holds
// the write lock: the statistics it writes commit like any write. (Session
// 6 blamed the SQLITE_IOERR_IN_PAGE its background checkpoint met on
// checkpoints beside the writer; the cause was a descriptor of the -shm
// file being closed, see TestWritesBesideOtherProcesses.)
func (d *DB) Optimize(ctx context.Context) error {
	// PostgreSQL's autovacuum keeps its statistics fresh.
	if d.pg {
		return nil
	}
	if err := d.files.check(); err != nil {
		return err
	}
	select {
	case d.wlock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-d.wlock }()
	if _, err := d.sql.ExecContext(ctx, "PRAGMA optimize"); err != nil {
		return fmt.Errorf("db: optimize: %w", err)
	}
	return nil
}

// Close closes the database. Pending writes have completed or rolled back
// by the time their methods returned. Once the file is gone (ErrGone) the
// connections are left open for the process's exit to drop: closing the
// last one would make SQLite checkpoint and delete the -wal at a path that
// may belong to another database by now.
func (d *DB) Close() error {
	if d.files.check() != nil {
		return nil
	}
	d.stmts.close()
	if d.keep != nil {
		d.keep.Close()
	}
	if err := d.sql.Close(); err != nil {
		return fmt.Errorf("db: close: %w", err)
	}
	return nil
}

// SQL returns the underlying *sql.DB, for tests and diagnostics. Writes
// through it bypass the write lock.
func (d *DB) SQL() *sql.DB { return d.sql }

// write runs fn in one immediate transaction under the write lock and
// commits it; any error from fn, or a cancelled ctx, rolls it back.
func (d *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case d.wlock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-d.wlock }()
	if err := d.files.check(); err != nil {
		return err
	}
	err := d.writeTx(ctx, fn)
	// On PostgreSQL, writers in other processes may deadlock with this
	// one (or fail to serialise): the loser was rolled back and runs again.
	for attempt := 1; err != nil && d.pg && pgRetryable(err) && attempt < 10 && ctx.Err() == nil; attempt++ {
		time.Sleep(time.Duration(rand.IntN(20*attempt)) * time.Millisecond)
		err = d.writeTx(ctx, fn)
	}
	if err != nil && ctx.Err() == nil {
		// A file deleted or replaced meanwhile explains the failure best.
		if gone := d.files.check(); gone != nil {
			return gone
		}
	}
	if ctx.Err() == nil {
		d.files.wrote(err, d.now())
	}
	return err
}

// writeTx is write's transaction.
func (d *DB) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// busyRetry bounds how long begin keeps retrying a database that another
// process keeps locked.
const busyRetry = 2 * time.Minute

// begin starts an immediate transaction. SQLite's busy timeout waits up to
// 10 s for another process's write lock; a process that writes back to back
// can still win every race for it, so begin retries after a short random
// pause until busyRetry has passed or ctx is done.
func (d *DB) begin(ctx context.Context) (*sql.Tx, error) {
	deadline := time.Now().Add(busyRetry)
	for {
		tx, err := d.sql.BeginTx(ctx, nil)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return tx, err
		}
		t := time.NewTimer(time.Duration(1+rand.IntN(20)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// isBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED (any extended
// code).
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}

// bumpChangeSeq increments the change sequence inside tx.
func bumpChangeSeq(ctx context.Context, tx txRunner) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('change_seq', 1)
		ON CONFLICT (key) DO UPDATE SET value = CAST(meta.value AS BIGINT) + 1`)
	if err != nil {
		return fmt.Errorf("bump change sequence: %w", err)
	}
	return nil
}

// ChangeSeq returns the change sequence: a number that increases on every
// write that changes what is published (items, tags, topic membership,
// curation, pruning, source titles).
func (d *DB) ChangeSeq(ctx context.Context) (int64, error) {
	var n int64
	err := d.sql.QueryRowContext(ctx, `SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'change_seq'`).Scan(&n)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("db: read change sequence: %w", err)
	}
	return n, nil
}

// TopicsHash returns the topics hash recorded by SetTopicsHash, "" if none.
func (d *DB) TopicsHash(ctx context.Context) (string, error) {
	var h string
	err := d.sql.QueryRowContext(ctx, `SELECT CAST(value AS TEXT) FROM meta WHERE key = 'topics_hash'`).Scan(&h)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("db: read topics hash: %w", err)
	}
	return h, nil
}

// SetTopicsHash records h, the digest of the topic rules that the stored
// topic membership was computed with.
func (d *DB) SetTopicsHash(ctx context.Context, h string) error {
	err := d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('topics_hash', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, h)
		return err
	})
	if err != nil {
		return fmt.Errorf("db: set topics hash: %w", err)
	}
	return nil
}

// Times are stored as unix nanoseconds; 0 is the zero time. Times outside
// what int64 nanoseconds can hold (years 1678..2262) are clamped.
var (
	minTime = time.Unix(0, math.MinInt64+1).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

func toNanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minTime):
		return minTime.UnixNano()
	case t.After(maxTime):
		return maxTime.UnixNano()
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
