package db

import (
	"context"
	"database/sql"
	"errors"
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

// UpstreamSubscription is the verified subscription of source SourceID to
// the WebSub hub its feed advertises (bantin the subscriber): pushes for
// Topic from Hub are signed with Secret until LeaseEnd.
type UpstreamSubscription struct {
	SourceID, Hub, Topic, Secret string
	Verified, LeaseEnd           time.Time
}

// UpstreamSubscriptions returns every stored upstream subscription, by
// source id (lapsed ones included: a subscription ends when it is ended).
func (d *DB) UpstreamSubscriptions(ctx context.Context) (map[string]UpstreamSubscription, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT source_id, hub, topic, secret, verified, lease_end FROM websub_upstream`)
	if err != nil {
		return nil, fmt.Errorf("db: list upstream subscriptions: %w", err)
	}
	defer rows.Close()
	out := map[string]UpstreamSubscription{}
	for rows.Next() {
		var u UpstreamSubscription
		var verified, leaseEnd int64
		if err := rows.Scan(&u.SourceID, &u.Hub, &u.Topic, &u.Secret, &verified, &leaseEnd); err != nil {
			return nil, fmt.Errorf("db: list upstream subscriptions: %w", err)
		}
		u.Verified, u.LeaseEnd = fromNanos(verified), fromNanos(leaseEnd)
		out[u.SourceID] = u
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list upstream subscriptions: %w", err)
	}
	return out, nil
}

// SaveUpstreamSubscription stores u as the subscription of its source
// (replacing any) and mirrors its secret and lease end into the source
// (HubSecret, HubLeaseEnd), in one transaction. It returns ErrNotFound
// for an unknown source.
func (d *DB) SaveUpstreamSubscription(ctx context.Context, u UpstreamSubscription) error {
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sources SET hub_secret = ?, hub_lease_end = ? WHERE id = ?`,
			u.Secret, toNanos(u.LeaseEnd), u.SourceID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO websub_upstream (source_id, hub, topic, secret, verified, lease_end)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET hub = excluded.hub, topic = excluded.topic,
			secret = excluded.secret, verified = excluded.verified, lease_end = excluded.lease_end`,
			u.SourceID, u.Hub, u.Topic, u.Secret, toNanos(u.Verified), toNanos(u.LeaseEnd))
		return err
	})
	if err != nil {
		return fmt.Errorf("db: save upstream subscription of %q: %w", u.SourceID, err)
	}
	return nil
}

// EndUpstreamSubscription forgets the subscription of source id and
// clears the source's HubSecret and HubLeaseEnd. An unknown source is not
// an error.
func (d *DB) EndUpstreamSubscription(ctx context.Context, id string) error {
	err := d.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM websub_upstream WHERE source_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE sources SET hub_secret = '', hub_lease_end = 0 WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("db: end upstream subscription of %q: %w", id, err)
	}
	return nil
}

// WebSubRequest is a subscription request (Mode "subscribe" or
// "unsubscribe") the subscriber sent to Hub for source SourceID and
// Topic, awaiting its verification until Deadline. Token names the send
// that claimed it.
type WebSubRequest struct {
	SourceID, Mode, Topic, Hub string
	Secret                     string        // subscribe: the secret asked for
	Lease                      time.Duration // subscribe: the lease asked for
	Since, Deadline            time.Time
	Token                      string
}

// requestGrace is how long after its deadline an open request that its
// sender did not close (it stopped) may be claimed again by another
// instance; its sender closes it sooner, with its backoff.
const requestGrace = 10 * time.Minute

// ClaimWebSubRequest records r as sent and reports whether this instance
// is the one to send it: false while another request of the same source,
// mode and topic is open (awaiting its verification; an abandoned one
// for requestGrace after its deadline) or was closed with a retry time
// still ahead of now. Instances sharing the database thus send each
// request once.
func (d *DB) ClaimWebSubRequest(ctx context.Context, r WebSubRequest, now time.Time) (bool, error) {
	var n int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO websub_requests (source_id, mode, topic, hub, secret, lease, since, deadline, retry_at, token)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
			ON CONFLICT (source_id, mode, topic) DO UPDATE SET hub = excluded.hub, secret = excluded.secret,
			lease = excluded.lease, since = excluded.since, deadline = excluded.deadline, retry_at = 0, token = excluded.token
			WHERE (websub_requests.deadline = 0 AND websub_requests.retry_at <= ?)
			OR (websub_requests.deadline > 0 AND websub_requests.deadline <= ?)`,
			r.SourceID, r.Mode, r.Topic, r.Hub, r.Secret, int64(r.Lease), toNanos(r.Since), toNanos(r.Deadline), r.Token,
			toNanos(now), toNanos(now.Add(-requestGrace)))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("db: claim websub request: %w", err)
	}
	return n > 0, nil
}

// ReleaseWebSubRequest closes the request claimed with token (the hub
// refused it, or it was not verified in time): it is not sent again
// before retryAt. A request closed already (verified, denied) or claimed
// since by another send is left alone.
func (d *DB) ReleaseWebSubRequest(ctx context.Context, id, mode, topic, token string, retryAt time.Time) error {
	err := d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE websub_requests SET deadline = 0, retry_at = ?
			WHERE source_id = ? AND mode = ? AND topic = ? AND token = ? AND deadline > 0`, toNanos(retryAt), id, mode, topic, token)
		return err
	})
	if err != nil {
		return fmt.Errorf("db: release websub request: %w", err)
	}
	return nil
}

// TakeWebSubRequest closes and returns the request of source id, mode and
// topic that is awaiting its verification at now, if there is one: a
// verification is taken once, whichever instance receives it. The
// request is not sent again before retryAt.
func (d *DB) TakeWebSubRequest(ctx context.Context, id, mode, topic string, now, retryAt time.Time) (WebSubRequest, bool, error) {
	r := WebSubRequest{SourceID: id, Mode: mode, Topic: topic}
	found := false
	err := d.write(ctx, func(tx *sql.Tx) error {
		var lease, since, deadline int64
		err := tx.QueryRowContext(ctx, `UPDATE websub_requests SET deadline = 0, retry_at = ?
			WHERE source_id = ? AND mode = ? AND topic = ? AND deadline > ?
			RETURNING hub, secret, lease, since, deadline, token`, toNanos(retryAt), id, mode, topic, toNanos(now)).
			Scan(&r.Hub, &r.Secret, &lease, &since, &deadline, &r.Token)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		r.Lease, r.Since, r.Deadline = time.Duration(lease), fromNanos(since), fromNanos(deadline)
		return nil
	})
	if err != nil {
		return WebSubRequest{}, false, fmt.Errorf("db: take websub request: %w", err)
	}
	return r, found, nil
}

// WebSubSecrets returns the secrets a push for source id may be signed
// with at now: its subscription's while its lease runs, and those of the
// subscription requests still open.
func (d *DB) WebSubSecrets(ctx context.Context, id string, now time.Time) ([]string, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT secret FROM websub_upstream WHERE source_id = ? AND lease_end > ? AND secret != ''
		UNION SELECT secret FROM websub_requests WHERE source_id = ? AND mode = 'subscribe' AND deadline > 0 AND secret != ''`,
		id, toNanos(now), id)
	if err != nil {
		return nil, fmt.Errorf("db: websub secrets of %q: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("db: websub secrets of %q: %w", id, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: websub secrets of %q: %w", id, err)
	}
	return out, nil
}

// SwapFeedVersion records etag as the version of key since since, only if
// the stored version is old, and reports whether it did: instances sharing
// the database use it to claim an announcement of key's change, once.
func (d *DB) SwapFeedVersion(ctx context.Context, key, old, etag string, since time.Time) (bool, error) {
	var n int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE feed_versions SET etag = ?, since = ? WHERE key = ? AND etag = ?`,
			etag, toNanos(since), key, old)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("db: swap feed version %q: %w", key, err)
	}
	return n > 0, nil
}
