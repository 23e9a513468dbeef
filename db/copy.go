package db

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// copyTables are the tables Copy moves, parents before children.
// meta first: the change sequence the feed_changes triggers read.
var copyTables = []string{"meta", "sources", "items", "tags", "item_tags", "item_topics", "tombstones",
	"curations", "websub_subscriptions", "websub_upstream", "feed_versions"}

// CopyCount is the number of rows of one table in the source and in the
// destination after Copy.
type CopyCount struct {
	Table    string
	Src, Dst int
}

// Copy copies every stored row of src (sources and their fetch state,
// items, tags, topic membership, curations, tombstones, WebSub state, feed
// versions) into dst, which must hold no source and no item, in one
// transaction, then verifies that each table holds as many rows in dst as
// in src. The engines may differ (SQLite to PostgreSQL and back); columns
// that only one engine has (poller leases) are left at their defaults.
func Copy(ctx context.Context, dst, src *DB) ([]CopyCount, error) {
	var n int
	if err := dst.sql.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM sources) + (SELECT count(*) FROM items)`).Scan(&n); err != nil {
		return nil, fmt.Errorf("db: copy: read destination: %w", err)
	}
	if n > 0 {
		return nil, fmt.Errorf("db: copy: the destination database is not empty (%d sources and items): copy only into a new database", n)
	}
	err := dst.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta`); err != nil {
			return err
		}
		for _, table := range copyTables {
			if err := copyTable(ctx, tx, src, dst, table); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		if err := copiedChanges(ctx, tx, dst.pg); err != nil {
			return err
		}
		if dst.pg {
			_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('items', 'id'), coalesce(max(id), 0) + 1, false) FROM items`)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("db: copy: %w", err)
	}
	var counts []CopyCount
	var bad []string
	for _, table := range copyTables {
		c := CopyCount{Table: table}
		if err := src.sql.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&c.Src); err != nil {
			return nil, fmt.Errorf("db: copy: count %s: %w", table, err)
		}
		if err := dst.sql.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&c.Dst); err != nil {
			return nil, fmt.Errorf("db: copy: count %s: %w", table, err)
		}
		if c.Src != c.Dst {
			bad = append(bad, fmt.Sprintf("%s: %d rows in the source, %d copied", table, c.Src, c.Dst))
		}
		counts = append(counts, c)
	}
	if len(bad) > 0 {
		return counts, fmt.Errorf("db: copy: counts differ: %s", strings.Join(bad, "; "))
	}
	return counts, nil
}

// columns returns the column names of table in d.
func columns(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, table string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

// copyTable copies the rows of table from src into tx on dst, the columns
// both have (tags.count excepted: copiedChanges counts).
func copyTable(ctx context.Context, tx *sql.Tx, src, dst *DB, table string) error {
	from, err := columns(ctx, src.sql, table)
	if err != nil {
		return err
	}
	to, err := columns(ctx, tx, table)
	if err != nil {
		return err
	}
	var cols []string
	for _, c := range from {
		if slices.Contains(to, c) && !(table == "tags" && c == "count") {
			cols = append(cols, c)
		}
	}
	rows, err := src.sql.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return err
	}
	defer rows.Close()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+placeholders(len(cols))+`)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				vals[i] = string(x)
			case int64:
				if table == "meta" { // untyped on SQLite, TEXT on PostgreSQL
					vals[i] = fmt.Sprint(x)
				}
			}
			if k, ok := vals[i].(string); ok && table == "feed_versions" && cols[i] == "key" {
				// Announcement keys of older SQLite desks are separated
				// by NUL bytes, which PostgreSQL refuses: tabs now.
				vals[i] = strings.ReplaceAll(k, "\x00", "\t")
			}
		}
		if _, err := ins.ExecContext(ctx, vals...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// copiedChanges records, in tx on dst, what inserts record outside their
// own rows (see txChanges): each tag's count, every feed as changed, and
// on SQLite every item as to be indexed for search. The change sequence
// stays the copied one.
func copiedChanges(ctx context.Context, tx *sql.Tx, pg bool) error {
	var ch txChanges
	counts, err := countBy(ctx, tx, `SELECT tag_slug, count(*) FROM item_tags GROUP BY tag_slug`)
	if err != nil {
		return fmt.Errorf("count tags: %w", err)
	}
	for slug, n := range counts {
		ch.tagAdded(slug)
		ch.tags[slug] = n
	}
	st, err := tx.PrepareContext(ctx, `SELECT DISTINCT topic_slug FROM item_topics`)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	defer st.Close()
	topics, err := queryStrings(ctx, st)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	for _, slug := range topics {
		ch.topicAdded(slug)
	}
	if !pg {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO search_queue (item_id) SELECT id FROM items`); err != nil {
			return fmt.Errorf("queue items for search: %w", err)
		}
	}
	ch.dirty = false // the copy keeps the source's change sequence
	return ch.flush(ctx, tx, pg)
}
