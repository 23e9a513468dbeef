package db

import (
	"context"
	"database/sql"
	"sync"

	"modernc.org/sqlite"
)

// The write-ahead log is copied into the database (checkpointed) by a
// goroutine of its own, beside the writer, not inside the commit of the
// transaction that filled it. SQLite's automatic checkpoint ran in the
// commit of every 4,000th page, on the poller's single writer, and its
// fsyncs held up every fetch in flight (bantin bench, alternating runs:
// 7,261-7,880 items/s with it, 8,118-8,458 beside the writer).
//
// A PASSIVE checkpoint takes no write lock: SQLite copies the pages
// committed so far while the writer appends more. But SQLite starts the
// log over only when a transaction begins with every page copied, which a
// writer committing back to back rarely sees; so when the log is still
// past walCatchUpFrames after a pass, the few pages committed during it
// are copied under the write lock, and the next commit starts the log
// over (the log stays under about 45 MiB during a first ingest).
//
// Nothing here opens the -wal or -shm files: closing any descriptor of a
// file drops every POSIX lock the process holds on it, SQLite's included,
// and another process opening the database then takes the shared memory
// for abandoned and resets it under this one's mapping. (An earlier
// background checkpoint read the -shm through a descriptor of its own, and
// under bench -live, whose prober opens the database, commits failed with
// SQLITE_IOERR_IN_PAGE; TestCheckpointBesideOtherProcesses.) The pages
// written are counted from the writing connection's statistics instead.
const (
	// walCheckpointFrames is how many pages the writer commits between
	// two background checkpoints: 4,000 pages, 16 MiB.
	walCheckpointFrames = 4000
	// walCatchUpFrames is the log size past which a checkpoint is
	// finished under the write lock.
	walCatchUpFrames = walCheckpointFrames
)

// checkpointer is DB's background checkpoint.
type checkpointer struct {
	due    chan struct{} // capacity 1: a request while one runs is kept
	done   sync.WaitGroup
	frames int // pages committed since the last request; under the write lock
}

// startCheckpoints starts the background checkpoint of a SQLite database.
func (d *DB) startCheckpoints() {
	d.ckpt.due = make(chan struct{}, 1)
	d.ckpt.done.Add(1)
	go func() {
		defer d.ckpt.done.Done()
		for range d.ckpt.due {
			d.checkpointOnce()
		}
	}()
}

// stopCheckpoints ends the background checkpoint (Close).
func (d *DB) stopCheckpoints() {
	if d.ckpt.due != nil {
		close(d.ckpt.due)
		d.ckpt.done.Wait()
		d.ckpt.due = nil
	}
}

// committed counts the pages the write that just committed on conn wrote
// to the log and requests a checkpoint every walCheckpointFrames. It runs
// under the write lock.
func (d *DB) committed(conn *sql.Conn) {
	if d.ckpt.due == nil {
		return
	}
	_ = conn.Raw(func(dc any) error {
		if s, ok := dc.(sqlite.DBStatus); ok {
			n, _, _ := s.Status(sqlite.DBStatusCacheWrite, true)
			d.ckpt.frames += n
		}
		return nil
	})
	if d.ckpt.frames < walCheckpointFrames {
		return
	}
	d.ckpt.frames = 0
	select {
	case d.ckpt.due <- struct{}{}:
	default: // one is pending already
	}
}

// checkpointOnce runs one PASSIVE checkpoint, and a second under the write
// lock when the log is past walCatchUpFrames. Failures are left to the
// next round (and to CheckpointWAL, which the daemon runs every few
// seconds): readers and other processes may hold a checkpoint back at any
// time.
func (d *DB) checkpointOnce() {
	ctx := context.Background()
	if d.files.check() != nil {
		return // gone: nothing to copy into
	}
	log, err := d.passiveCheckpoint(ctx)
	if err != nil || log < walCatchUpFrames {
		return
	}
	d.wlock <- struct{}{}
	defer func() { <-d.wlock }()
	_, _ = d.passiveCheckpoint(ctx)
}

// passiveCheckpoint runs PRAGMA wal_checkpoint(PASSIVE) on the connection
// DB keeps open anyway (another would cost the pool a connection, and its
// schema and cache their memory) and returns the log's size in pages.
func (d *DB) passiveCheckpoint(ctx context.Context) (log int, err error) {
	var busy, copied int
	err = d.keep.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied)
	return log, err
}
