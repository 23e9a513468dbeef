package db

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"bantin/fold"
	"bantin/htmltext"
)

// Full-text search. Every stored item has a row in item_search (an FTS5
// table, migration 10) holding the words of its title and of its summary
// and content text in the forms of fold.SearchIndexText. A query
// (SearchMatch) finds candidates by those words: a query word without
// diacritics by its folded form, a word with diacritics also by its exact
// form, softly joined words also joined. Candidates are a superset of what
// the keyword rules match: callers that need those rules exactly check
// each candidate (the web search does, with the classifier). Items are
// indexed by IndexSearch, not while they are saved, so that fetches do not
// wait for it.

// searchRow returns the item_search columns of it: the body is the text of
// its summary, content and article page (full text), as rules see them.
func searchRow(it *Item) (title, body, exact, joined, tpairs, bpairs, epairs string) {
	t := fold.SearchIndexText(it.Title)
	var text strings.Builder
	text.WriteString(htmltext.Text(it.Summary))
	if it.Content != "" {
		text.WriteByte(' ')
		text.WriteString(htmltext.Text(it.Content))
	}
	if it.FullText != "" && it.FullText != it.Content { // the article page (full_text:)
		text.WriteByte(' ')
		text.WriteString(htmltext.Text(it.FullText))
	}
	b := fold.SearchIndexText(text.String())
	return t.Folded, b.Folded, joinNonEmpty(t.Exact, b.Exact), joinNonEmpty(t.Joined, b.Joined), t.Pairs, b.Pairs,
		joinNonEmpty(t.ExactPairs, b.ExactPairs)
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

const indexSearchSQL = `INSERT OR REPLACE INTO item_search (rowid, title, body, exact, joined, tpairs, bpairs, epairs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// queuedItem is an item of the search queue as the indexer reads it.
type queuedItem struct {
	id     int64
	it     Item // title, summary, content and full text
	exists bool // false: deleted since it was queued
}

// scanQueued reads rows of (id, title, summary, content, full_text, and
// with withExists whether the item exists; else it does) and closes them.
func scanQueued(rows *sql.Rows, withExists bool) ([]queuedItem, error) {
	defer rows.Close()
	var list []queuedItem
	for rows.Next() {
		r := queuedItem{exists: true}
		dest := []any{&r.id, &r.it.Title, &r.it.Summary, &r.it.Content, &r.it.FullText}
		if withExists {
			dest = append(dest, &r.exists)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// sqliteIndexBatch indexes up to batch queued items in tx (SQLite) and
// returns how many it took from the queue. The newest are read first, so
// that a backlog is searchable from its newest end, but written in
// ascending order: FTS5 flushes what it holds in memory to a new segment
// whenever a row id is not above the last one it took, so newest-first
// inserts made a segment of every item and FTS5 spent most of its time
// merging them (20,000 items of 1 KB: 17 s newest first, 10 s ascending).
func sqliteIndexBatch(ctx context.Context, tx *sql.Tx, batch int) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT q.item_id, coalesce(i.title, ''), coalesce(i.summary, ''), coalesce(i.content, ''), coalesce(i.full_text, ''), i.id IS NOT NULL
		FROM search_queue q LEFT JOIN items i ON i.id = q.item_id ORDER BY q.item_id DESC LIMIT ?`, batch)
	if err != nil {
		return 0, err
	}
	list, err := scanQueued(rows, true)
	if err != nil {
		return 0, err
	}
	slices.Reverse(list)
	st, err := tx.PrepareContext(ctx, indexSearchSQL)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	del, err := tx.PrepareContext(ctx, `DELETE FROM search_queue WHERE item_id = ?`)
	if err != nil {
		return 0, err
	}
	defer del.Close()
	for _, r := range list {
		if r.exists {
			title, body, exact, joined, tpairs, bpairs, epairs := searchRow(&r.it)
			if _, err := st.ExecContext(ctx, r.id, title, body, exact, joined, tpairs, bpairs, epairs); err != nil {
				return 0, fmt.Errorf("item %d: search index: %w", r.id, err)
			}
		}
		if _, err := del.ExecContext(ctx, r.id); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}

// IndexSearch indexes the items queued since it last ran (every item
// written: new, updated, or stored before the index existed), newest
// first, in batches of batch items (one transaction each), and reports how
// many it indexed. Search finds an item once it is indexed. It returns at
// once, without taking the write lock, when nothing is queued.
func (d *DB) IndexSearch(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for {
		var queued bool
		if err := d.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM search_queue)`).Scan(&queued); err != nil {
			return total, fmt.Errorf("db: index items for search: %w", err)
		}
		if !queued {
			return total, nil
		}
		n := 0
		err := d.write(ctx, func(tx *sql.Tx) error {
			var err error
			if d.pg {
				n, err = pgIndexBatch(ctx, tx, batch)
			} else {
				n, err = sqliteIndexBatch(ctx, tx, batch)
			}
			return err
		})
		if err != nil {
			return total, fmt.Errorf("db: index items for search: %w", err)
		}
		total += n
		if n > 0 {
			d.searchTot.reset()
		}
		if n < batch {
			return total, nil
		}
	}
}

// SearchQuery is one search: Match is an FTS5 expression (SearchMatch
// builds one from what a reader typed), the rest filters and pages.
type SearchQuery struct {
	Match    string
	Source   string    // source id, "" for any
	Tag      string    // tag slug, "" for any
	Topic    string    // topic slug, "" for any
	From, To time.Time // published in [From, To); zero for open
	ByDate   bool      // newest first instead of best match first
	Limit    int       // <= 0: DefaultLimit
	Offset   int
}

// RankWindow is how many of the newest matches Search ranks by relevance.
const RankWindow = 1000

// Search returns the items that q.Match finds. With ByDate, newest first
// (by item id, the order items were stored in). Otherwise best first among
// the RankWindow newest matches (BM25; title words weigh four times body
// words; equal ranks newest first), then the older matches newest first:
// news readers want recent stories, and ranking every match of a common
// word would cost a scan of all of them. Either way only as many matches
// as needed are read from the index, so a query costs about the same over
// 200,000 items as over 2,000.
func (d *DB) Search(ctx context.Context, q SearchQuery) ([]Item, error) {
	if strings.TrimSpace(q.Match) == "" {
		return nil, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	offset := max(q.Offset, 0)
	if d.pg {
		ids, err := d.pgSearchIDs(ctx, q, limit, offset)
		if err == nil {
			var items []Item
			if items, err = d.Items(ctx, ids); err == nil {
				return items, nil
			}
		}
		return nil, fmt.Errorf("db: search %q: %w", q.Match, err)
	}
	from := `item_search`
	where := []string{`item_search MATCH ?`}
	args := []any{q.Match}
	join := false
	if q.Source != "" {
		where = append(where, `i.source_id = ?`)
		args = append(args, q.Source)
		join = true
	}
	if q.Tag != "" {
		where = append(where, `item_search.rowid IN (SELECT item_id FROM item_tags WHERE tag_slug = ?)`)
		args = append(args, q.Tag)
	}
	if q.Topic != "" {
		where = append(where, `item_search.rowid IN (SELECT item_id FROM item_topics WHERE topic_slug = ?)`)
		args = append(args, q.Topic)
	}
	if !q.From.IsZero() {
		where = append(where, `i.published >= ?`)
		args = append(args, toNanos(q.From))
		join = true
	}
	if !q.To.IsZero() {
		where = append(where, `i.published < ?`)
		args = append(args, toNanos(q.To))
		join = true
	}
	if join {
		from += ` JOIN items i ON i.id = item_search.rowid`
	}
	base := `SELECT item_search.rowid%s FROM ` + from + ` WHERE ` + strings.Join(where, ` AND `) +
		` ORDER BY item_search.rowid DESC LIMIT ? OFFSET ?`
	var ids []int64
	if !q.ByDate && offset < RankWindow {
		ranked, err := d.rankedIDs(ctx, fmt.Sprintf(base, `, bm25(item_search, 4.0, 1.0, 1.0, 1.0, 4.0, 1.0, 1.0)`), append(slices.Clone(args), RankWindow, 0)...)
		if err != nil {
			return nil, fmt.Errorf("db: search %q: %w", q.Match, err)
		}
		ids = ranked[min(offset, len(ranked)):min(offset+limit, len(ranked))]
		if len(ranked) < RankWindow || len(ids) == limit {
			limit = 0 // no older matches, or the page is full
		} else {
			limit -= len(ids)
			offset = RankWindow
		}
	}
	if limit > 0 {
		more, err := d.searchIDs(ctx, fmt.Sprintf(base, ``), append(args, limit, offset)...)
		if err != nil {
			return nil, fmt.Errorf("db: search %q: %w", q.Match, err)
		}
		ids = append(ids, more...)
	}
	items, err := d.Items(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("db: search %q: %w", q.Match, err)
	}
	return items, nil
}

// rankedIDs runs a query of (id, bm25) newest first and returns the ids
// best first (lowest bm25), equal scores newest first.
func (d *DB) rankedIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := d.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []scored
	for rows.Next() {
		var h scored
		if err := rows.Scan(&h.id, &h.score); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return bestFirst(hits), nil
}

// scored is a match and its bm25 score (lower is better).
type scored struct {
	id    int64
	score float64
}

// bestFirst returns the ids of hits (newest first) best first, equal
// scores newest first.
func bestFirst(hits []scored) []int64 {
	slices.SortStableFunc(hits, func(a, b scored) int { return cmp.Compare(a.score, b.score) })
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	return ids
}

func (d *DB) searchIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := d.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// eachRow calls f with the one column of each row of rows and closes rows.
func eachRow[T any](rows *sql.Rows, f func(T)) error {
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return err
		}
		f(v)
	}
	return rows.Err()
}

// scanIDs reads rows of one id and closes rows.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SearchPhrases splits what a reader typed into phrases, each matched as
// a keyword is (its words in order): each "quoted" part is one phrase, and
// so is the text between quoted parts. Every phrase must match (see
// SearchMatch). `giá vàng` finds "Giá vàng tăng" but not "vàng giá";
// `"giá vàng" tăng` finds both phrases anywhere in an item.
func SearchPhrases(q string) []string {
	var out []string
	parts := strings.Split(fold.NFC(q), `"`)
	for _, p := range parts {
		toks := fold.SearchTokens(p)
		if len(toks) == 0 {
			continue
		}
		p = fold.NFC(p)
		out = append(out, p[toks[0].Start:toks[len(toks)-1].End])
	}
	return out
}

// SearchMatch returns the FTS5 expression that finds the items in which
// every phrase occurs: each pair of its adjacent words in the title or the
// body (folded; as written when both words have diacritics), each other
// word written with diacritics among the item's exact words, and a phrase
// of one word as that word (exact when written with diacritics). Two spellings of joined words are also found: a phrase
// with softly joined words (TP.HCM, TP HCM) finds them written as one
// (TPHCM), and a word that may stand for joined words (TPHCM: written in
// capitals, or with digits, or without a vowel) finds them written apart
// (TP.HCM), as does any query of one word; such phrases are matched word
// by word. "" when the phrases
// have no word.
func SearchMatch(phrases []string) string {
	var all []string
	for _, p := range phrases {
		toks := fold.SearchTokens(p)
		if len(toks) == 0 {
			continue
		}
		p = fold.NFC(p)
		if len(toks) == 1 {
			t := toks[0]
			if t.Exact != "" {
				all = append(all, `exact:`+ftsQuote(t.Exact))
			} else {
				// One word may be joined words written as one (vnindex).
				all = append(all, `{title body joined}:`+ftsQuote(t.Folded))
			}
			continue
		}
		var joinedWords, loose, pairs []string
		soft, joinable := false, false
		covered := make([]bool, len(toks)) // diacritics checked by an exact pair
		for i, t := range toks {
			if t.Soft {
				soft = true
				joinedWords[len(joinedWords)-1] += t.Folded
			} else {
				joinedWords = append(joinedWords, t.Folded)
			}
			if mayBeJoined(p[t.Start:t.End]) {
				joinable = true
				loose = append(loose, `{title body joined}:`+ftsQuote(t.Folded))
			} else {
				loose = append(loose, `{title body}:`+ftsQuote(t.Folded))
			}
			if i == 0 {
				continue
			}
			// The phrase, pair by pair (a superset: the pairs may sit
			// apart; the keyword rules check the rest).
			a := toks[i-1]
			if a.Exact != "" && t.Exact != "" {
				pairs = append(pairs, `epairs:`+ftsQuote(a.Exact+fold.PairSep+t.Exact))
				covered[i-1], covered[i] = true, true
			} else {
				pairs = append(pairs, `{tpairs bpairs}:`+ftsQuote(a.Folded+fold.PairSep+t.Folded))
			}
		}
		alts := []string{strings.Join(pairs, ` AND `)}
		if len(pairs) > 1 {
			alts[0] = `(` + alts[0] + `)`
		}
		if soft {
			alts = append(alts, `{title body joined}:`+ftsQuote(strings.Join(joinedWords, " ")))
		}
		if joinable {
			alts = append(alts, `(`+strings.Join(loose, ` AND `)+`)`)
		}
		if len(alts) == 1 {
			all = append(all, alts[0])
		} else {
			all = append(all, `(`+strings.Join(alts, ` OR `)+`)`)
		}
		for i, t := range toks {
			softly := t.Soft || i+1 < len(toks) && toks[i+1].Soft
			if t.Exact != "" && !covered[i] && !softly {
				all = append(all, `exact:`+ftsQuote(t.Exact))
			}
		}
	}
	return strings.Join(all, " AND ")
}

// mayBeJoined reports whether a word of a query may be softly joined words
// written as one (TPHCM for TP.HCM, VNINDEX, COVID19): three or more
// characters written in capitals, or letters and digits, or no vowel.
func mayBeJoined(w string) bool {
	if len(w) < 3 {
		return false
	}
	upper, digit, letter, vowel := true, false, false, false
	for _, r := range w {
		switch {
		case '0' <= r && r <= '9':
			digit = true
		case unicode.IsLetter(r):
			letter = true
			if !unicode.IsUpper(r) {
				upper = false
			}
			if f := fold.Fold(string(r)); f != "" && strings.ContainsAny(f[:1], "aeiouy") {
				vowel = true
			}
		}
	}
	return letter && (upper || digit || !vowel)
}

func ftsQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// LatestItems returns the newest stored items (by Published, then ID),
// at most limit; with unmatched, only items that no topic took.
func (d *DB) LatestItems(ctx context.Context, limit int, unmatched bool) ([]Item, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	where := ``
	if unmatched {
		where = `WHERE NOT EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = i.id)`
	}
	items, err := d.queryItems(ctx, `SELECT `+itemCols+` FROM items i JOIN sources s ON s.id = i.source_id `+
		where+` ORDER BY i.published DESC, i.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("db: latest items: %w", err)
	}
	return items, nil
}
