package classifier

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"bantin/fold"
)

type kind uint8

const (
	kTrue  kind = iota // empty rule: holds
	kFalse             // topic without a rule: never holds
	kAll
	kAny
	kNone
	kKeywords
	kTitle
	kTags
	kSources
	kRegex
	kAuthors
	kDomains
	kLanguages
	kCategories
	kMaxAge
)

var kindNames = [...]string{
	kTrue: "(empty rule)", kFalse: "(no match rule)", kAll: "all", kAny: "any", kNone: "none",
	kKeywords: "keywords", kTitle: "title", kTags: "tags", kSources: "sources", kRegex: "regex",
	kAuthors: "authors", kDomains: "domains", kLanguages: "languages", kCategories: "categories",
	kMaxAge: "max_age",
}

func (k kind) String() string { return kindNames[k] }

// node is a compiled rule: a combinator with kids or a leaf with values.
type node struct {
	kind       kind
	implicit   bool     // kAll made from a mapping with several keys
	topicLevel bool     // kMaxAge from the topic's own max_age
	shown      []string // values as written, for Explain
	strs       []string // normalised values: slugs, ids, domains, languages
	phrases    []int32
	res        []*regexp.Regexp
	authors    [][]string // folded words of each author
	dur        time.Duration
	kids       []*node
}

// gated reports whether n can only hold when at least one of its triggers
// (phrase hits, tags, sources, categories) fires for the item. Topics
// whose root is gated are evaluated only for items that fire a trigger.
func (n *node) gated() bool {
	switch n.kind {
	case kKeywords, kTitle, kTags, kSources, kCategories, kFalse:
		return true
	case kAll:
		for _, k := range n.kids {
			if k.gated() {
				return true
			}
		}
		return false
	case kAny:
		for _, k := range n.kids {
			if !k.gated() {
				return false
			}
		}
		return true // also an empty any, which never holds
	}
	return false
}

type triggers struct {
	phrases                   []int32
	tags, sources, categories []string
}

func (t *triggers) len() int {
	return len(t.phrases) + len(t.tags) + len(t.sources) + len(t.categories)
}

// triggers collects, for a gated node, triggers of which at least one
// fires whenever n holds: a leaf's own values; for any, the triggers of
// every sub-rule; for all, those of the gated sub-rule with the fewest
// (every sub-rule must hold, so one gated sub-rule is enough to watch).
// Triggers under none are never needed. Fewer triggers mean fewer topics
// evaluated per item; a missing one would be a wrong answer, which the
// tests check against a reference evaluator.
func (n *node) triggers(t *triggers) {
	switch n.kind {
	case kKeywords, kTitle:
		t.phrases = append(t.phrases, n.phrases...)
	case kTags:
		t.tags = append(t.tags, n.strs...)
	case kSources:
		t.sources = append(t.sources, n.strs...)
	case kCategories:
		t.categories = append(t.categories, n.strs...)
	case kAny:
		for _, k := range n.kids {
			k.triggers(t)
		}
	case kAll:
		var best *triggers
		for _, k := range n.kids {
			if !k.gated() {
				continue
			}
			var kt triggers
			k.triggers(&kt)
			if best == nil || kt.len() < best.len() {
				best = &kt
			}
		}
		if best != nil {
			t.phrases = append(t.phrases, best.phrases...)
			t.tags = append(t.tags, best.tags...)
			t.sources = append(t.sources, best.sources...)
			t.categories = append(t.categories, best.categories...)
		}
	}
}

// state is the per-item scratch of one Classify or Explain call. States are
// pooled; the hit table is cleared through the touched list.
type state struct {
	c       *Classifier
	doc     *Doc
	now     time.Time
	explain bool

	texts  [nFields]string // title, summary text, content text, full text (NFC)
	buf    []byte
	folded []byte
	toks   []token

	virt []vtoken // softly joined tokens that form an indexed word (joinFrom)
	join []byte   // scratch for joinFrom
	vi   bool     // the item's language is Vietnamese

	hits    []uint8 // per phrase: fields it was found in
	touched []int32 // phrases with hits != 0
	spans   map[int32]*[nFields][2]int32

	tags, categories []string

	hostDone bool
	host     string

	authorsDone bool
	authorWords [][]string

	mark  []uint32 // per topic: == epoch when already a candidate
	epoch uint32
	cand  []int32
}

func (c *Classifier) newState() *state {
	return &state{
		c:    c,
		hits: make([]uint8, len(c.phrases)),
		mark: make([]uint32, len(c.topics)),
	}
}

func fieldIndex(f uint8) int {
	switch f {
	case inTitle:
		return 0
	case inSummary:
		return 1
	case inContent:
		return 2
	}
	return 3
}

// prepare extracts the item's text, finds every phrase in it and
// normalises tags and categories.
func (st *state) prepare(d *Doc, now time.Time, explain bool) {
	st.doc, st.now, st.explain = d, now, explain
	st.hostDone, st.authorsDone = false, false
	l := normLang(d.Language)
	st.vi = l == "vi" || strings.HasPrefix(l, "vi-")
	st.toks, st.folded = st.toks[:0], st.folded[:0]
	st.texts[0], st.toks, st.folded = tokenizeText(d.Title, inTitle, st.toks, st.folded)
	st.texts[1], st.toks, st.folded = tokenizeText(st.htmlText(d.Summary), inSummary, st.toks, st.folded)
	st.texts[2], st.toks, st.folded = tokenizeText(st.htmlText(d.Content), inContent, st.toks, st.folded)
	st.texts[3] = ""
	if d.FullText != "" {
		st.texts[3], st.toks, st.folded = tokenizeText(st.htmlText(d.FullText), inFullText, st.toks, st.folded)
	}
	st.matchPhrases()

	st.tags = st.tags[:0]
	for _, t := range d.Tags {
		if !isSlug(t) {
			t = fold.Slug(t)
		}
		st.tags = append(st.tags, t)
	}
	st.categories = st.categories[:0]
	for _, t := range d.Categories {
		if !isSlug(t) {
			t = fold.Slug(t)
		}
		st.categories = append(st.categories, t)
	}
}

// htmlText returns the text of an HTML fragment (not normalised).
func (st *state) htmlText(s string) string {
	if strings.IndexByte(s, '<') >= 0 || strings.IndexByte(s, '&') >= 0 {
		st.buf = appendHTMLText(st.buf[:0], s)
		s = string(st.buf)
	}
	return s
}

// isSlug reports whether s is already an ASCII slug, so Slug would return
// it unchanged.
func isSlug(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

func (st *state) matchPhrases() {
	c := st.c
	st.virt = st.virt[:0]
	for i := range st.toks {
		tk := &st.toks[i]
		tk.word = c.vocabT.lookup(tk.hash, st.folded[tk.fstart:tk.fend])
		if tk.flags&tokSoft != 0 && i > 0 && st.joined(i-1) {
			st.joinFrom(i - 1)
		}
	}
	if len(st.virt) > 0 {
		for i := range st.toks {
			if w := st.toks[i].word; w >= 0 {
				st.lookupFrom(i, w, i+1, false)
			}
			for _, v := range st.virtAt(i) {
				st.lookupFrom(i, v.word, int(v.last)+1, true)
			}
		}
		return
	}
	// No joined tokens (most items): lookupFrom for single tokens, inline.
	for i := range st.toks {
		w := st.toks[i].word
		if w < 0 {
			continue
		}
		if ids := c.singles[w]; ids != nil {
			st.tryPhrases(ids, i, false)
		}
		if c.starts[w] && i+1 < len(st.toks) {
			if nx := &st.toks[i+1]; nx.word >= 0 && nx.field == st.toks[i].field {
				st.tryPhrases(c.pairsT.lookup(pairKey(w, nx.word)), i, false)
			}
		}
	}
}

// lookupFrom tries the phrases whose first word w is found at token i, as
// the token itself or (joined) as tokens i..next-1: one-word phrases, and
// longer ones through their first two words, the second found at next.
func (st *state) lookupFrom(i int, w int32, next int, joined bool) {
	c := st.c
	if ids := c.singles[w]; ids != nil {
		st.tryPhrases(ids, i, joined)
	}
	if !c.starts[w] || next >= len(st.toks) || st.toks[next].field != st.toks[i].field {
		return
	}
	if nw := st.toks[next].word; nw >= 0 {
		st.tryPhrases(c.pairsT.lookup(pairKey(w, nw)), i, joined)
	}
	if len(st.virt) > 0 {
		for _, v := range st.virtAt(next) {
			st.tryPhrases(c.pairsT.lookup(pairKey(w, v.word)), i, true)
		}
	}
}

// tryPhrases checks the candidate phrases ids at token i and records hits.
// joined says that they were found through joined tokens, so that even a
// simple phrase must be checked word by word.
func (st *state) tryPhrases(ids []int32, i int, joined bool) {
	tk := &st.toks[i]
	for _, p := range ids {
		if !st.explain && st.hits[p]&tk.field != 0 {
			continue
		}
		last := i + 1
		if joined || !st.c.simple[p] {
			var ok bool
			if last, ok = st.matchAt(st.c.phrases[p], i); !ok {
				continue
			}
		}
		if st.hits[p] == 0 {
			st.touched = append(st.touched, p)
		}
		st.hits[p] |= tk.field
		if st.explain {
			sp := st.spans[p]
			if sp == nil {
				sp = &[nFields][2]int32{{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}}
				st.spans[p] = sp
			}
			if f := fieldIndex(tk.field); sp[f][0] < 0 {
				// The span shows the name symbols the phrase asked for.
				ph := st.c.phrases[p]
				start, end := tk.start, st.toks[last].end
				if st.c.pwords[ph.off].dot {
					start--
				}
				end += int32(len(st.c.pwords[ph.off+ph.n-1].suf))
				sp[f] = [2]int32{start, end}
			}
		}
	}
}

// matchAt reports whether phrase ph occurs at token i, and the index of its
// last token.
func (st *state) matchAt(ph phrase, i int) (int, bool) {
	m := phraseMatch{ph: ph, first: i, field: st.toks[i].field}
	m.text = st.texts[fieldIndex(m.field)]
	return st.matchFrom(&m, st.c.pwords[ph.off:ph.off+ph.n], i, false)
}

// phraseMatch is what matchFrom needs to know about the match in progress.
type phraseMatch struct {
	ph    phrase
	first int
	field uint8
	text  string
}

// matchFrom reports whether the phrase words ws occur from token pos on,
// each as one token or as softly joined tokens, and the index of the last
// token. variant says an i/y variant was used before pos.
func (st *state) matchFrom(m *phraseMatch, ws []pword, pos int, variant bool) (int, bool) {
	if len(ws) == 0 {
		if variant && !st.variantOK(m.ph, m.text, m.first, pos-1) {
			return 0, false
		}
		return pos - 1, true
	}
	if pos >= len(st.toks) || st.toks[pos].field != m.field {
		return 0, false
	}
	w := &ws[0]
	if t := &st.toks[pos]; t.word == w.id {
		if ok, v := st.wordMatches(m.text, w, pos, pos); ok {
			if last, ok := st.matchFrom(m, ws[1:], pos+1, variant || v); ok {
				return last, true
			}
		}
	}
	if len(st.virt) == 0 {
		return 0, false
	}
	for _, vt := range st.virtAt(pos) {
		if vt.word != w.id {
			continue
		}
		if ok, v := st.wordMatches(m.text, w, pos, int(vt.last)); ok {
			if last, ok := st.matchFrom(m, ws[1:], int(vt.last)+1, variant || v); ok {
				return last, true
			}
		}
	}
	return 0, false
}

// wordMatches reports whether phrase word w, whose word id tokens
// first..last have (one token, or softly joined ones), also has its
// diacritics and name symbols there; variant says the match takes the
// other spelling of an i/y syllable.
func (st *state) wordMatches(text string, w *pword, first, last int) (ok, variant bool) {
	variant = w.iy != 0 && st.folded[st.toks[last].fend-1] != w.iy
	if w.exact != "" {
		var a string
		if first == last {
			t := &st.toks[first]
			a = text[t.start:t.end]
			// A joined keyword word's exact form is made of its parts'
			// exact forms: compare the word's own exact form, not just
			// its lower case (see joinedExact).
			if !variant && (w.parts > 1 && exactForm(a) != w.exact || w.parts == 1 && !equalExact(a, w.exact)) {
				return false, false
			}
		} else {
			a = st.joinedExact(text, first, last)
			if !variant && a != w.exact {
				return false, false
			}
		}
		if variant && !equalLowerIY(a, w.exact) {
			return false, false
		}
	}
	if w.dot || w.suf != "" {
		t0, t1 := &st.toks[first], &st.toks[last]
		dot, _ := affixes(text, int(t0.start), int(t0.end))
		_, suf := affixes(text, int(t1.start), int(t1.end))
		if w.dot && !dot || w.suf != "" && suf != w.suf {
			return false, false
		}
	}
	return true, variant
}

// eval reports whether n holds for the prepared item, short-circuiting.
func (st *state) eval(n *node) bool {
	switch n.kind {
	case kAll:
		for _, k := range n.kids {
			if !st.eval(k) {
				return false
			}
		}
		return true
	case kAny:
		for _, k := range n.kids {
			if st.eval(k) {
				return true
			}
		}
		return false
	case kNone:
		for _, k := range n.kids {
			if st.eval(k) {
				return false
			}
		}
		return true
	}
	ok, _ := st.leaf(n, false)
	return ok
}

// leaf evaluates a leaf node; with detail it also describes what matched
// (or, for some keys, what the item had instead).
func (st *state) leaf(n *node, detail bool) (bool, string) {
	d := st.doc
	switch n.kind {
	case kTrue:
		return true, ""
	case kFalse:
		return false, ""
	case kKeywords, kTitle:
		mask := uint8(inTitle | inSummary | inContent | inFullText)
		if n.kind == kTitle {
			mask = inTitle
		}
		matched := false
		var parts []string
		for _, p := range n.phrases {
			if st.hits[p]&mask == 0 {
				continue
			}
			matched = true
			if !detail {
				return true, ""
			}
			// Two phrases of a leaf may find the same words ("ha noi" and
			// "Hà Nội"): say it once.
			if d := st.describeHit(p, mask); !slices.Contains(parts, d) {
				parts = append(parts, d)
			}
		}
		return matched, strings.Join(parts, ", ")
	case kTags:
		return anyIn(n.strs, st.tags, detail, "item tags")
	case kCategories:
		return anyIn(n.strs, st.categories, detail, "item categories")
	case kSources:
		ok := slices.Contains(n.strs, d.Source)
		if !detail {
			return ok, ""
		}
		if ok {
			return true, d.Source
		}
		return false, "(source " + orNone(d.Source) + ")"
	case kRegex:
		for _, re := range n.res {
			for f := 0; f < 2; f++ {
				if loc := re.FindStringIndex(st.texts[f]); loc != nil {
					if !detail {
						return true, ""
					}
					return true, quote(st.texts[f][loc[0]:loc[1]]) + " (" + fieldNames[f] + ")"
				}
			}
		}
		return false, ""
	case kAuthors:
		st.prepareAuthors()
		for _, want := range n.authors {
			for i, have := range st.authorWords {
				if containsSeq(have, want) {
					return true, quote(d.Authors[i])
				}
			}
		}
		return false, ""
	case kDomains:
		h := st.itemHost()
		for _, dom := range n.strs {
			if h != "" && (h == dom || strings.HasSuffix(h, dom) && h[len(h)-len(dom)-1] == '.') {
				return true, h
			}
		}
		if h == "" {
			return false, "(item has no link host)"
		}
		return false, "(host " + h + ")"
	case kLanguages:
		l := normLang(d.Language)
		for _, want := range n.strs {
			if l != "" && (l == want || strings.HasPrefix(l, want+"-")) {
				return true, d.Language
			}
		}
		if l == "" {
			return false, "(item has no language)"
		}
		return false, "(item language " + d.Language + ")"
	case kMaxAge:
		ok := !d.Published.Before(st.now.Add(-n.dur))
		if !detail {
			return ok, ""
		}
		if d.Published.IsZero() {
			return ok, "(item has no date)"
		}
		return ok, "(age " + fmtDuration(st.now.Sub(d.Published)) + ")"
	}
	return false, ""
}

func (st *state) describeHit(p int32, mask uint8) string {
	var fields []string
	text := ""
	for f := 0; f < nFields; f++ {
		bit := uint8(1) << f
		if st.hits[p]&mask&bit == 0 {
			continue
		}
		fields = append(fields, fieldNames[f])
		if sp := st.spans[p]; text == "" && sp != nil && sp[f][0] >= 0 {
			text = st.texts[f][sp[f][0]:sp[f][1]]
		}
	}
	return quote(text) + " (" + strings.Join(fields, ", ") + ")"
}

func anyIn(want, have []string, detail bool, what string) (bool, string) {
	var got []string
	for _, w := range want {
		if slices.Contains(have, w) {
			if !detail {
				return true, ""
			}
			got = append(got, w)
		}
	}
	if len(got) > 0 {
		return true, strings.Join(got, ", ")
	}
	if !detail {
		return false, ""
	}
	if len(have) == 0 {
		return false, "(no " + what + ")"
	}
	return false, "(" + what + ": " + strings.Join(have, ", ") + ")"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func containsSeq(have, want []string) bool {
	for i := 0; i+len(want) <= len(have); i++ {
		if slices.Equal(have[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

func (st *state) prepareAuthors() {
	if st.authorsDone {
		return
	}
	st.authorsDone = true
	st.authorWords = st.authorWords[:0]
	for _, a := range st.doc.Authors {
		_, f := words(a)
		st.authorWords = append(st.authorWords, f)
	}
}

func (st *state) itemHost() string {
	if !st.hostDone {
		st.hostDone = true
		st.host = ""
		if u, err := url.Parse(strings.TrimSpace(st.doc.Link)); err == nil {
			st.host = normHost(u.Hostname())
		}
	}
	return st.host
}
