package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Full-text search on PostgreSQL (migrations 9 and 11 of migrations_pg):
// the same index rows as SQLite's FTS5 table, the same query expressions
// (what SearchMatch builds), the same results in the same order. A query
// expression is parsed (parseMatch) and turned into SQL over item_search:
// a phrase of one word is found in the columns' arrays of distinct words
// (each with a GIN index), a phrase of several words by its words there
// and its text in the column.
// Ranking computes FTS5's bm25() in Go over the RankWindow newest matches.

// searchCols are item_search's columns, in FTS5's order; searchWeights
// their bm25 weights (title words weigh four times body words).
var (
	searchCols    = []string{"title", "body", "exact", "joined", "tpairs", "bpairs", "epairs"}
	searchWeights = []float64{4, 1, 1, 1, 4, 1, 1}
)

// maxSearchWord is the longest word (in bytes) the PostgreSQL index holds; a GIN key must fit in a third of a page.
// Longer words are in no query a reader can type (500 characters).
const maxSearchWord = 2000

// ftsTokens splits s as FTS5's ascii tokenizer does: runs of ASCII
// letters and digits and of non-ASCII bytes, ASCII letters lowercased.
func ftsTokens(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		word := i < len(s) && (s[i] >= 0x80 || 'a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z' || '0' <= s[i] && s[i] <= '9')
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, asciiLower(s[start:i]))
			start = -1
		}
	}
	return out
}

// asciiLower lowercases the ASCII letters of s, as FTS5's ascii tokenizer
// does (fold has lowercased the rest of what is indexed).
func asciiLower(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' }) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// pgSearchRow returns the item_search columns of it on PostgreSQL: the
// seven texts (words separated by one space), their number of words and
// the distinct words of each.
func pgSearchRow(it *Item) (cols [7]string, ntok int, words [7][]string) {
	title, body, exact, joined, tpairs, bpairs, epairs := searchRow(it)
	cols = [7]string{title, body, exact, joined, tpairs, bpairs, epairs}
	for c := range cols {
		toks := ftsTokens(cols[c])
		cols[c] = strings.Join(toks, " ")
		ntok += len(toks)
		seen := map[string]bool{}
		words[c] = []string{}
		for _, t := range toks {
			if len(t) <= maxSearchWord && !seen[t] {
				seen[t] = true
				words[c] = append(words[c], t)
			}
		}
	}
	return cols, ntok, words
}

// pgIndexBatch indexes up to batch queued items (newest first) in tx and
// returns how many it took off the queue. One instance indexes at a time
// (an advisory lock); the others find nothing to do (0).
func pgIndexBatch(ctx context.Context, tx *sql.Tx, batch int) (int, error) {
	var mine bool
	if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock(hashtext('bantin search index ' || current_schema()))`).Scan(&mine); err != nil {
		return 0, err
	}
	if !mine {
		return 0, nil
	}
	rows, err := tx.QueryContext(ctx, `DELETE FROM search_queue WHERE item_id IN
		(SELECT item_id FROM search_queue ORDER BY item_id DESC LIMIT ?) RETURNING item_id`, batch)
	if err != nil {
		return 0, err
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	// FOR KEY SHARE: an item is not deleted before its row is written.
	rows, err = tx.QueryContext(ctx, `SELECT id, title, summary, content, full_text FROM items WHERE id = ANY(?) FOR KEY SHARE`, ids)
	if err != nil {
		return 0, err
	}
	list, err := scanQueued(rows, false)
	if err != nil {
		return 0, err
	}
	st, err := tx.PrepareContext(ctx, pgIndexSQL)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	for _, r := range list {
		c, ntok, w := pgSearchRow(&r.it)
		if _, err := st.ExecContext(ctx, r.id, c[0], c[1], c[2], c[3], c[4], c[5], c[6], ntok,
			w[0], w[1], w[2], w[3], w[4], w[5], w[6]); err != nil {
			return 0, fmt.Errorf("item %d: search index: %w", r.id, err)
		}
	}
	return len(ids), nil
}

// pgIndexSQL writes one row of item_search: its id, seven texts, number of
// words and the seven columns' distinct words.
var pgIndexSQL = func() string {
	cols := slices.Clone(searchCols)
	cols = append(cols, "ntok")
	for _, c := range searchCols {
		cols = append(cols, c+"_words")
	}
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = excluded." + c
	}
	return `INSERT INTO item_search (item_id, ` + strings.Join(cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(cols)) +
		`) ON CONFLICT (item_id) DO UPDATE SET ` + strings.Join(set, ", ")
}()

// matchNode is a parsed query expression: an AND or OR of nodes, or a
// phrase (its words, as FTS5's ascii tokenizer splits them) to be found
// in any of cols.
type matchNode struct {
	op   string // "AND", "OR"; "" for a phrase
	kids []*matchNode
	cols []int
	toks []string
	num  int // a phrase's number (see phrases)
}

// parseMatch parses the FTS5 expressions SearchMatch builds: phrases
// ("quoted" or bare words), each optionally behind a column filter (col:
// or {col col}:), joined by AND (or nothing) and OR, in parentheses.
func parseMatch(s string) (*matchNode, error) {
	p := &matchParser{s: s}
	n, err := p.or()
	if err == nil && p.peek() != "" {
		err = fmt.Errorf("unexpected %q", p.peek())
	}
	if err != nil {
		return nil, fmt.Errorf("search expression %q: %w", s, err)
	}
	return n, nil
}

type matchParser struct {
	s   string
	pos int
}

func bareByte(c byte) bool {
	return c >= 0x80 || c == '_' || c == 0x1a || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// peek returns the next token without taking it: a punctuation character,
// a "quoted string" or a bare word; "" at the end.
func (p *matchParser) peek() string {
	for p.pos < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.pos]) >= 0 {
		p.pos++
	}
	if p.pos == len(p.s) {
		return ""
	}
	switch c := p.s[p.pos]; {
	case c == '"':
		i := p.pos + 1
		for i < len(p.s) {
			if p.s[i] == '"' {
				if i+1 < len(p.s) && p.s[i+1] == '"' {
					i += 2
					continue
				}
				return p.s[p.pos : i+1]
			}
			i++
		}
		return p.s[p.pos:] // unterminated: an error where it is used
	case bareByte(c):
		i := p.pos
		for i < len(p.s) && bareByte(p.s[i]) {
			i++
		}
		return p.s[p.pos:i]
	default:
		return p.s[p.pos : p.pos+1]
	}
}

func (p *matchParser) next() string {
	t := p.peek()
	p.pos += len(t)
	return t
}

func (p *matchParser) or() (*matchNode, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == "OR" {
		p.next()
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		n = join("OR", n, m)
	}
	return n, nil
}

func (p *matchParser) and() (*matchNode, error) {
	n, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch t := p.peek(); t {
		case "", ")", "OR":
			return n, nil
		case "AND":
			p.next()
		}
		m, err := p.primary()
		if err != nil {
			return nil, err
		}
		n = join("AND", n, m)
	}
}

func join(op string, a, b *matchNode) *matchNode {
	if a.op == op {
		a.kids = append(a.kids, b)
		return a
	}
	return &matchNode{op: op, kids: []*matchNode{a, b}}
}

func (p *matchParser) primary() (*matchNode, error) {
	t := p.next()
	switch {
	case t == "(":
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, errors.New("missing )")
		}
		return n, nil
	case t == "{":
		var cols []int
		for p.peek() != "}" {
			c := slices.Index(searchCols, p.next())
			if c < 0 {
				return nil, errors.New("unknown column in {}")
			}
			cols = append(cols, c)
		}
		p.next()
		if p.next() != ":" {
			return nil, errors.New("missing : after {}")
		}
		return phrase(p.next(), cols)
	case t == "AND" || t == "OR" || t == "NOT" || t == "NEAR":
		return nil, fmt.Errorf("unsupported %s", t)
	case t != "" && bareByte(t[0]) && p.peek() == ":":
		c := slices.Index(searchCols, t)
		if c < 0 {
			return nil, fmt.Errorf("unknown column %q", t)
		}
		p.next()
		return phrase(p.next(), []int{c})
	case t != "" && (t[0] == '"' || bareByte(t[0])):
		return phrase(t, nil)
	}
	return nil, fmt.Errorf("unexpected %q", t)
}

// phrase is the phrase of token t (a quoted string or a bare word), found
// in cols (all columns when nil).
func phrase(t string, cols []int) (*matchNode, error) {
	if cols == nil {
		cols = []int{0, 1, 2, 3, 4, 5, 6}
	}
	switch {
	case len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"':
		t = strings.ReplaceAll(t[1:len(t)-1], `""`, `"`)
	case t != "" && bareByte(t[0]):
	default:
		return nil, fmt.Errorf("expected a phrase, got %q", t)
	}
	return &matchNode{cols: cols, toks: ftsTokens(t)}, nil
}

// phrases returns n's phrases in the order FTS5 numbers them, and
// numbers them so.
func (n *matchNode) phrases() []*matchNode {
	var out []*matchNode
	var walk func(n *matchNode)
	walk = func(n *matchNode) {
		if n.op == "" {
			n.num = len(out)
			out = append(out, n)
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(n)
	return out
}

// instances leaves in f (each phrase's weighted instances in a row) the
// instances bm25 sees, and reports whether n matches the row: FTS5
// reports no instance of the phrases of an AND that does not match the
// row (below the root, which always does), even of those that occur.
func (n *matchNode) instances(f []float64) bool {
	switch n.op {
	case "":
		return f[n.num] > 0
	case "OR":
		matched := false
		for _, k := range n.kids {
			matched = k.instances(f) || matched
		}
		return matched
	}
	all := true
	for _, k := range n.kids {
		all = k.instances(f) && all
	}
	if !all {
		n.zero(f)
	}
	return all
}

func (n *matchNode) zero(f []float64) {
	if n.op == "" {
		f[n.num] = 0
	}
	for _, k := range n.kids {
		k.zero(f)
	}
}

// sql returns the condition on item_search s that n stands for, with its
// arguments.
func (n *matchNode) sql(args []any) (string, []any) {
	if n.op != "" {
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i], args = k.sql(args)
		}
		return `(` + strings.Join(parts, ` `+n.op+` `) + `)`, args
	}
	// The phrase's words in a column's words, and the phrase in its text
	// when it has several.
	var conds []string
	fits := len(n.toks) > 0
	for _, t := range n.toks {
		fits = fits && len(t) <= maxSearchWord
	}
	for _, c := range n.cols {
		if !fits { // nothing to find, or no such word in the index
			break
		}
		col := searchCols[c]
		if len(n.toks) == 1 {
			conds = append(conds, `s.`+col+`_words @> CAST(? AS text[])`)
			args = append(args, n.toks)
			continue
		}
		conds = append(conds, `(s.`+col+`_words @> CAST(? AS text[]) AND strpos(' ' || s.`+col+` || ' ', ?) > 0)`)
		args = append(args, n.toks, ` `+strings.Join(n.toks, ` `)+` `)
	}
	if len(conds) == 0 {
		return `FALSE`, args
	}
	return `(` + strings.Join(conds, ` OR `) + `)`, args
}

// planEach, first among a query's arguments, makes PostgreSQL plan it for
// the words asked rather than reuse a plan cached for any words (pgx's
// default after a few runs): the generic plan does not know that a word is
// common, and read every match of one (0.6 s for a query over 200,000
// items that the planned one answers in 30 ms).
const planEach = pgx.QueryExecModeExec

// pgSearchIDs is Search on PostgreSQL: the ids of page (limit, offset) of
// q's matches, ordered as on SQLite.
func (d *DB) pgSearchIDs(ctx context.Context, q SearchQuery, limit, offset int) ([]int64, error) {
	root, err := parseMatch(q.Match)
	if err != nil {
		return nil, err
	}
	where, args := root.sql([]any{planEach})
	from := `item_search s`
	if q.Source != "" || !q.From.IsZero() || !q.To.IsZero() {
		from += ` JOIN items i ON i.id = s.item_id`
	}
	if q.Source != "" {
		where += ` AND i.source_id = ?`
		args = append(args, q.Source)
	}
	if q.Tag != "" {
		where += ` AND s.item_id IN (SELECT item_id FROM item_tags WHERE tag_slug = ?)`
		args = append(args, q.Tag)
	}
	if q.Topic != "" {
		where += ` AND s.item_id IN (SELECT item_id FROM item_topics WHERE topic_slug = ?)`
		args = append(args, q.Topic)
	}
	if !q.From.IsZero() {
		where += ` AND i.published >= ?`
		args = append(args, toNanos(q.From))
	}
	if !q.To.IsZero() {
		where += ` AND i.published < ?`
		args = append(args, toNanos(q.To))
	}
	base := `SELECT s.item_id%s FROM ` + from + ` WHERE ` + where + ` ORDER BY s.item_id DESC LIMIT ? OFFSET ?`
	var ids []int64
	if !q.ByDate && offset < RankWindow {
		ranked, err := d.pgRanked(ctx, root, base, append(slices.Clone(args), RankWindow, 0))
		if err != nil {
			return nil, err
		}
		ids = ranked[min(offset, len(ranked)):min(offset+limit, len(ranked))]
		if len(ranked) < RankWindow || len(ids) == limit {
			return ids, nil
		}
		limit -= len(ids)
		offset = RankWindow
	}
	more, err := d.searchIDs(ctx, fmt.Sprintf(base, ``), append(args, limit, offset)...)
	return append(ids, more...), err
}

// pgRanked returns the ids of the matches base (with args) selects, best
// first by FTS5's bm25() (the same weights as on SQLite), equal scores in
// the order selected (newest first).
func (d *DB) pgRanked(ctx context.Context, root *matchNode, base string, args []any) ([]int64, error) {
	phrases := root.phrases()
	var used []int // the columns any phrase looks in
	for _, ph := range phrases {
		for _, c := range ph.cols {
			if !slices.Contains(used, c) {
				used = append(used, c)
			}
		}
	}
	sel := `, s.ntok`
	for _, c := range used {
		sel += `, s.` + searchCols[c]
	}
	rows, err := d.sql.QueryContext(ctx, fmt.Sprintf(base, sel), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []scored
	var freqs [][]float64 // per hit, per phrase: its instances, weighted
	var ntoks []float64
	texts := make([]string, len(used))
	dest := []any{new(int64), new(int64)}
	for i := range texts {
		dest = append(dest, &texts[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		var cols [7][]string
		for i, c := range used {
			cols[c] = strings.Fields(texts[i])
		}
		f := make([]float64, len(phrases))
		for p, ph := range phrases {
			for _, c := range ph.cols {
				f[p] += searchWeights[c] * float64(countPhrase(cols[c], ph.toks))
			}
		}
		root.instances(f)
		hits = append(hits, scored{id: *dest[0].(*int64)})
		ntoks = append(ntoks, float64(*dest[1].(*int64)))
		freqs = append(freqs, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(hits) == 0 {
		return nil, nil
	}
	nRow, avgdl, err := d.searchTotals(ctx)
	if err != nil {
		return nil, err
	}
	// Each phrase's IDF, as FTS5 computes it from the rows it occurs in.
	// With one phrase it multiplies every score alike, so it is not asked
	// for (it would cost a count of every match).
	idf := make([]float64, len(phrases))
	for p, ph := range phrases {
		idf[p] = 1
		if len(phrases) == 1 {
			break
		}
		cond, cargs := ph.sql([]any{planEach})
		var nHit int64
		if err := d.sql.QueryRowContext(ctx, `SELECT count(*) FROM item_search s WHERE `+cond, cargs...).Scan(&nHit); err != nil {
			return nil, err
		}
		idf[p] = math.Log((float64(nRow-nHit) + 0.5) / (float64(nHit) + 0.5))
		if idf[p] <= 0 {
			idf[p] = 1e-6
		}
	}
	const k1, b = 1.2, 0.75
	for i := range hits {
		score := 0.0
		for p := range phrases {
			f := freqs[i][p]
			score += idf[p] * ((f * (k1 + 1.0)) / (f + k1*(1-b+b*ntoks[i]/avgdl)))
		}
		hits[i].score = -1.0 * score
	}
	return bestFirst(hits), nil
}

// countPhrase returns how many times toks occur in a row in words.
func countPhrase(words, toks []string) int {
	n := 0
	if len(toks) == 0 {
		return 0
	}
	for i := 0; i+len(toks) <= len(words); i++ {
		if slices.Equal(words[i:i+len(toks)], toks) {
			n++
		}
	}
	return n
}

// searchTotals returns the number of rows of the PostgreSQL index and their
// average number of words (bm25's avgdl), read at most once in
// totalsMaxAge unless this DB indexed items since.
func (d *DB) searchTotals(ctx context.Context) (int64, float64, error) {
	t := &d.searchTot
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.at.IsZero() && time.Since(t.at) < totalsMaxAge {
		return t.rows, t.avgdl, nil
	}
	var words int64
	if err := d.sql.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(ntok), 0) FROM item_search`).Scan(&t.rows, &words); err != nil {
		return 0, 0, err
	}
	t.avgdl = float64(words) / float64(max(t.rows, 1))
	t.at = time.Now()
	return t.rows, t.avgdl, nil
}

// totalsMaxAge bounds how old the totals searchTotals returns may be.
const totalsMaxAge = 5 * time.Second

// indexTotals caches searchTotals' answer.
type indexTotals struct {
	mu    sync.Mutex
	at    time.Time // zero: to be read
	rows  int64
	avgdl float64
}

func (t *indexTotals) reset() {
	t.mu.Lock()
	t.at = time.Time{}
	t.mu.Unlock()
}
