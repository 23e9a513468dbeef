package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cursor is a position in a feed ordered newest first: the (Published, ID)
// of the last item of the previous page.
type Cursor struct {
	Published time.Time
	ID        int64
}

// String encodes c as "UNIXNANO_ID", URL-safe; ParseCursor reverses it.
func (c Cursor) String() string {
	return strconv.FormatInt(toNanos(c.Published), 10) + "_" + strconv.FormatInt(c.ID, 10)
}

// ParseCursor decodes a Cursor written by Cursor.String.
func ParseCursor(s string) (Cursor, error) {
	p, id, ok := strings.Cut(s, "_")
	if !ok {
		return Cursor{}, fmt.Errorf("db: bad cursor %q", s)
	}
	n, err := strconv.ParseInt(p, 10, 64)
	if err != nil {
		return Cursor{}, fmt.Errorf("db: bad cursor %q: %w", s, err)
	}
	i, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return Cursor{}, fmt.Errorf("db: bad cursor %q: %w", s, err)
	}
	return Cursor{Published: fromNanos(n), ID: i}, nil
}

// CursorOf returns the cursor that pages past it.
func CursorOf(it Item) Cursor { return Cursor{Published: it.Published, ID: it.ID} }

// ItemQuery selects a page of a topic or tag feed.
type ItemQuery struct {
	Limit int // items per page; <= 0 means 50
	// Before, when set, returns only items strictly older than the cursor:
	// Published earlier, or equal Published and a smaller ID.
	Before *Cursor
	// SkipHidden leaves out items hidden in the topic (TopicItems only).
	SkipHidden bool
}

// DefaultLimit is the page size of an ItemQuery without Limit.
const DefaultLimit = 50

// TopicItems returns a page of the items that belong to topic slug, newest
// first by Published then ID, with Tags, Topics, Authors, Categories,
// Enclosures and the Source fields. It uses one index range scan whatever
// the number of stored items.
func (d *DB) TopicItems(ctx context.Context, slug string, q ItemQuery) ([]Item, error) {
	items, err := d.feedItems(ctx, "item_topics", "topic_slug", slug, q)
	if err != nil {
		return nil, fmt.Errorf("db: items of topic %q: %w", slug, err)
	}
	return items, nil
}

// TagItems is TopicItems for the items carrying tag slug (SkipHidden does
// not apply: curation is per topic).
func (d *DB) TagItems(ctx context.Context, slug string, q ItemQuery) ([]Item, error) {
	q.SkipHidden = false
	items, err := d.feedItems(ctx, "item_tags", "tag_slug", slug, q)
	if err != nil {
		return nil, fmt.Errorf("db: items of tag %q: %w", slug, err)
	}
	return items, nil
}

// feedItems pages through a membership table (item_topics or item_tags),
// whose (slug, published DESC, item_id DESC) index gives the feed order.
func (d *DB) feedItems(ctx context.Context, table, slugCol, slug string, q ItemQuery) ([]Item, error) {
	query, args := feedQuery(table, slugCol, slug, q)
	return d.queryItems(ctx, query, args...)
}

func feedQuery(table, slugCol, slug string, q ItemQuery) (string, []any) {
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	where := []string{"m." + slugCol + " = ?"}
	args := []any{slug}
	if q.Before != nil {
		where = append(where, "(m.published, m.item_id) < (?, ?)")
		args = append(args, toNanos(q.Before.Published), q.Before.ID)
	}
	if q.SkipHidden && table == "item_topics" {
		where = append(where, `NOT EXISTS (SELECT 1 FROM curations c
			WHERE c.topic = m.topic_slug AND c.item_id = m.item_id AND c.action = 'hide')`)
	}
	args = append(args, q.Limit)
	return `SELECT ` + pageItemCols + ` FROM ` + table + ` m
		JOIN items i ON i.id = m.item_id JOIN sources s ON s.id = i.source_id
		WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY m.published DESC, m.item_id DESC LIMIT ?`, args
}

// Tags returns the tags that have at least one item, with Count, by slug.
func (d *DB) Tags(ctx context.Context) ([]Tag, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT slug, name, count FROM tags WHERE count > 0 ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("db: list tags: %w", err)
	}
	defer rows.Close()
	var out []Tag
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.Slug, &t.Name, &t.Count); err != nil {
			return nil, fmt.Errorf("db: list tags: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list tags: %w", err)
	}
	return out, nil
}

// Tag returns the tag with that slug if it has at least one item, else
// ErrNotFound.
func (d *DB) Tag(ctx context.Context, slug string) (Tag, error) {
	var t Tag
	err := d.sql.QueryRowContext(ctx, `SELECT slug, name, count FROM tags WHERE slug = ? AND count > 0`, slug).
		Scan(&t.Slug, &t.Name, &t.Count)
	if errors.Is(err, sql.ErrNoRows) {
		return Tag{}, fmt.Errorf("db: tag %q: %w", slug, ErrNotFound)
	}
	if err != nil {
		return Tag{}, fmt.Errorf("db: read tag %q: %w", slug, err)
	}
	return t, nil
}

// FeedChanges returns the change sequence and the keys of the published
// feeds changed after sequence since: "topic/SLUG", "tag/SLUG", and
// "tags" when the list of tags with items (or a tag's name) changed. Both
// are read in one snapshot. A key may be reported again later (a write
// still in progress records its changes under the sequence it is about
// to reach).
func (d *DB) FeedChanges(ctx context.Context, since int64) (int64, []string, error) {
	tx, err := d.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, nil, fmt.Errorf("db: feed changes: %w", err)
	}
	defer tx.Rollback()
	var seq int64
	err = tx.QueryRowContext(ctx, `SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'change_seq'`).Scan(&seq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("db: feed changes: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT key FROM feed_changes WHERE seq > ?`, since)
	if err != nil {
		return 0, nil, fmt.Errorf("db: feed changes: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return 0, nil, fmt.Errorf("db: feed changes: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("db: feed changes: %w", err)
	}
	return seq, keys, nil
}
