package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// SetItemTopics replaces the topic membership of the items in m (item id ->
// topic slugs, in config order) in one transaction. Items not in m are not
// touched; ids that no longer exist are ignored. The change sequence is
// bumped only when some membership actually changed.
func (d *DB) SetItemTopics(ctx context.Context, m map[int64][]string) error {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	err := d.write(ctx, func(tx *sql.Tx) error {
		cur, err := tx.PrepareContext(ctx, `SELECT topic_slug FROM item_topics WHERE item_id = ? ORDER BY position`)
		if err != nil {
			return err
		}
		defer cur.Close()
		pub, err := tx.PrepareContext(ctx, `SELECT published FROM items WHERE id = ?`)
		if err != nil {
			return err
		}
		defer pub.Close()
		del, err := tx.PrepareContext(ctx, `DELETE FROM item_topics WHERE item_id = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO item_topics (item_id, topic_slug, position, published)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()

		changed := false
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
			want := compactSlugs(m[id])
			if slices.Equal(old, want) {
				continue
			}
			changed = true
			if _, err := del.ExecContext(ctx, id); err != nil {
				return err
			}
			for pos, slug := range want {
				if _, err := ins.ExecContext(ctx, id, slug, pos, published); err != nil {
					return err
				}
			}
		}
		if changed {
			return bumpChangeSeq(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("db: set item topics: %w", err)
	}
	return nil
}

// compactSlugs drops empty and repeated slugs, keeping the first order.
func compactSlugs(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" && !slices.Contains(out, s) {
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
