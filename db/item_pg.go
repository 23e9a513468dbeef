package db

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The PostgreSQL write path stores the new items of a fetch in a few
// statements whatever their number: every round trip to the server costs
// more than the insert itself. The items of a fetch that are new (not
// stored, not tombstoned, the first of their GUID in the fetch) are
// inserted by insertNewPG, all at once, with their tags and topics; the
// others (updates, unchanged items, a GUID repeated in the fetch) go
// through itemWriter.save one by one, after them, as on SQLite. The first
// occurrence of a GUID comes before its repeats, so the outcome is the
// one of saving the items in order.

// insertItemsPGSQL inserts the new items of one source, given as arrays
// of columns, in array order; it returns each one's id and GUID.
const insertItemsPGSQL = `INSERT INTO items (source_id, guid, link, canonical_link, title, summary, content,
	authors, categories, enclosures, image_url, language, published, updated, first_seen, hash,
	full_text, article_tries, article_next, article_error)
	SELECT ?, u.guid, u.link, u.canonical_link, u.title, u.summary, u.content,
		u.authors, u.categories, u.enclosures, u.image_url, u.language, u.published, u.updated, u.first_seen, u.hash,
		u.full_text, u.article_tries, u.article_next, u.article_error
	FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
		?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[],
		?::text[], ?::integer[], ?::bigint[], ?::text[])
		WITH ORDINALITY AS u(guid, link, canonical_link, title, summary, content,
		authors, categories, enclosures, image_url, language, published, updated, first_seen, hash,
		full_text, article_tries, article_next, article_error, ord)
	ORDER BY u.ord
	RETURNING id, guid`

// insertMembersPGSQL inserts the rows of item_tags or item_topics (the
// table and its slug column are substituted), in array order; a slug
// repeated for one item keeps its first position.
const insertMembersPGSQL = `INSERT INTO %s (item_id, %s, position, published)
	SELECT u.id, u.slug, u.pos, u.published
	FROM unnest(?::bigint[], ?::text[], ?::integer[], ?::bigint[]) WITH ORDINALITY AS u(id, slug, pos, published, ord)
	ORDER BY u.ord
	ON CONFLICT DO NOTHING RETURNING %s`

// members are rows of item_tags or item_topics, as columns.
type members struct {
	ids       []int64
	slugs     []string
	pos       []int32
	published []int64
}

func (m *members) add(id int64, slug string, pos int, published int64) {
	m.ids = append(m.ids, id)
	m.slugs = append(m.slugs, slug)
	m.pos = append(m.pos, int32(pos))
	m.published = append(m.published, published)
}

// insert stores the rows in table (column col holds the slug) and calls
// added for each slug of a row inserted.
func (m *members) insert(ctx context.Context, w *itemWriter, table, col string, added func(string)) error {
	if len(m.ids) == 0 {
		return nil
	}
	rows, err := w.queryContext(ctx, fmt.Sprintf(insertMembersPGSQL, table, col, col), m.ids, m.slugs, m.pos, m.published)
	if err != nil {
		return err
	}
	return eachRow(rows, added)
}

// insertNewPG inserts the items of the fetch of source that are new, with
// their tags and topics, and returns their ids by index in items (the
// items it leaves out are to be saved one by one). w.known must hold the
// lookup of items, and the tags of items must exist (upsertTagsPG).
func (w *itemWriter) insertNewPG(ctx context.Context, source string, items []Item, now time.Time) (map[int]int64, error) {
	var idx []int
	var first map[string]bool
	for i := range items {
		guid := items[i].GUID
		if k := w.known[guid]; k.id != 0 || k.tomb || first[guid] {
			continue
		}
		if first == nil {
			first = map[string]bool{}
		}
		first[guid] = true
		idx = append(idx, i)
	}
	w.fresh = w.fresh[:0]
	if len(idx) == 0 {
		return nil, nil
	}
	n := len(idx)
	text := make([][]string, 14) // the text columns, in insertItemsPGSQL's order
	for k := range text {
		text[k] = make([]string, n)
	}
	published, updated, firstSeen, next := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	tries := make([]int32, n)
	saved := make([]Item, n)
	for j, i := range idx {
		it := items[i] // a copy: defaults below must not leak into the caller's slice
		it.fillDefaults(now)
		authors, categories, enclosures, err := itemJSON(&it)
		if err != nil {
			return nil, fmt.Errorf("item %q: %w", it.GUID, err)
		}
		for k, v := range []string{it.GUID, it.Link, it.CanonicalLink, it.Title, it.Summary, it.Content,
			authors, categories, enclosures, it.ImageURL, it.Language, it.Hash, it.FullText, it.Article.Err} {
			text[k][j] = v
		}
		published[j], updated[j], firstSeen[j] = toNanos(it.Published), toNanos(it.Updated), toNanos(it.FirstSeen)
		tries[j], next[j] = int32(it.Article.Tries), toNanos(it.Article.Next)
		saved[j] = it
	}
	rows, err := w.queryContext(ctx, insertItemsPGSQL, source,
		text[0], text[1], text[2], text[3], text[4], text[5], text[6], text[7], text[8], text[9], text[10],
		published, updated, firstSeen, text[11], text[12], tries, next, text[13])
	if err != nil {
		return nil, fmt.Errorf("insert: %w", err)
	}
	byGUID := make(map[string]int64, n)
	for rows.Next() {
		var id int64
		var guid string
		if err := rows.Scan(&id, &guid); err != nil {
			rows.Close()
			return nil, fmt.Errorf("insert: %w", err)
		}
		byGUID[guid] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insert: %w", err)
	}
	ids := make(map[int]int64, n)
	var tags, topics members
	for j, i := range idx {
		it := &saved[j]
		id := byGUID[it.GUID]
		if id == 0 {
			return nil, fmt.Errorf("item %q: insert returned no id", it.GUID)
		}
		ids[i] = id
		w.fresh = append(w.fresh, id)
		w.known[it.GUID] = stored{id: id, hash: it.Hash, article: it.Article}
		w.ch.itemAdded(id)
		for pos, t := range it.Tags {
			if t.Slug != "" {
				tags.add(id, t.Slug, pos, published[j])
			}
		}
		for pos, slug := range it.Topics {
			if slug != "" {
				topics.add(id, slug, pos, published[j])
			}
		}
	}
	if err := tags.insert(ctx, w, "item_tags", "tag_slug", w.ch.tagAdded); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	if err := topics.insert(ctx, w, "item_topics", "topic_slug", w.ch.topicAdded); err != nil {
		return nil, fmt.Errorf("topics: %w", err)
	}
	return ids, nil
}

// upsertTagsPG creates the tags that items carry and are not in w.tags yet
// (named as the first item naming them names them), in one statement in
// slug order, and adds them to w.tags. A tag that exists is not touched,
// and not waited for: ON CONFLICT alone would wait for the transaction
// of another instance that has updated the tag's count and not committed
// yet, as every writer does when it flushes.
func (w *itemWriter) upsertTagsPG(ctx context.Context, items []Item) error {
	if w.tags == nil {
		w.tags = map[string]bool{}
	}
	names := map[string]string{}
	for _, it := range items {
		for _, t := range it.Tags {
			if _, ok := names[t.Slug]; t.Slug != "" && !ok && !w.tags[t.Slug] {
				names[t.Slug] = cmp.Or(t.Name, t.Slug)
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	slugs := slices.Sorted(maps.Keys(names))
	list := make([]string, len(slugs))
	for i, s := range slugs {
		list[i] = names[s]
	}
	if _, err := w.ExecContext(ctx, `INSERT INTO tags (slug, name)
		SELECT u.slug, u.name FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS u(slug, name, ord)
		WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.slug = u.slug) ORDER BY u.ord
		ON CONFLICT (slug) DO NOTHING`, slugs, list); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	for _, s := range slugs {
		w.tags[s] = true
	}
	return nil
}

// mayUpdate reports whether saving items may update a stored item (its
// GUID is stored): only then do item_tags rows get deleted, whose triggers
// take the tags' and feeds' rows in the order items come (see lockTags).
func (w *itemWriter) mayUpdate(items []Item) bool {
	for _, it := range items {
		if k := w.known[it.GUID]; k.id != 0 && !k.tomb {
			return true
		}
	}
	return false
}

// lockTagsPG locks the rows of the tags of items that this transaction
// has not locked yet, in slug order (FOR NO KEY UPDATE: the lock the
// tag-count updates take, which leaves other writers' references to the
// tags free). Taken before the first update of a stored item, these locks
// make concurrent writers wait for each other instead of deadlocking (see
// lockorder.go). The tags must exist (upsertTagsPG).
func (w *itemWriter) lockTagsPG(ctx context.Context, items []Item) error {
	var slugs []string
	for _, it := range items {
		for _, t := range it.Tags {
			if t.Slug != "" && !w.locked[t.Slug] {
				w.locked[t.Slug] = true
				slugs = append(slugs, t.Slug)
			}
		}
	}
	if len(slugs) == 0 {
		return nil
	}
	rows, err := w.queryContext(ctx, `SELECT slug FROM tags WHERE slug = ANY (?::text[])
		ORDER BY slug COLLATE "C" FOR NO KEY UPDATE`, slugs)
	if err != nil {
		return fmt.Errorf("lock tags: %w", err)
	}
	for rows.Next() {
	}
	// A lock wait that ends in a deadlock fails here, not at Query.
	err = rows.Err()
	rows.Close()
	if err != nil {
		for _, s := range slugs {
			delete(w.locked, s)
		}
		return fmt.Errorf("lock tags: %w", err)
	}
	return nil
}

// prepareFetchPG readies the fetch of items for saving on PostgreSQL, once
// w.known holds their lookup: their tags exist, and, when the fetch may
// update a stored item, the tags of the whole batch (w.batch; the fetch's
// own outside SaveFetches) are locked in order.
func (w *itemWriter) prepareFetchPG(ctx context.Context, items []Item) error {
	if err := w.upsertTagsPG(ctx, items); err != nil {
		return err
	}
	if !w.mayUpdate(items) {
		return nil
	}
	if w.batch != nil {
		return w.lockTagsPG(ctx, w.batch)
	}
	return w.lockTagsPG(ctx, items)
}

// saveSourceStatePG is saveSourceState in an item writer's transaction on
// PostgreSQL: one statement writes the state and returns what published
// feeds showed of the source (URL, title, site, language). When that
// changed, the feeds of its items are recorded in w.ch, to be written in
// order as the transaction's changes are flushed, instead of by the
// trigger of sources in the middle of the transaction (where two
// instances' writes would take the same feed_changes rows in different
// orders): the trigger skips the transactions that set
// bantin.deferred_changes (migration 0016).
func (w *itemWriter) saveSourceStatePG(ctx context.Context, s Source) error {
	if !w.deferred {
		if _, err := w.ExecContext(ctx, `SELECT set_config('bantin.deferred_changes', 'on', true)`); err != nil {
			return err
		}
		w.deferred = true
	}
	var was Source
	err := w.QueryRowContext(ctx, saveStatePGSQL, append([]any{s.ID}, stateArgs(&s)...)...).
		Scan(&was.Title, &was.SiteURL, &was.URL, &was.Language)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if was.Title == s.Title && was.SiteURL == s.SiteURL && was.URL == s.URL && was.Language == s.Language {
		return nil
	}
	if was.Title != s.Title || was.SiteURL != s.SiteURL || was.URL != s.URL {
		w.ch.dirty = true // the change sequence moves, as saveSourceState bumps it
	}
	// The feeds of the items this fetch inserted are recorded already: a
	// source seen for the first time (the rule in a first ingest) has no
	// other, and its feeds need no search.
	var older int64
	err = w.QueryRowContext(ctx, `SELECT id FROM items WHERE source_id = ? AND NOT (id = ANY (?::bigint[])) LIMIT 1`,
		s.ID, append([]int64{}, w.fresh...)).Scan(&older)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	rows, err := w.queryContext(ctx, `SELECT DISTINCT 'topic/' || m.topic_slug FROM items i
			JOIN item_topics m ON m.item_id = i.id WHERE i.source_id = ?1
		UNION SELECT DISTINCT 'tag/' || m.tag_slug FROM items i
			JOIN item_tags m ON m.item_id = i.id WHERE i.source_id = ?1`, s.ID)
	if err != nil {
		return err
	}
	return eachRow(rows, w.ch.feed)
}

// saveStatePGSQL writes the state of source ?1 (stateCols, from ?2 on)
// and returns its URL, title, site and language as they were.
var saveStatePGSQL = func() string {
	var b strings.Builder
	b.WriteString("UPDATE sources s SET ")
	for i, c := range stateCols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = ?%d", c.name, i+2)
	}
	b.WriteString(` FROM (SELECT id, title, site_url, url, language FROM sources WHERE id = ?1 FOR UPDATE) o
		WHERE s.id = o.id RETURNING o.title, o.site_url, o.url, o.language`)
	return b.String()
}()

// lookupPG is itemWriter.lookup on PostgreSQL: the stored items and the
// tombstones of the fetch's GUIDs in one query.
func (w *itemWriter) lookupPG(ctx context.Context, sourceID string, items []Item, now time.Time) error {
	guids := make([]string, 0, len(items))
	for _, it := range items {
		if _, ok := w.known[it.GUID]; !ok {
			w.known[it.GUID] = stored{}
			guids = append(guids, it.GUID)
		}
	}
	clear(w.known)
	rows, err := w.queryContext(ctx, `SELECT guid, id, hash, article_tries, article_next, article_error, false
			FROM items WHERE source_id = ?1 AND guid = ANY (?2::text[])
		UNION ALL SELECT guid, 0, '', 0, 0, '', true FROM tombstones WHERE source_id = ?1 AND guid = ANY (?2::text[])`,
		sourceID, guids)
	if err != nil {
		return fmt.Errorf("look up items: %w", err)
	}
	var tombs []string
	for rows.Next() {
		var guid string
		var row stored
		var next int64
		if err := rows.Scan(&guid, &row.id, &row.hash, &row.article.Tries, &next, &row.article.Err, &row.tomb); err != nil {
			rows.Close()
			return fmt.Errorf("look up items: %w", err)
		}
		k := w.known[guid]
		if row.tomb {
			k.tomb = true
			tombs = append(tombs, guid)
		} else {
			row.article.Next = fromNanos(next)
			k.id, k.hash, k.article = row.id, row.hash, row.article
		}
		w.known[guid] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up items: %w", err)
	}
	if len(tombs) > 0 {
		if _, err := w.ExecContext(ctx, `UPDATE tombstones SET pruned_at = ? WHERE source_id = ? AND guid = ANY (?::text[])`,
			toNanos(now), sourceID, tombs); err != nil {
			return fmt.Errorf("touch tombstones: %w", err)
		}
	}
	return nil
}

// analyzeSources gathers the planner's statistics of sources on
// PostgreSQL, after SyncSources added some. Without them (a new desk, a
// large import, until autovacuum's next round) the planner takes a
// claim's lookup of one source by id for a range scan of the due
// sources (sources_due), which reads every due source for each candidate
// of each claim.
func analyzeSources(ctx context.Context, d *DB) error {
	if _, err := d.sql.ExecContext(ctx, `ANALYZE sources`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
