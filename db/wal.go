package db

import (
	"context"
	"fmt"
	"os"
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
