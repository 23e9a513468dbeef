package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"
	"unicode/utf8"

	"bantin/internal/dedupe"
)

// SaveResult tells what one SaveFetch changed.
type SaveResult struct {
	New, Updated int
	IDs          []int64 // IDs of the new and updated items, in input order
	// Tombstoned counts the items left out because they were pruned
	// before (a tombstone keeps an identity still listed upstream from
	// being stored again).
	Tombstoned int
}

// SaveFetch stores the outcome of one successful fetch of source s in ONE
// transaction: a crash at any moment leaves all of it or none of it.
//
// Items are matched by (s.ID, GUID). A new item is inserted with FirstSeen
// as given (now when zero; Published when zero becomes FirstSeen). A known
// item whose Hash differs is updated in place: it keeps its ID and
// FirstSeen, and its tags and topics are replaced by the given ones. A
// known item with the same Hash is left untouched, and so is a known item
// that a Recovered item would give a shorter or emptier title, summary or
// content. An item whose identity
// has a tombstone (it was pruned) is skipped. An item without Hash gets one
// computed from its content. Items must have a GUID and a SourceID of ""
// or s.ID.
//
// The source state is written as SaveSourceState does, except that
// LastNew and LastUpdated are set to the counts of this call. The change
// sequence is bumped when any item was inserted or updated.
func (d *DB) SaveFetch(ctx context.Context, s Source, items []Item) (SaveResult, error) {
	if err := checkFetch(s, items); err != nil {
		return SaveResult{}, fmt.Errorf("db: save fetch of %q: %w", s.ID, err)
	}
	var res SaveResult
	err := d.write(ctx, func(tx *sql.Tx) error {
		w := d.newItemWriter(tx)
		defer w.close()
		var err error
		if res, err = w.saveFetch(ctx, s, items, d.now(), nil); err != nil {
			return err
		}
		return w.ch.flush(ctx, w, d.pg)
	})
	if err != nil {
		return SaveResult{}, fmt.Errorf("db: save fetch of %q: %w", s.ID, err)
	}
	return res, nil
}

// Fetch is the outcome of polling one source, for SaveFetches.
type Fetch struct {
	Source Source
	// Items are the items of a feed read this time, stored as SaveFetch
	// stores them; nil when no feed was read (a 304, a failure): only the
	// source state is stored, as SaveSourceState stores it.
	Items []Item
	// Lease, when not "", is the poller whose lease of the source ends
	// with this write, in its transaction (PostgreSQL; see ClaimSources).
	Lease string
	// Skips, when set, gives the source's LastSkipped and LastSkipReason
	// to store when SaveFetches leaves tombstoned items out (called with
	// their number, only when there are some), so that the state counts
	// them with the items the caller left out.
	Skips func(tombstoned int) (skipped int, reason string)
}

// SaveFetches stores several fetches in one transaction (group commit):
// each as SaveFetch (or SaveSourceState, without Items) would store it,
// and the whole commits at once, so a crash at any moment leaves all of
// them or none. A fetch that cannot be stored (its source is gone, an
// item is invalid) is left out, with its error in errs, and the others
// are stored without it: each source is all or nothing. err is an error
// of the transaction itself (begin, commit), for which nothing is stored.
func (d *DB) SaveFetches(ctx context.Context, fetches []Fetch) (res []SaveResult, errs []error, err error) {
	res = make([]SaveResult, len(fetches))
	errs = make([]error, len(fetches))
	left := 0
	for i, f := range fetches {
		if f.Items != nil {
			errs[i] = checkFetch(f.Source, f.Items)
		}
		if errs[i] == nil {
			left++
		}
	}
	// A fetch that fails rolls the transaction back; it is tried again
	// without that fetch (failures are rare: one transaction is the rule).
	for left > 0 {
		failed := -1
		err = d.write(ctx, func(tx *sql.Tx) error {
			w := d.newItemWriter(tx)
			defer w.close()
			// Only the leases still held are stored (PostgreSQL).
			if err := holdLeases(ctx, w, fetches, errs); err != nil {
				return err
			}
			// The tags of the whole batch, locked in one order.
			if err := lockShared(ctx, w, fetches, errs); err != nil {
				return err
			}
			// The states without items go in one statement on
			// PostgreSQL (see saveStates).
			wrote, err := saveStates(ctx, w, fetches, errs)
			if err != nil {
				return err
			}
			for i, f := range fetches {
				if errs[i] != nil || wrote[i] {
					continue
				}
				var err error
				if f.Items == nil {
					err = saveSourceState(ctx, w, f.Source)
				} else {
					res[i], err = w.saveFetch(ctx, f.Source, f.Items, d.now(), f.Skips)
				}
				if err != nil {
					if d.pg && pgRetryable(err) {
						// A deadlock with another instance's write is
						// no fault of this fetch: the whole transaction
						// runs again (DB.write).
						return err
					}
					failed, errs[i] = i, err
					return err
				}
			}
			if err := releaseFetched(ctx, w, fetches, errs, wrote); err != nil {
				return err
			}
			// Last: the rows the writers of every instance share stay
			// locked from here to the commit only.
			return w.ch.flush(ctx, w, d.pg)
		})
		if failed < 0 {
			break
		}
		left--
		err = nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("db: save %d fetches: %w", len(fetches), err)
	}
	for i, f := range fetches {
		switch {
		case errs[i] == nil:
		case f.Items == nil:
			errs[i] = fmt.Errorf("db: save source %q: %w", f.Source.ID, errs[i])
		default:
			errs[i] = fmt.Errorf("db: save fetch of %q: %w", f.Source.ID, errs[i])
		}
	}
	return res, errs, nil
}

// checkFetch checks the items of a fetch of s before anything is written.
func checkFetch(s Source, items []Item) error {
	for i := range items {
		it := &items[i]
		if it.GUID == "" {
			return fmt.Errorf("item %d has no GUID", i)
		}
		if it.SourceID != "" && it.SourceID != s.ID {
			return fmt.Errorf("item %d belongs to source %q", i, it.SourceID)
		}
	}
	return nil
}

// saveFetch is SaveFetch inside w's transaction (checkFetch done).
func (w *itemWriter) saveFetch(ctx context.Context, s Source, items []Item, clock time.Time, skips func(int) (int, string)) (SaveResult, error) {
	var res SaveResult
	bump, err := w.sourceBefore(ctx, s)
	if errors.Is(err, ErrNotFound) {
		return res, fmt.Errorf("source %q: %w", s.ID, ErrNotFound)
	}
	if err != nil {
		return res, fmt.Errorf("source state: %w", err)
	}
	if err := w.prepareItems(ctx); err != nil {
		return res, err
	}
	clear(w.known) // GUIDs are per source
	if err := w.lookup(ctx, s.ID, items, clock); err != nil {
		return res, err
	}
	now := clock.UTC()
	var news map[int]int64 // PostgreSQL: the new items, stored at once (item_pg.go)
	if w.d.pg {
		if err := w.prepareFetchPG(ctx, items); err != nil {
			return res, err
		}
		if news, err = w.insertNewPG(ctx, s.ID, items, now); err != nil {
			return res, err
		}
	}
	counted := make(map[int64]bool, len(items))
	for i := range items {
		it := items[i] // a copy: defaults below must not leak into the caller's slice
		it.SourceID = s.ID
		id, outcome := news[i], saveNew
		if id == 0 {
			id, outcome, err = w.save(ctx, &it, now)
		}
		if err != nil {
			return res, fmt.Errorf("item %q: %w", it.GUID, err)
		}
		if outcome == saveSkipped {
			res.Tombstoned++
		}
		if outcome != saveNew && outcome != saveUpdated || counted[id] {
			continue // a GUID repeated in one fetch counts once
		}
		counted[id] = true
		res.IDs = append(res.IDs, id)
		if outcome == saveNew {
			res.New++
		} else {
			res.Updated++
		}
	}
	if err := w.flushMemberships(ctx); err != nil {
		return res, err
	}
	s.LastNew, s.LastUpdated = res.New, res.Updated
	if res.Tombstoned > 0 && skips != nil {
		s.LastSkipped, s.LastSkipReason = skips(res.Tombstoned)
	}
	if err := w.sourceAfter(ctx, s, bump); err != nil {
		if errors.Is(err, ErrNotFound) {
			return res, fmt.Errorf("source %q: %w", s.ID, ErrNotFound)
		}
		return res, fmt.Errorf("source state: %w", err)
	}
	if res.New+res.Updated > 0 {
		w.ch.dirty = true // the change sequence is bumped as w.ch is flushed
	}
	return res, nil
}

// sourceBefore is saveFetch's step before the items: it checks that the
// source exists and, on SQLite, writes what feeds show of it
// (saveSourceShown), reporting whether the change sequence must move;
// sourceAfter writes the rest of the state once the items are in (on
// PostgreSQL all of it, in one statement: saveSourceStatePG).
func (w *itemWriter) sourceBefore(ctx context.Context, s Source) (bool, error) {
	if !w.d.pg {
		return saveSourceShown(ctx, w, s)
	}
	var one int
	err := w.QueryRowContext(ctx, `SELECT 1 FROM sources WHERE id = ?`, s.ID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	return false, err
}

func (w *itemWriter) sourceAfter(ctx context.Context, s Source, bump bool) error {
	if w.d.pg {
		return w.saveSourceStatePG(ctx, s)
	}
	return saveSourcePoll(ctx, w, s, bump)
}

type saveOutcome int

const (
	saveSkipped saveOutcome = iota // tombstoned
	saveUnchanged
	saveNew
	saveUpdated
)

// insertItemSQL inserts an item; insertItemTail completes it.
const insertItemSQL = `INSERT INTO items (source_id, guid, link, canonical_link, title, summary, content,
	authors, categories, enclosures, image_url, language, published, updated, first_seen, hash,
	full_text, article_tries, article_next, article_error)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertItemTail is what insertItemSQL ends with: on PostgreSQL RETURNING
// id; nothing on SQLite, where the id is the last insert rowid, because
// SQLite runs RETURNING as a trigger, and a statement with a trigger keeps
// a statement journal (a copy of each page it changes).
func (d *DB) insertItemTail() string {
	if d.pg {
		return ` RETURNING id`
	}
	return ""
}

// lookupItemsSQL and lookupTombsSQL find which GUIDs of a fetch are stored
// or tombstoned; the IN list is appended.
const (
	lookupItemsSQL = `SELECT guid, id, hash, article_tries, article_next, article_error FROM items
		WHERE source_id = ? AND guid IN (`
	lookupTombsSQL = `SELECT guid FROM tombstones WHERE source_id = ? AND guid IN (`
	// touchTombsSQL records that tombstoned identities are still listed
	// upstream; the IN list is appended.
	touchTombsSQL = `UPDATE tombstones SET pruned_at = ? WHERE source_id = ? AND guid IN (`
)

// stored is what the database holds for one identity.
type stored struct {
	id      int64 // 0: no item
	hash    string
	tomb    bool
	article ArticleState
}

// itemWriter holds the statements SaveFetch runs for every item, and runs
// the statements of a transaction in their prepared forms (see
// DB.txStmt): it is a txRunner.
type itemWriter struct {
	d                                             *DB
	tx                                            *sql.Tx
	insert, update, article                       *sql.Stmt
	upsertTag, delTags, insTag, delTopics, insTop *sql.Stmt
	// stmts are the statements prepared for tx, by query.
	stmts map[string]*sql.Stmt
	// tags holds the slugs already upserted in this transaction.
	tags map[string]bool
	// known maps the GUIDs of the fetch to their stored state, kept up to
	// date as items are written (a GUID may repeat within a fetch).
	known map[string]stored
	// ch collects what the inserts change (feeds, tag counts, search
	// queue), written once per transaction by ch.flush.
	ch txChanges
	// locked holds the tag slugs whose rows this transaction has locked,
	// and batch the items of its fetches (PostgreSQL, see lockShared).
	locked map[string]bool
	batch  []Item
	// deferred: the sources trigger leaves the feeds to w.ch (PostgreSQL,
	// see showSourcePG).
	deferred bool
	// fresh: the ids of the items the current fetch inserted (PostgreSQL).
	fresh []int64
	// tagRows and topicRows are the memberships of the current fetch's
	// items, inserted together (SQLite, see flushMemberships).
	tagRows, topicRows []membership
	args               []any
}

// membership is a row of item_tags or item_topics.
type membership struct {
	item      int64
	slug      string
	pos       int
	published int64
}

// newItemWriter returns a writer for tx; the statements of items are
// prepared by the first saveFetch (a transaction that only stores source
// states, as re-polls of unchanged feeds do, needs none of them).
func (d *DB) newItemWriter(tx *sql.Tx) *itemWriter {
	return &itemWriter{d: d, tx: tx, stmts: map[string]*sql.Stmt{}, locked: map[string]bool{}, tags: map[string]bool{}}
}

// prepareItems prepares the statements of items, once.
func (w *itemWriter) prepareItems(ctx context.Context) error {
	if w.insert != nil {
		return nil
	}
	w.known = map[string]stored{}
	d := w.d
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&w.insert, insertItemSQL + d.insertItemTail()},
		{&w.update, `UPDATE items SET link = ?, canonical_link = ?, title = ?, summary = ?, content = ?,
			authors = ?, categories = ?, enclosures = ?, image_url = ?, language = ?, published = ?,
			updated = ?, hash = ?, full_text = ?, article_tries = ?, article_next = ?, article_error = ?
			WHERE id = ?`},
		{&w.article, `UPDATE items SET article_tries = ?, article_next = ?, article_error = ? WHERE id = ?`},
		{&w.upsertTag, `INSERT INTO tags (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO NOTHING`},
		{&w.delTags, `DELETE FROM item_tags WHERE item_id = ?`},
		{&w.insTag, `INSERT INTO item_tags (item_id, tag_slug, position, published) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`},
		{&w.delTopics, `DELETE FROM item_topics WHERE item_id = ?`},
		{&w.insTop, `INSERT INTO item_topics (item_id, topic_slug, position, published) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`},
	} {
		st, err := w.stmt(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		*p.dst = st
	}
	return nil
}

// stmt returns query prepared for w's transaction.
func (w *itemWriter) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := w.stmts[query]; st != nil {
		return st, nil
	}
	st, err := w.d.txStmt(ctx, w.tx, query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
}

// ExecContext runs query in w's transaction, prepared.
func (w *itemWriter) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryRowContext runs query in w's transaction, prepared.
func (w *itemWriter) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return w.tx.QueryRowContext(ctx, query, args...) // it reports the error
	}
	return st.QueryRowContext(ctx, args...)
}

// queryContext runs query in w's transaction, prepared.
func (w *itemWriter) queryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// inList returns the placeholders of an IN list for the n arguments of
// args (from index from on) and args padded to a size of few kinds
// (repeating the last argument), so that few statements are prepared.
func inList(args []any, from int) (string, []any) {
	n := len(args) - from
	size := 8
	for size < n {
		size *= 2
	}
	size = min(size, max(n, batchSize))
	for len(args)-from < size {
		args = append(args, args[len(args)-1])
	}
	return placeholders(size) + ")", args
}

// lookup loads into w.known the stored state of the GUIDs of items, with
// two queries per batchSize GUIDs, and marks the tombstones among them as
// seen upstream at now (PruneTombstones keeps those).
func (w *itemWriter) lookup(ctx context.Context, sourceID string, items []Item, now time.Time) error {
	if w.d.pg {
		return w.lookupPG(ctx, sourceID, items, now)
	}
	guids := make([]any, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if !seen[it.GUID] {
			seen[it.GUID] = true
			guids = append(guids, it.GUID)
		}
	}
	var tombs []any
	for start := 0; start < len(guids); start += batchSize {
		chunk := guids[start:min(start+batchSize, len(guids))]
		in, args := inList(append([]any{sourceID}, chunk...), 1)
		rows, err := w.queryContext(ctx, lookupItemsSQL+in, args...)
		if err != nil {
			return fmt.Errorf("look up items: %w", err)
		}
		for rows.Next() {
			var guid string
			var k stored
			var next int64
			if err := rows.Scan(&guid, &k.id, &k.hash, &k.article.Tries, &next, &k.article.Err); err != nil {
				rows.Close()
				return fmt.Errorf("look up items: %w", err)
			}
			k.article.Next = fromNanos(next)
			w.known[guid] = k
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("look up items: %w", err)
		}
		rows, err = w.queryContext(ctx, lookupTombsSQL+in, args...)
		if err != nil {
			return fmt.Errorf("look up tombstones: %w", err)
		}
		for rows.Next() {
			var guid string
			if err := rows.Scan(&guid); err != nil {
				rows.Close()
				return fmt.Errorf("look up tombstones: %w", err)
			}
			k := w.known[guid]
			k.tomb = true
			w.known[guid] = k
			tombs = append(tombs, guid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("look up tombstones: %w", err)
		}
		if len(tombs) > 0 {
			args := append([]any{toNanos(now), sourceID}, tombs...)
			if _, err := w.tx.ExecContext(ctx, touchTombsSQL+placeholders(len(tombs))+")", args...); err != nil {
				return fmt.Errorf("touch tombstones: %w", err)
			}
			tombs = tombs[:0]
		}
	}
	return nil
}

// wouldShorten reports whether writing it over the stored item id would
// make its title, summary or content shorter (in characters).
func (w *itemWriter) wouldShorten(ctx context.Context, id int64, it *Item) (bool, error) {
	var title, summary, content int
	err := w.tx.QueryRowContext(ctx, `SELECT length(title), length(summary), length(content) FROM items WHERE id = ?`, id).
		Scan(&title, &summary, &content)
	if err != nil {
		return false, fmt.Errorf("compare recovered item: %w", err)
	}
	return utf8.RuneCountInString(it.Title) < title || utf8.RuneCountInString(it.Summary) < summary ||
		utf8.RuneCountInString(it.Content) < content, nil
}

// keepPublished gives it, an undated item updating the stored item id,
// the stored Published (its first-seen time, or the date it had) and
// makes the fetch time, its Published until now, its Updated; it returns
// the Published to store.
func (w *itemWriter) keepPublished(ctx context.Context, id int64, it *Item) (int64, error) {
	var stored int64
	if err := w.tx.QueryRowContext(ctx, `SELECT published FROM items WHERE id = ?`, id).Scan(&stored); err != nil {
		return 0, fmt.Errorf("stored date: %w", err)
	}
	if kept := fromNanos(stored); !kept.IsZero() && kept.Before(it.Published) {
		if it.Updated.Before(it.Published) {
			it.Updated = it.Published
		}
		it.Published = kept
	}
	return toNanos(it.Published), nil
}

func (w *itemWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// fillDefaults sets what SaveFetch derives for an item that lacks it: the
// hash of its content, FirstSeen now, Published its FirstSeen.
func (it *Item) fillDefaults(now time.Time) {
	if it.Hash == "" {
		it.Hash = contentHash(it)
	}
	if it.FirstSeen.IsZero() {
		it.FirstSeen = now
	}
	if it.Published.IsZero() {
		it.Published = it.FirstSeen
	}
}

func (w *itemWriter) save(ctx context.Context, it *Item, now time.Time) (int64, saveOutcome, error) {
	k := w.known[it.GUID]
	if k.tomb {
		return 0, saveSkipped, nil
	}
	undated := it.Undated || it.Published.IsZero()
	it.fillDefaults(now)
	authors, categories, enclosures, err := itemJSON(it)
	if err != nil {
		return 0, 0, err
	}
	published := toNanos(it.Published)

	id := k.id
	var outcome saveOutcome
	switch {
	case id == 0:
		args := []any{it.SourceID, it.GUID, it.Link, it.CanonicalLink, it.Title,
			it.Summary, it.Content, authors, categories, enclosures, it.ImageURL, it.Language,
			published, toNanos(it.Updated), toNanos(it.FirstSeen), it.Hash,
			it.FullText, it.Article.Tries, toNanos(it.Article.Next), it.Article.Err}
		var err error
		if w.d.pg {
			err = w.insert.QueryRowContext(ctx, args...).Scan(&id)
		} else {
			var r sql.Result
			if r, err = w.insert.ExecContext(ctx, args...); err == nil {
				id, err = r.LastInsertId()
			}
		}
		if err != nil {
			return 0, 0, fmt.Errorf("insert: %w", err)
		}
		w.ch.itemAdded(id)
		outcome = saveNew
	case k.hash == it.Hash:
		// The state of a failed article fetch may change alone; the item,
		// as published, does not.
		if a := it.Article; a.Tries != k.article.Tries || !a.Next.Equal(k.article.Next) || a.Err != k.article.Err {
			if _, err := w.article.ExecContext(ctx, a.Tries, toNanos(a.Next), a.Err, id); err != nil {
				return 0, 0, fmt.Errorf("article state: %w", err)
			}
			k.article = a
			w.known[it.GUID] = k
		}
		return id, saveUnchanged, nil
	case it.Recovered:
		shorter, err := w.wouldShorten(ctx, id, it)
		if err != nil {
			return 0, 0, err
		}
		if shorter {
			return id, saveUnchanged, nil
		}
		fallthrough
	default:
		if undated {
			if published, err = w.keepPublished(ctx, id, it); err != nil {
				return 0, 0, err
			}
		}
		_, err := w.update.ExecContext(ctx, it.Link, it.CanonicalLink, it.Title, it.Summary, it.Content,
			authors, categories, enclosures, it.ImageURL, it.Language, published,
			toNanos(it.Updated), it.Hash, it.FullText, it.Article.Tries, toNanos(it.Article.Next), it.Article.Err, id)
		if err != nil {
			return 0, 0, fmt.Errorf("update: %w", err)
		}
		// The item may be a GUID repeated in the fetch, whose first
		// memberships wait in w.tagRows: they go before the delete.
		if err := w.flushMemberships(ctx); err != nil {
			return 0, 0, err
		}
		if _, err := w.delTags.ExecContext(ctx, id); err != nil {
			return 0, 0, err
		}
		if _, err := w.delTopics.ExecContext(ctx, id); err != nil {
			return 0, 0, err
		}
		outcome = saveUpdated
	}
	w.known[it.GUID] = stored{id: id, hash: it.Hash, article: it.Article}
	var tagSeen, topicSeen dedupe.Seen[string] // a slug repeated in it goes once
	for pos, t := range it.Tags {
		if t.Slug == "" {
			continue
		}
		name := t.Name
		if name == "" {
			name = t.Slug
		}
		if !w.tags[t.Slug] {
			if _, err := w.upsertTag.ExecContext(ctx, t.Slug, name); err != nil {
				return 0, 0, fmt.Errorf("tag %q: %w", t.Slug, err)
			}
			w.tags[t.Slug] = true
		}
		if !w.d.pg {
			if tagSeen.Add(t.Slug) {
				w.tagRows = append(w.tagRows, membership{id, t.Slug, pos, published})
			}
			continue
		}
		r, err := w.insTag.ExecContext(ctx, id, t.Slug, pos, published)
		if err != nil {
			return 0, 0, fmt.Errorf("tag %q: %w", t.Slug, err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return 0, 0, fmt.Errorf("tag %q: %w", t.Slug, err)
		} else if n > 0 { // 0 for a slug repeated in it.Tags
			w.ch.tagAdded(t.Slug)
		}
	}
	for pos, slug := range it.Topics {
		if slug == "" {
			continue
		}
		if !w.d.pg {
			if topicSeen.Add(slug) {
				w.topicRows = append(w.topicRows, membership{id, slug, pos, published})
			}
			continue
		}
		if _, err := w.insTop.ExecContext(ctx, id, slug, pos, published); err != nil {
			return 0, 0, fmt.Errorf("topic %q: %w", slug, err)
		}
		w.ch.topicAdded(slug)
	}
	return id, outcome, nil
}

// maxMembershipRows is the most rows one INSERT of memberships holds.
const maxMembershipRows = 64

// flushMemberships inserts the memberships the fetch's items collected
// (SQLite): a few INSERTs of up to maxMembershipRows rows each, of
// power-of-two sizes so that few statements are prepared, instead of one
// statement per row (the writer's work per statement, not per row, was
// half of what a membership cost).
func (w *itemWriter) flushMemberships(ctx context.Context) error {
	if len(w.tagRows)+len(w.topicRows) == 0 {
		return nil
	}
	if err := w.insertMemberships(ctx, tagRowsSQL, w.tagRows, w.ch.tagAdded); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	if err := w.insertMemberships(ctx, topicRowsSQL, w.topicRows, w.ch.topicAdded); err != nil {
		return fmt.Errorf("topics: %w", err)
	}
	clear(w.tagRows)
	clear(w.topicRows)
	w.tagRows, w.topicRows = w.tagRows[:0], w.topicRows[:0]
	return nil
}

// insertMemberships inserts rows with the statements of stmts (see
// membershipStatements), calling added with the slug of each.
func (w *itemWriter) insertMemberships(ctx context.Context, stmts []string, rows []membership, added func(string)) error {
	for len(rows) > 0 {
		n := maxMembershipRows
		for n > len(rows) {
			n /= 2
		}
		chunk := rows[:n]
		rows = rows[n:]
		args := w.args[:0]
		for _, m := range chunk {
			args = append(args, m.item, m.slug, m.pos, m.published)
		}
		w.args = args
		r, err := w.ExecContext(ctx, stmts[bits.TrailingZeros(uint(n))], args...)
		clear(args)
		if err != nil {
			return err
		}
		// Every row is new: an item's memberships are deleted before it
		// is written again, and a slug repeated in an item is left out.
		if got, err := r.RowsAffected(); err != nil {
			return err
		} else if got != int64(n) {
			return fmt.Errorf("%d of %d rows inserted (a membership stored twice?)", got, n)
		}
		for _, m := range chunk {
			added(m.slug)
		}
	}
	return nil
}

// tagRowsSQL and topicRowsSQL are the INSERTs of 1, 2, 4, ...
// maxMembershipRows rows into item_tags and item_topics. OR IGNORE and the
// foreign keys checked at the commit (migration 14) let SQLite run them
// without a statement journal.
var tagRowsSQL, topicRowsSQL = membershipStatements("item_tags", "tag_slug"), membershipStatements("item_topics", "topic_slug")

func membershipStatements(table, column string) []string {
	var out []string
	for n := 1; n <= maxMembershipRows; n *= 2 {
		out = append(out, "INSERT OR IGNORE INTO "+table+" (item_id, "+column+", position, published) VALUES "+
			strings.Repeat("(?, ?, ?, ?), ", n-1)+"(?, ?, ?, ?)")
	}
	return out
}

// contentHash is the fallback Hash for items that come without one.
func contentHash(it *Item) string {
	h := sha256.New()
	b, _ := json.Marshal([]any{it.Link, it.Title, it.Summary, it.Content, it.FullText, it.Authors, it.Categories,
		it.Tags, it.Enclosures, it.ImageURL, it.Language, toNanos(it.Published), toNanos(it.Updated)})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// itemJSON encodes the list fields stored as JSON text ("" for empty).
func itemJSON(it *Item) (authors, categories, enclosures string, err error) {
	enc := func(n int, v any) (string, error) {
		if n == 0 {
			return "", nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	if authors, err = enc(len(it.Authors), it.Authors); err != nil {
		return
	}
	if categories, err = enc(len(it.Categories), it.Categories); err != nil {
		return
	}
	enclosures, err = enc(len(it.Enclosures), it.Enclosures)
	return
}

// itemCols are the columns scanItem reads; queries join items i and sources s.
const itemCols = `i.id, i.source_id, i.guid, i.link, i.canonical_link, i.title, i.summary, i.content,
	i.authors, i.categories, i.enclosures, i.image_url, i.language, i.published, i.updated,
	i.first_seen, i.hash, s.display_title, s.title, s.url, s.site_url,
	i.full_text, i.article_tries, i.article_next, i.article_error`

// pageItemCols are itemCols for the pages of published feeds, which never
// show the full text of article pages: it is read as "".
var pageItemCols = strings.Replace(itemCols, "i.full_text,", "'',", 1)

func scanItem(sc interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var authors, categories, enclosures, displayTitle, feedTitle string
	var published, updated, firstSeen, articleNext int64
	err := sc.Scan(&it.ID, &it.SourceID, &it.GUID, &it.Link, &it.CanonicalLink, &it.Title, &it.Summary,
		&it.Content, &authors, &categories, &enclosures, &it.ImageURL, &it.Language, &published,
		&updated, &firstSeen, &it.Hash, &displayTitle, &feedTitle, &it.SourceURL, &it.SourceSite,
		&it.FullText, &it.Article.Tries, &articleNext, &it.Article.Err)
	if err != nil {
		return Item{}, err
	}
	it.Published = fromNanos(published)
	it.Updated = fromNanos(updated)
	it.FirstSeen = fromNanos(firstSeen)
	it.Article.Next = fromNanos(articleNext)
	it.SourceTitle = displayTitle
	if it.SourceTitle == "" {
		it.SourceTitle = feedTitle
	}
	for _, f := range []struct {
		text string
		dst  any
	}{{authors, &it.Authors}, {categories, &it.Categories}, {enclosures, &it.Enclosures}} {
		if f.text == "" {
			continue
		}
		if err := json.Unmarshal([]byte(f.text), f.dst); err != nil {
			return Item{}, fmt.Errorf("item %d: decode list: %w", it.ID, err)
		}
	}
	return it, nil
}

// queryItems runs an item query and fills Tags and Topics of the result in
// batch.
func (d *DB) queryItems(ctx context.Context, query string, args ...any) ([]Item, error) {
	rows, err := d.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var items []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := d.fillTagsTopics(ctx, items); err != nil {
		return nil, err
	}
	return items, nil
}

// batchSize bounds the number of ids bound in one IN (...) list.
const batchSize = 500

// fillTagsTopics loads Tags and Topics of items with one query per table
// (per batchSize items), never one per item.
func (d *DB) fillTagsTopics(ctx context.Context, items []Item) error {
	idx := make(map[int64]int, len(items))
	for i := range items {
		idx[items[i].ID] = i
	}
	for start := 0; start < len(items); start += batchSize {
		end := min(start+batchSize, len(items))
		args := make([]any, 0, end-start)
		for _, it := range items[start:end] {
			args = append(args, it.ID)
		}
		in := placeholders(len(args))
		rows, err := d.sql.QueryContext(ctx, `SELECT it.item_id, it.tag_slug, t.name
			FROM item_tags it JOIN tags t ON t.slug = it.tag_slug
			WHERE it.item_id IN (`+in+`) ORDER BY it.item_id, it.position`, args...)
		if err != nil {
			return fmt.Errorf("load tags: %w", err)
		}
		for rows.Next() {
			var id int64
			var t Tag
			if err := rows.Scan(&id, &t.Slug, &t.Name); err != nil {
				rows.Close()
				return fmt.Errorf("load tags: %w", err)
			}
			it := &items[idx[id]]
			it.Tags = append(it.Tags, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load tags: %w", err)
		}
		rows, err = d.sql.QueryContext(ctx, `SELECT item_id, topic_slug FROM item_topics
			WHERE item_id IN (`+in+`) ORDER BY item_id, position`, args...)
		if err != nil {
			return fmt.Errorf("load topics: %w", err)
		}
		for rows.Next() {
			var id int64
			var slug string
			if err := rows.Scan(&id, &slug); err != nil {
				rows.Close()
				return fmt.Errorf("load topics: %w", err)
			}
			it := &items[idx[id]]
			it.Topics = append(it.Topics, slug)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load topics: %w", err)
		}
	}
	return nil
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// Item returns the item with that id (with Tags, Topics and Source
// fields), or ErrNotFound.
func (d *DB) Item(ctx context.Context, id int64) (Item, error) {
	items, err := d.queryItems(ctx, `SELECT `+itemCols+` FROM items i JOIN sources s ON s.id = i.source_id
		WHERE i.id = ?`, id)
	if err != nil {
		return Item{}, fmt.Errorf("db: read item %d: %w", id, err)
	}
	if len(items) == 0 {
		return Item{}, fmt.Errorf("db: item %d: %w", id, ErrNotFound)
	}
	return items[0], nil
}

// Items returns the items with those ids, in the order of ids; ids that do
// not exist are left out.
func (d *DB) Items(ctx context.Context, ids []int64) ([]Item, error) {
	byID := make(map[int64]Item, len(ids))
	for start := 0; start < len(ids); start += batchSize {
		end := min(start+batchSize, len(ids))
		args := make([]any, 0, end-start)
		for _, id := range ids[start:end] {
			args = append(args, id)
		}
		items, err := d.queryItems(ctx, `SELECT `+itemCols+` FROM items i JOIN sources s ON s.id = i.source_id
			WHERE i.id IN (`+placeholders(len(args))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("db: read items: %w", err)
		}
		for _, it := range items {
			byID[it.ID] = it
		}
	}
	out := make([]Item, 0, len(byID))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
			delete(byID, id) // a repeated id is returned once
		}
	}
	return out, nil
}

const itemByLinkSQL = `SELECT ` + itemCols + ` FROM items i JOIN sources s ON s.id = i.source_id
	WHERE i.id IN (SELECT id FROM items WHERE link = ?1 UNION SELECT id FROM items WHERE canonical_link = ?1 AND canonical_link <> link)
	ORDER BY i.published DESC, i.id DESC LIMIT 1`

// ItemByLink returns the newest item (by Published, then ID) whose Link or
// CanonicalLink equals link, or ErrNotFound. Callers that accept user input
// should try both the link as given and its canonical form.
func (d *DB) ItemByLink(ctx context.Context, link string) (Item, error) {
	if link == "" {
		return Item{}, fmt.Errorf("db: item with empty link: %w", ErrNotFound)
	}
	items, err := d.queryItems(ctx, itemByLinkSQL, link)
	if err != nil {
		return Item{}, fmt.Errorf("db: find item by link: %w", err)
	}
	if len(items) == 0 {
		return Item{}, fmt.Errorf("db: item with link %q: %w", link, ErrNotFound)
	}
	return items[0], nil
}

// ItemsByLink returns every item whose Link or CanonicalLink equals one of
// links (empty ones are ignored), newest first by Published then ID.
func (d *DB) ItemsByLink(ctx context.Context, links ...string) ([]Item, error) {
	var args []any
	for _, l := range links {
		if l != "" {
			args = append(args, l)
		}
	}
	if len(args) == 0 {
		return nil, nil
	}
	in := placeholders(len(args))
	args = append(args, args...)
	items, err := d.queryItems(ctx, `SELECT `+itemCols+` FROM items i JOIN sources s ON s.id = i.source_id
		WHERE i.id IN (SELECT id FROM items WHERE link IN (`+in+`)
			UNION SELECT id FROM items WHERE canonical_link IN (`+in+`) AND canonical_link <> link)
		ORDER BY i.published DESC, i.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("db: find items by link: %w", err)
	}
	return items, nil
}

// ItemsByGUID returns the items whose upstream identity (GUID) is guid, in
// every source, by source id.
func (d *DB) ItemsByGUID(ctx context.Context, guid string) ([]Item, error) {
	items, err := d.queryItems(ctx, `SELECT `+itemCols+` FROM items i JOIN sources s ON s.id = i.source_id
		WHERE i.guid = ? ORDER BY i.source_id`, guid)
	if err != nil {
		return nil, fmt.Errorf("db: find items by guid: %w", err)
	}
	return items, nil
}

// GUIDs returns the id and GUID of every stored item of source sourceID,
// by id (no other field is filled).
func (d *DB) GUIDs(ctx context.Context, sourceID string) ([]Item, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT id, guid FROM items WHERE source_id = ? ORDER BY id`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("db: list guids of %q: %w", sourceID, err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it := Item{SourceID: sourceID}
		if err := rows.Scan(&it.ID, &it.GUID); err != nil {
			return nil, fmt.Errorf("db: list guids of %q: %w", sourceID, err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list guids of %q: %w", sourceID, err)
	}
	return out, nil
}

// ScanItems returns up to limit items with ID > afterID in ID order, with
// Tags and Topics: the way to walk every stored item in batches (topic
// recompute).
func (d *DB) ScanItems(ctx context.Context, afterID int64, limit int) ([]Item, error) {
	if limit <= 0 {
		limit = batchSize
	}
	items, err := d.queryItems(ctx, `SELECT `+itemCols+` FROM items i JOIN sources s ON s.id = i.source_id
		WHERE i.id > ? ORDER BY i.id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("db: scan items: %w", err)
	}
	return items, nil
}

// ScanSourceItems is ScanItems for the items of one source.
func (d *DB) ScanSourceItems(ctx context.Context, sourceID string, afterID int64, limit int) ([]Item, error) {
	if limit <= 0 {
		limit = batchSize
	}
	items, err := d.queryItems(ctx, `SELECT `+itemCols+` FROM items i JOIN sources s ON s.id = i.source_id
		WHERE i.source_id = ? AND i.id > ? ORDER BY i.id LIMIT ?`, sourceID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("db: scan items of %q: %w", sourceID, err)
	}
	return items, nil
}

// ItemCount returns the number of stored items.
func (d *DB) ItemCount(ctx context.Context) (int, error) {
	var n int
	if err := d.sql.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil {
		return 0, fmt.Errorf("db: count items: %w", err)
	}
	return n, nil
}

// SourceCounts returns the number of stored items per source id (sources
// without items are absent).
func (d *DB) SourceCounts(ctx context.Context) (map[string]int, error) {
	out, err := countBy(ctx, d.sql, `SELECT source_id, count(*) FROM items GROUP BY source_id`)
	if err != nil {
		return nil, fmt.Errorf("db: count items per source: %w", err)
	}
	return out, nil
}

// countBy runs query, which selects a key and a count per row, into a map.
func countBy(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return nil, err
		}
		out[key] = n
	}
	return out, rows.Err()
}

// SourceStat is what a source has stored: its number of items and the
// publication time of the newest one (zero without items).
type SourceStat struct {
	Items  int
	Newest time.Time
}

// SourceStats returns the SourceStat of every source with stored items,
// by source id (one pass over the (source_id, published) index).
func (d *DB) SourceStats(ctx context.Context) (map[string]SourceStat, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT source_id, count(*), max(published) FROM items GROUP BY source_id`)
	if err != nil {
		return nil, fmt.Errorf("db: source stats: %w", err)
	}
	defer rows.Close()
	out := map[string]SourceStat{}
	for rows.Next() {
		var id string
		var n int
		var newest int64
		if err := rows.Scan(&id, &n, &newest); err != nil {
			return nil, fmt.Errorf("db: source stats: %w", err)
		}
		out[id] = SourceStat{Items: n, Newest: fromNanos(newest)}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: source stats: %w", err)
	}
	return out, nil
}
