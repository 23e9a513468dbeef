package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// OpenReadOnly opens an existing database for reading only: it never
// creates the file, never migrates, and every write fails. For commands
// that only look (bantin check). A missing file is an error wrapping
// fs.ErrNotExist.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path, true, true)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("db: resolve path %q: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("db: open %q: %w", path, err)
	}
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(abs)}
	sdb, err := sql.Open("sqlite", u.String()+"?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("db: open %q: %w", path, err)
	}
	sdb.SetMaxOpenConns(2)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("db: open %q: %w", path, err)
	}
	return &DB{sql: sdb, wlock: make(chan struct{}, 1), now: time.Now}, nil
}

// TopicSlugs returns the slugs of the topics that have stored members,
// sorted.
func (d *DB) TopicSlugs(ctx context.Context) ([]string, error) {
	// One index seek per slug rather than a scan of every membership.
	rows, err := d.sql.QueryContext(ctx, `WITH RECURSIVE s(slug) AS (
			SELECT min(topic_slug) FROM item_topics
			UNION ALL
			SELECT (SELECT min(topic_slug) FROM item_topics WHERE topic_slug > s.slug) FROM s WHERE s.slug IS NOT NULL
		) SELECT slug FROM s WHERE slug IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("db: list topics: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("db: list topics: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list topics: %w", err)
	}
	return out, nil
}

// RenameCurations moves the curations stored under topic from to topic
// to (a topic renamed, from being its old slug), in one transaction. An
// item that already has a curation in to keeps that one; its curation in
// from is dropped. It returns the number of curations moved.
func (d *DB) RenameCurations(ctx context.Context, from, to string) (int, error) {
	if from == "" || to == "" || from == to {
		return 0, fmt.Errorf("db: rename curations %q to %q: two different topics needed", from, to)
	}
	n := 0
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE curations SET topic = ?1 WHERE topic = ?2
			AND item_id NOT IN (SELECT item_id FROM curations WHERE topic = ?1)`, to, from)
		if err != nil {
			return err
		}
		m, err := res.RowsAffected()
		if err != nil {
			return err
		}
		n = int(m)
		dropped, err := tx.ExecContext(ctx, `DELETE FROM curations WHERE topic = ?`, from)
		if err != nil {
			return err
		}
		if k, err := dropped.RowsAffected(); err != nil {
			return err
		} else if n == 0 && k == 0 {
			return nil
		}
		return bumpChangeSeq(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("db: rename curations %q to %q: %w", from, to, err)
	}
	return n, nil
}
