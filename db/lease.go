package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Several `bantin run` on one PostgreSQL database split the sources between
// them with leases: an instance claims a due source (ClaimSource) before it
// fetches it and releases it (ReleaseSource) once the outcome is stored. A
// lease names its owner and ends at a deadline, so the sources of an
// instance that died are claimed by the others once it has passed. A lease
// also counts against its host, which makes per_host hold across every
// instance together. On SQLite (one polling daemon per file) claims always
// succeed and record nothing.

// pollerLive is how long after its last claim a poller counts as live
// when per_host is shared between pollers.
const pollerLive = 10 * time.Second

// Claim is the outcome of ClaimSource.
type Claim struct {
	OK       bool      // the source is leased to the caller
	HostBusy bool      // per_host sources of its host are leased already
	Until    time.Time // when not OK and leased by another instance: its lease's end
}

// ClaimSource leases source id to owner until until when, at now, it is
// due (any time with all), not disabled, removed or under Retry-After,
// not leased by another instance, and fewer than perHost sources of host
// are leased (host "" is not limited). It returns the stored state of the
// source (fresh, whoever wrote it) with the outcome.
func (d *DB) ClaimSource(ctx context.Context, id, owner, host string, perHost int, now, until time.Time, all bool) (Source, Claim, error) {
	if !d.pg {
		s, err := d.Source(ctx, id)
		return s, Claim{OK: err == nil}, err
	}
	// Most sources another instance just polled are not due: a plain
	// read tells, outside the claims' serialised transactions.
	s, leaseOwner, leaseUntil, err := readLease(ctx, d.sql, id)
	if err != nil {
		return Source{}, Claim{}, fmt.Errorf("db: claim source %q: %w", id, err)
	}
	n := toNanos(now)
	if (leaseOwner != owner && leaseUntil > n) || s.Removed || s.Disabled || toNanos(s.RetryAfter) > n || (!all && toNanos(s.NextDue) > n) {
		c := Claim{}
		if leaseOwner != owner && leaseUntil > n {
			c.Until = fromNanos(leaseUntil)
		}
		return s, c, nil
	}
	// One round trip (bantin_claim, migrations_pg/0005), outside the
	// in-process write lock: claims run beside this process's writes.
	var r int
	err = d.sql.QueryRowContext(ctx, `SELECT bantin_claim(?, ?, ?, ?, ?, ?, ?, ?)`, id, owner, host, perHost,
		n, toNanos(until), all, toNanos(now.Add(-pollerLive))).Scan(&r)
	if err != nil {
		return Source{}, Claim{}, fmt.Errorf("db: claim source %q: %w", id, err)
	}
	switch r {
	case 1:
		return s, Claim{OK: true}, nil
	case 2:
		return s, Claim{HostBusy: true}, nil
	}
	// Taken meanwhile: read what the other instance left.
	s, leaseOwner, leaseUntil, err = readLease(ctx, d.sql, id)
	if err != nil {
		return Source{}, Claim{}, fmt.Errorf("db: claim source %q: %w", id, err)
	}
	c := Claim{}
	if leaseOwner != owner && leaseUntil > n {
		c.Until = fromNanos(leaseUntil)
	}
	return s, c, nil
}

// readLease reads source id with its lease.
func readLease(ctx context.Context, q queryer, id string) (Source, string, int64, error) {
	var owner string
	var until int64
	row := q.QueryRowContext(ctx, `SELECT `+sourceCols+`, lease_owner, lease_until FROM sources WHERE id = ?`, id)
	s, err := scanSource(scanExtra{row, []any{&owner, &until}})
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, "", 0, fmt.Errorf("source %q: %w", id, ErrNotFound)
	}
	return s, owner, until, err
}

// scanExtra scans the columns of scanSource followed by extra ones.
type scanExtra struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (e scanExtra) Scan(dst ...any) error { return e.sc.Scan(append(dst, e.extra...)...) }

// ReleaseSource ends owner's lease of source id (nothing on SQLite).
func (d *DB) ReleaseSource(ctx context.Context, id, owner string) error {
	if !d.pg {
		return nil
	}
	// One statement, outside the in-process write lock.
	_, err := d.sql.ExecContext(ctx, `UPDATE sources SET lease_owner = '', lease_until = 0, lease_host = ''
		WHERE id = ? AND lease_owner = ?`, id, owner)
	if err != nil {
		return fmt.Errorf("db: release source %q: %w", id, err)
	}
	return nil
}

// ReleaseAll ends every lease owner holds (at shutdown).
func (d *DB) ReleaseAll(ctx context.Context, owner string) error {
	if !d.pg {
		return nil
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sources SET lease_owner = '', lease_until = 0, lease_host = ''
			WHERE lease_owner = ?`, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("db: release leases: %w", err)
	}
	return nil
}

// WithLock runs fn while holding the database-wide lock named name: on
// PostgreSQL a session advisory lock, so that of several instances one
// runs fn at a time; on SQLite (one daemon) fn just runs.
func (d *DB) WithLock(ctx context.Context, name string, fn func() error) error {
	if !d.pg {
		return fn()
	}
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("db: lock %s: %w", name, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext('bantin lock ' || current_schema() || ?))`, name); err != nil {
		return fmt.Errorf("db: lock %s: %w", name, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('bantin lock ' || current_schema() || ?))`, name)
	return fn()
}
