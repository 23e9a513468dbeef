package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// WebSubSubscription is a verified subscription to bantin's built-in
// WebSub hub: the subscriber at Callback receives the feed at Topic, signed
// with Secret ("" for none), until LeaseEnd.
type WebSubSubscription struct {
	Topic    string
	Callback string
	Secret   string
	LeaseEnd time.Time
	Created  time.Time // when (topic, callback) was first verified
	// SentETag is the ETag of the feed version the subscriber last
	// received, or was verified at; "" when unknown.
	SentETag string
}

// SaveWebSubSubscription stores s, replacing the secret and lease of an
// existing subscription with the same Topic and Callback (whose Created and
// SentETag are kept). It does not touch the change sequence.
func (d *DB) SaveWebSubSubscription(ctx context.Context, s WebSubSubscription) error {
	if s.Topic == "" || s.Callback == "" {
		return fmt.Errorf("db: save websub subscription: empty topic or callback")
	}
	created := s.Created
	if created.IsZero() {
		created = time.Now()
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO websub_subscriptions (topic, callback, secret, lease_end, created, sent_etag)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, lease_end = excluded.lease_end`,
			s.Topic, s.Callback, s.Secret, toNanos(s.LeaseEnd), toNanos(created), s.SentETag)
		return err
	})
	if err != nil {
		return fmt.Errorf("db: save websub subscription: %w", err)
	}
	return nil
}

// DeleteWebSubSubscription removes the subscription of callback to topic
// and reports whether there was one.
func (d *DB) DeleteWebSubSubscription(ctx context.Context, topic, callback string) (bool, error) {
	var n int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM websub_subscriptions WHERE topic = ? AND callback = ?`, topic, callback)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("db: delete websub subscription: %w", err)
	}
	return n > 0, nil
}

// WebSubSubscriptions returns the subscriptions to topic ("" for every
// topic) whose lease ends after now, ordered by topic then callback.
func (d *DB) WebSubSubscriptions(ctx context.Context, topic string, now time.Time) ([]WebSubSubscription, error) {
	q := `SELECT topic, callback, secret, lease_end, created, sent_etag FROM websub_subscriptions WHERE lease_end > ?`
	args := []any{toNanos(now)}
	if topic != "" {
		q += ` AND topic = ?`
		args = append(args, topic)
	}
	rows, err := d.sql.QueryContext(ctx, q+` ORDER BY topic, callback`, args...)
	if err != nil {
		return nil, fmt.Errorf("db: list websub subscriptions: %w", err)
	}
	defer rows.Close()
	var out []WebSubSubscription
	for rows.Next() {
		var s WebSubSubscription
		var lease, created int64
		if err := rows.Scan(&s.Topic, &s.Callback, &s.Secret, &lease, &created, &s.SentETag); err != nil {
			return nil, fmt.Errorf("db: list websub subscriptions: %w", err)
		}
		s.LeaseEnd, s.Created = fromNanos(lease), fromNanos(created)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list websub subscriptions: %w", err)
	}
	return out, nil
}

// SetWebSubSent records that the subscriber at callback has the version
// etag of topic. A missing subscription is not an error.
func (d *DB) SetWebSubSent(ctx context.Context, topic, callback, etag string) error {
	err := d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE websub_subscriptions SET sent_etag = ? WHERE topic = ? AND callback = ?`,
			etag, topic, callback)
		return err
	})
	if err != nil {
		return fmt.Errorf("db: set websub sent version: %w", err)
	}
	return nil
}

// MoveWebSubSubscriptions moves the subscriptions to topic from to topic
// to (a renamed feed) and returns how many moved. A subscriber that also
// holds a subscription to to keeps that one only.
func (d *DB) MoveWebSubSubscriptions(ctx context.Context, from, to string) (int, error) {
	var n int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE websub_subscriptions SET topic = ?1 WHERE topic = ?2
			AND callback NOT IN (SELECT callback FROM websub_subscriptions WHERE topic = ?1)`, to, from)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM websub_subscriptions WHERE topic = ?`, from)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("db: move websub subscriptions: %w", err)
	}
	return int(n), nil
}

// PruneWebSubSubscriptions deletes the subscriptions whose lease ended at
// or before now and returns how many.
func (d *DB) PruneWebSubSubscriptions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM websub_subscriptions WHERE lease_end <= ?`, toNanos(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("db: prune websub subscriptions: %w", err)
	}
	return int(n), nil
}

// SetSourceHub writes only the WebSub subscriber state of source id (its
// HubSecret and HubLeaseEnd), leaving every other field alone; the
// subscriber uses it so as not to race with the poller's state writes. It
// returns ErrNotFound for an unknown source and does not touch the change
// sequence.
func (d *DB) SetSourceHub(ctx context.Context, id, secret string, leaseEnd time.Time) error {
	var n int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sources SET hub_secret = ?, hub_lease_end = ? WHERE id = ?`,
			secret, toNanos(leaseEnd), id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("db: set source %q hub state: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("db: set source %q hub state: %w", id, ErrNotFound)
	}
	return nil
}

// EndSourceRelaxation puts source id back on its normal polling schedule
// after its WebSub subscription ended: when NormalDue is set, NextDue
// becomes the earlier of the two and NormalDue is cleared; other fields are
// left alone. It reports whether the schedule changed; an unknown source
// is not an error.
func (d *DB) EndSourceRelaxation(ctx context.Context, id string) (bool, error) {
	var n int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sources SET next_due = CASE WHEN normal_due < next_due THEN normal_due ELSE next_due END, normal_due = 0
			WHERE id = ? AND normal_due != 0`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("db: end source %q relaxation: %w", id, err)
	}
	return n > 0, nil
}

// ClaimWebSubDelivery reports whether this instance is to deliver version
// etag to the subscription (topic, callback): on PostgreSQL, where several
// replicas run the hub, the first to claim it delivers (the claim holds
// until until; then another may); on SQLite always true.
func (d *DB) ClaimWebSubDelivery(ctx context.Context, topic, callback, etag string, now, until time.Time) (bool, error) {
	if !d.pg {
		return true, nil
	}
	var n int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE websub_subscriptions SET claim_etag = ?, claim_until = ?
			WHERE topic = ? AND callback = ? AND sent_etag != ? AND (claim_etag != ? OR claim_until < ?)`,
			etag, toNanos(until), topic, callback, etag, etag, toNanos(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("db: claim websub delivery: %w", err)
	}
	return n > 0, nil
}
