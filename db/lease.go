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
	var c Claim
	err = d.write(ctx, func(tx *sql.Tx) error {
		c = Claim{}
		if host != "" {
			// Claims of one host are serialised across instances, so that
			// the count below cannot be raced past per_host.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('bantin host ' || current_schema() || ?))`, host); err != nil {
				return err
			}
			// Each live poller takes at most its share of the host's
			// slots, so that one that frees a slot does not always take
			// it again before the others.
			if _, err := tx.ExecContext(ctx, `INSERT INTO pollers (owner, seen) VALUES (?, ?)
				ON CONFLICT (owner) DO UPDATE SET seen = excluded.seen`, owner, toNanos(now)); err != nil {
				return err
			}
			var n, mine, live int
			if err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE lease_owner = ?),
				(SELECT count(*) FROM pollers WHERE seen > ?)
				FROM sources WHERE lease_host = ? AND lease_until > ? AND id != ?`,
				owner, toNanos(now.Add(-pollerLive)), host, toNanos(now), id).Scan(&n, &mine, &live); err != nil {
				return err
			}
			if n >= perHost || mine >= (perHost+live-1)/max(live, 1) {
				c.HostBusy = true
				var err error
				s, err = scanSource(tx.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM sources WHERE id = ?`, id))
				return err
			}
		}
		var err error
		s, err = scanSource(tx.QueryRowContext(ctx, `UPDATE sources SET lease_owner = ?, lease_until = ?, lease_host = ?
			WHERE id IN (SELECT id FROM sources WHERE id = ? AND removed = 0 AND disabled = 0
				AND retry_after <= ? AND (? OR next_due <= ?) AND (lease_until <= ? OR lease_owner = ?)
				FOR UPDATE SKIP LOCKED)
			RETURNING `+sourceCols, owner, toNanos(until), host, id, toNanos(now), all, toNanos(now), toNanos(now), owner))
		if err == nil {
			c.OK = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var leaseOwner string
		var leaseUntil int64
		s, leaseOwner, leaseUntil, err = readLease(ctx, tx, id)
		if leaseOwner != owner && leaseUntil > toNanos(now) {
			c.Until = fromNanos(leaseUntil)
		}
		return err
	})
	if err != nil {
		return Source{}, Claim{}, fmt.Errorf("db: claim source %q: %w", id, err)
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
	err := d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sources SET lease_owner = '', lease_until = 0, lease_host = ''
			WHERE id = ? AND lease_owner = ?`, id, owner)
		return err
	})
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
