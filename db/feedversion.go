package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FeedVersion returns the ETag last recorded for the published response
// key and since when it has been served; "" and the zero time when none.
func (d *DB) FeedVersion(ctx context.Context, key string) (string, time.Time, error) {
	var etag string
	var since int64
	err := d.sql.QueryRowContext(ctx, `SELECT etag, since FROM feed_versions WHERE key = ?`, key).Scan(&etag, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("db: feed version %q: %w", key, err)
	}
	return etag, fromNanos(since), nil
}

// SetFeedVersion records that the response key is served as etag since
// since. It does not touch the change sequence.
func (d *DB) SetFeedVersion(ctx context.Context, key, etag string, since time.Time) error {
	err := d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO feed_versions (key, etag, since) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, since = excluded.since`, key, etag, toNanos(since))
		return err
	})
	if err != nil {
		return fmt.Errorf("db: set feed version %q: %w", key, err)
	}
	return nil
}

// RecordFeedVersion records etag as the version of key since since, unless
// key already has that etag, and returns the time the stored version has
// been served since: the first writer's, so that several replicas that
// render the same bytes give the same Last-Modified.
func (d *DB) RecordFeedVersion(ctx context.Context, key, etag string, since time.Time) (time.Time, error) {
	var stored int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO feed_versions (key, etag, since) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, since = excluded.since
			WHERE feed_versions.etag != excluded.etag`, key, etag, toNanos(since)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT since FROM feed_versions WHERE key = ?`, key).Scan(&stored)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("db: record feed version %q: %w", key, err)
	}
	return fromNanos(stored), nil
}

// FeedVersionRecord is one row for SetFeedVersions.
type FeedVersionRecord struct {
	Key   string
	ETag  string
	Since time.Time
}

// SetFeedVersions records several feed versions (see SetFeedVersion) in
// one transaction, so that a server that renders many feeds costs the
// single writer one short write, not one per feed.
func (d *DB) SetFeedVersions(ctx context.Context, vs []FeedVersionRecord) error {
	if len(vs) == 0 {
		return nil
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO feed_versions (key, etag, since) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, since = excluded.since`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, v := range vs {
			if _, err := st.ExecContext(ctx, v.Key, v.ETag, toNanos(v.Since)); err != nil {
				return fmt.Errorf("%q: %w", v.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("db: set feed versions: %w", err)
	}
	return nil
}
