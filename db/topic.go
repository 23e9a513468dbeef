package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"

	"bantin/internal/dedupe"
)

// SetItemTopics replaces the topic membership of the items in m (item id ->
// topic slugs, in config order) in one transaction. Items not in m are not
// touched; ids that no longer exist are ignored. The change sequence is
// bumped only when some membership actually changed.
func (d *DB) SetItemTopics(ctx context.Context, m map[int64][]string) error {
	want := make(map[int64][]string, len(m))
	for id, slugs := range m {
		want[id] = compactSlugs(slugs)
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		var ch txChanges
		if err := replaceMembership(ctx, tx, "item_topics", "topic_slug", want, &ch, nil); err != nil {
			return err
		}
		return ch.flush(ctx, tx, d.pg)
	})
	if err != nil {
		return fmt.Errorf("db: set item topics: %w", err)
	}
	return nil
}

// replaceMembership makes the rows of a membership table (item_topics or
// item_tags, slugs in column col) of each item in want hold the item's
// slugs in order, inside tx; each item whose rows already do is left as is.
// Items that no longer exist are ignored. before, if not nil, runs before
// a slug is inserted. What changed is recorded in ch (dirty when any
// item's rows changed), for ch.flush.
func replaceMembership(ctx context.Context, tx *sql.Tx, table, col string, want map[int64][]string,
	ch *txChanges, before func(slug string) error) error {
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var cur, pub, del, ins *sql.Stmt
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&cur, `SELECT ` + col + ` FROM ` + table + ` WHERE item_id = ? ORDER BY position`},
		{&pub, `SELECT published FROM items WHERE id = ?`},
		{&del, `DELETE FROM ` + table + ` WHERE item_id = ?`},
		{&ins, `INSERT INTO ` + table + ` (item_id, ` + col + `, position, published) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`},
	} {
		st, err := tx.PrepareContext(ctx, p.sql)
		if err != nil {
			return err
		}
		defer st.Close()
		*p.dst = st
	}
	for _, id := range ids {
		var published int64
		err := pub.QueryRowContext(ctx, id).Scan(&published)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		old, err := queryStrings(ctx, cur, id)
		if err != nil {
			return err
		}
		if slices.Equal(old, want[id]) {
			continue
		}
		ch.dirty = true
		if _, err := del.ExecContext(ctx, id); err != nil {
			return err
		}
		for pos, slug := range want[id] {
			if before != nil {
				if err := before(slug); err != nil {
					return err
				}
			}
			r, err := ins.ExecContext(ctx, id, slug, pos, published)
			if err != nil {
				return fmt.Errorf("%s %q: %w", col, slug, err)
			}
			if n, err := r.RowsAffected(); err != nil {
				return fmt.Errorf("%s %q: %w", col, slug, err)
			} else if n > 0 && table == "item_tags" {
				ch.tagAdded(slug)
			} else if n > 0 {
				ch.topicAdded(slug)
			}
		}
	}
	return nil
}

// compactSlugs drops empty and repeated slugs, keeping the first order.
func compactSlugs(in []string) []string {
	out := make([]string, 0, len(in))
	var seen dedupe.Seen[string]
	for _, s := range in {
		if s != "" && seen.Add(s) {
			out = append(out, s)
		}
	}
	return out
}

func queryStrings(ctx context.Context, st *sql.Stmt, args ...any) ([]string, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// TopicCounts returns the number of stored items that belong to each topic
// (topics without items are absent).
func (d *DB) TopicCounts(ctx context.Context) (map[string]int, error) {
	out, err := countBy(ctx, d.sql, `SELECT topic_slug, count(*) FROM item_topics GROUP BY topic_slug`)
	if err != nil {
		return nil, fmt.Errorf("db: count topic items: %w", err)
	}
	return out, nil
}
