package db

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// txChanges collects what the inserts of one write transaction change
// beyond their own rows, and flush writes it once, before the commit: the
// published feeds they change (feed_changes), the tags' item counts, and
// the items to index for search. Inserts into items, item_tags and
// item_topics fire no trigger (migration 0012): a trigger made SQLite
// keep a statement journal for every insert, and upsert feed_changes once
// per membership. Updates and deletes still record theirs by trigger.
type txChanges struct {
	feeds  map[string]bool // feed_changes keys
	tags   map[string]int  // tag slug -> change of its count
	search []int64         // new items, to queue for search (SQLite)
	// dirty: something published changed, the change sequence is bumped.
	dirty bool
}

// topicAdded records an inserted item_topics row.
func (c *txChanges) topicAdded(slug string) {
	c.feed("topic/" + slug)
}

// tagAdded records an inserted item_tags row.
func (c *txChanges) tagAdded(slug string) {
	if c.tags == nil {
		c.tags = map[string]int{}
	}
	c.tags[slug]++
	c.feed("tag/" + slug)
}

// itemAdded records an inserted item.
func (c *txChanges) itemAdded(id int64) {
	c.search = append(c.search, id)
	c.dirty = true
}

func (c *txChanges) feed(key string) {
	if c.feeds == nil {
		c.feeds = map[string]bool{}
	}
	c.feeds[key] = true
	c.dirty = true
}

// flush writes the changes collected inside the transaction that tx runs,
// and bumps the change sequence when anything published changed (the
// feeds are recorded under the value it takes, as the triggers record
// theirs). Keys and slugs are written in order, so that concurrent writers
// on PostgreSQL take their row locks in one order.
func (c *txChanges) flush(ctx context.Context, tx txRunner, pg bool) error {
	if pg {
		return c.flushPG(ctx, tx)
	}
	for _, slug := range slices.Sorted(maps.Keys(c.tags)) {
		if n := c.tags[slug]; n != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE tags SET count = count + ? WHERE slug = ?`, n, slug); err != nil {
				return fmt.Errorf("count tag %q: %w", slug, err)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(c.feeds)) {
		if _, err := tx.ExecContext(ctx, feedChangedSQL, key); err != nil {
			return fmt.Errorf("record feed change %q: %w", key, err)
		}
	}
	if len(c.search) > 0 {
		// One statement for the whole list: the queue is a table of ids.
		b := make([]byte, 0, 8*len(c.search)+2)
		b = append(b, '[')
		for i, id := range c.search {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, id, 10)
		}
		b = append(b, ']')
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO search_queue (item_id) SELECT value FROM json_each(?)`,
			string(b)); err != nil {
			return fmt.Errorf("queue items for search: %w", err)
		}
	}
	if c.dirty {
		return bumpChangeSeq(ctx, tx)
	}
	return nil
}

// feedChangedSQL records that the published feed key changes under the
// next change sequence (as the feed_changes triggers do).
const feedChangedSQL = `INSERT INTO feed_changes (key, seq)
	SELECT ?, CAST(value AS BIGINT) + 1 FROM meta WHERE key = 'change_seq'
	ON CONFLICT (key) DO UPDATE SET seq = excluded.seq`

// flushPG is flush on PostgreSQL: one call of bantin_write_changes
// (migration 0016), which takes the shared rows in the same order as
// flush's statements would (new items are queued for search by trigger).
func (c *txChanges) flushPG(ctx context.Context, tx txRunner) error {
	if len(c.tags) == 0 && len(c.feeds) == 0 && !c.dirty {
		return nil
	}
	slugs := make([]string, 0, len(c.tags))
	counts := make([]int32, 0, len(c.tags))
	for slug, n := range c.tags {
		slugs = append(slugs, slug)
		counts = append(counts, int32(n))
	}
	keys := slices.Collect(maps.Keys(c.feeds))
	if keys == nil {
		keys = []string{}
	}
	if _, err := tx.ExecContext(ctx, `SELECT bantin_write_changes(?::text[], ?::integer[], ?::text[], ?)`,
		slugs, counts, keys, c.dirty); err != nil {
		return fmt.Errorf("record changes: %w", err)
	}
	return nil
}
