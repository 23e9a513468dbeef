package db

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// WALInfo is the outcome of one CheckpointWAL.
type WALInfo struct {
	Before, After int64 // size of the -wal file, bytes
	// Busy: readers or another process kept the checkpoint from
	// completing; it is tried again at the next call.
	Busy bool
}

// walBusyTimeout bounds how long CheckpointWAL waits for readers: while
// it waits, writers wait too.
const walBusyTimeout = 250 * time.Millisecond

// CheckpointWAL copies every page of the write-ahead log into the
// database and truncates the log to zero bytes (wal_checkpoint(TRUNCATE))
// when it is larger than minBytes. Readers keep snapshots only for the
// length of one query, so the WAL cannot grow without bound while feeds
// are read; SQLite's own automatic checkpoints cannot restart the log
// while a reader is in it, which under steady reading never stops, so
// the daemon calls this periodically (KeepWALSmall). It holds the write
// lock, and waits at most walBusyTimeout for readers, so a busy server
// delays the poller by no more than that.
func (d *DB) CheckpointWAL(ctx context.Context, minBytes int64) (WALInfo, error) {
	if d.pg { // no write-ahead log file to keep small
		return WALInfo{}, nil
	}
	var info WALInfo
	if d.files == nil {
		return info, nil
	}
	info.Before = fileSize(d.files.wal)
	info.After = info.Before
	if info.Before <= minBytes {
		return info, nil
	}
	select {
	case d.wlock <- struct{}{}:
	case <-ctx.Done():
		return info, ctx.Err()
	}
	defer func() { <-d.wlock }()
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return info, fmt.Errorf("db: checkpoint: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", walBusyTimeout.Milliseconds())); err != nil {
		return info, fmt.Errorf("db: checkpoint: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = 10000")
	var busy, logPages, done int
	err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done)
	if err != nil && !isBusy(err) {
		return info, fmt.Errorf("db: checkpoint: %w", err)
	}
	info.Busy = busy != 0 || err != nil
	info.After = fileSize(d.files.wal)
	return info, nil
}

// KeepWALSmall calls CheckpointWAL every interval until ctx ends, for
// logs over minBytes; failures are reported to logf.
func (d *DB) KeepWALSmall(ctx context.Context, interval time.Duration, minBytes int64, logf func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := d.CheckpointWAL(ctx, minBytes); err != nil && ctx.Err() == nil && logf != nil {
			logf(err)
		}
	}
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// walCheckpointFrames is how many pages the write-ahead log holds beyond
// the last checkpoint when a write starts one in the background (see
// checkpointer): 4,000 pages, 16 MiB. SQLite's own automatic checkpoint
// (wal_autocheckpoint, in dsnParams) stays as a backstop at a larger size.
const walCheckpointFrames = 4000

// checkpointer copies the write-ahead log into the database on a
// connection of its own, beside the writer: a PASSIVE checkpoint takes no
// write lock, so the transaction that filled the log commits at once
// instead of copying (and fsyncing) 16 MiB of pages itself. SQLite's
// automatic checkpoint did that inside the commit of every 4,000th page,
// on the poller's single writer, which the whole ingest waits for.
type checkpointer struct {
	running atomic.Bool
	wg      sync.WaitGroup
}

// afterCommit starts a background checkpoint when the log has grown past
// walCheckpointBytes and none is running.
func (d *DB) afterCommit() {
	if d.pg || d.files == nil || walBacklog(d.files.path+"-shm") < walCheckpointFrames {
		return
	}
	if !d.ckpt.running.CompareAndSwap(false, true) {
		return
	}
	d.ckpt.wg.Add(1)
	go func() {
		defer d.ckpt.wg.Done()
		defer d.ckpt.running.Store(false)
		if d.files.check() != nil {
			return // gone: nothing to copy into
		}
		// Best effort: busy readers or a closing pool leave the log to the
		// next checkpoint (or to SQLite's automatic one).
		_, _ = d.sql.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	}()
}

// walBacklog returns how many frames of the write-ahead log are not yet
// checkpointed, read from the wal-index header in the -shm file (SQLite's
// WAL format: mxFrame at byte 16 of the header, nBackfill at byte 96, both
// in the machine's byte order); 0 when it cannot tell. The read takes no
// lock: a torn value only moves one checkpoint.
func walBacklog(shm string) uint32 {
	f, err := os.Open(shm)
	if err != nil {
		return 0
	}
	defer f.Close()
	var b [100]byte
	if n, _ := f.ReadAt(b[:], 0); n < len(b) {
		return 0
	}
	mxFrame := binary.NativeEndian.Uint32(b[16:])
	backfill := binary.NativeEndian.Uint32(b[96:])
	if backfill > mxFrame {
		return 0
	}
	return mxFrame - backfill
}
