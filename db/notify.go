package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyChannel is the PostgreSQL channel on which every move of the
// change sequence is announced, with the schema's name as payload (a
// trigger: migrations_pg/*_change_notify.sql).
const notifyChannel = "bantin_change"

// WatchChanges calls changed soon after each write, by this instance or
// any other, that moves the change sequence, until ctx ends; it then
// returns ctx's error. On PostgreSQL it listens on a connection of its
// own (LISTEN/NOTIFY); when that connection is lost it connects again and
// calls changed once (what changed meanwhile), retrying every retry. On
// SQLite it returns nil at once: one process writes there, and readers
// poll ChangeSeq, which they keep doing on PostgreSQL as a fallback.
func (d *DB) WatchChanges(ctx context.Context, retry time.Duration, changed func()) error {
	if !d.pg {
		return nil
	}
	for {
		err := d.listen(ctx, changed)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = err // the fallback poll covers the gap; try again shortly
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retry):
		}
	}
}

// listen is one connection of WatchChanges.
func (d *DB) listen(ctx context.Context, changed func()) error {
	conn, err := pgx.Connect(ctx, d.dsn)
	if err != nil {
		return fmt.Errorf("db: listen for changes: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("db: listen for changes: %w", err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return fmt.Errorf("db: listen for changes: %w", err)
	}
	changed() // whatever changed before this connection listened
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("db: listen for changes: %w", err)
		}
		if n.Payload == schema {
			changed()
		}
	}
}
