// Package classifier decides which editorial topics an item belongs to.
//
// Compile turns the topics' match rules (config.Rule trees) into one
// Classifier. All keyword and title phrases of all topics go into a single
// matcher: an item's text is tokenized and folded once, each word is looked
// up once in the vocabulary of all phrase words, phrases are found through
// their first word (one-word phrases) or first two words, and only the
// topics that a matched phrase (or a matching tag, source or category) can
// make true are evaluated, plus the few topics whose rules can hold without
// any of those (rules built on none, regex, authors, domains, languages or
// max_age alone). Classifying an item therefore costs about the same with
// 1,000 topics as with 10.
//
// Matching rules (keywords and title): case-insensitive, on word
// boundaries; a word is a run of letters, numbers and marks, and any run of
// other characters between two words of a phrase matches any other such
// run. A phrase word written without diacritics matches the word with any
// diacritics ("ha noi" finds "Hà Nội", "dai hoi dang" finds "Đại hội Đảng",
// đ folds to d); a word written with diacritics matches only those
// diacritics, in any case ("Đảng" finds "ĐẢNG" but not "đang"); the two
// accepted placements of a Vietnamese tone mark in oa, oe and uy are the
// same diacritics ("Hòa" finds "Hoà", "thủy" finds "thuỷ"; see fold.Tones).
// Each word of a phrase is treated on its own. Symbols that are part of a
// name count the same way: a phrase word written with a trailing run of '+'
// or '#' ("C++", "C#") or a leading '.' (".NET") matches only a word with
// the same symbols, and written without them matches with or without
// ("c++" does not find "C" or "C#"; "net" finds ".NET"; see affixes).
// Softly joined words ("TP.HCM", "VN-Index", "TP HCM", "Tp. HCM") may also
// be written as one word on either side ("TPHCM"), and in Vietnamese a
// syllable of an initial consonant and i or y matches its twin ("tỷ" finds
// "tỉ"); see join.go for the precise rules. Han, Hiragana and Katakana
// characters are words of their own. Both sides are compared in Unicode
// NFC.
package classifier

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"

	"bantin/config"
	"bantin/fold"
)

// Doc is what the classifier looks at in an item.
type Doc struct {
	Title      string   // plain text
	Summary    string   // HTML allowed; tags are stripped and entities decoded
	Content    string   // HTML allowed
	FullText   string   // the article page's main content, HTML allowed; "" when not fetched
	Tags       []string // tag slugs (slugged again if they are not)
	Categories []string // upstream categories as written, before source tags are added
	Source     string   // source id
	Authors    []string // author names
	Link       string   // the item's link; its host is matched by domains
	Language   string   // BCP 47 tag of the item or else its source ("vi", "vi-VN")
	Published  time.Time
}

// Classifier holds compiled topics. It is immutable and safe for
// concurrent use.
type Classifier struct {
	topics []*topic
	bySlug map[string]int

	phrases []phrase
	pwords  []pword            // the words of all phrases, back to back
	simple  []bool             // by phrase: two words, no diacritics or symbols: found by its key alone
	vocab   map[string]int32   // folded word of any phrase -> word id (while compiling)
	pairs   map[uint64][]int32 // first and second word ids -> longer phrases (while compiling)
	singles [][]int32          // by word id: one-word phrases
	starts  []bool             // by word id: some longer phrase starts with it
	vocabT  vocabTable         // vocab for Classify
	pairsT  pairTable          // pairs for Classify
	maxWord int                // length of the longest word in vocab

	// Topics that can only match when one of these triggers fires, by
	// trigger; always lists the topics evaluated for every item.
	phraseTopics   [][]int32
	tagTopics      map[string][]int32
	sourceTopics   map[string][]int32
	categoryTopics map[string][]int32
	always         []int32

	pool sync.Pool
}

type topic struct {
	slug  string
	root  *node
	gated bool
}

// phrase is one distinct keyword phrase, shared by every rule using it:
// its words are pwords[off : off+n]. A keyword whose words are softly
// joined compiles to several phrases, one per way of joining them.
type phrase struct {
	off, n int32
	viet   bool // written with a Vietnamese letter: i/y variants may match
}

// pword is one word of a phrase, possibly joined from several written
// words ("TP.HCM" joined is "tphcm").
type pword struct {
	id    int32  // word id of the folded form (of both spellings of an i/y syllable), always compared
	exact string // when written with diacritics: exactForm of the word (of each part); "" otherwise
	dot   bool   // written with a leading '.' (".NET"): the item's word must have one (its first part)
	suf   string // written with trailing '+' or '#' ("C++", "C#"): the item's word must have the same
	iy    byte   // an i/y syllable: its folded vowel as written, 'i' or 'y'; 0 otherwise
	parts int32  // how many written words it is joined from
}

// Compile builds a Classifier from topics, in config order. It returns an
// error for a duplicate or empty slug, a nil sub-rule, a regex that does
// not compile, or a phrase, tag, category, author or domain without any
// letter or digit. A topic with no match rule matches nothing; an empty
// rule (no keys) matches everything.
func Compile(topics []config.Topic) (*Classifier, error) {
	c := &Classifier{
		bySlug:         make(map[string]int, len(topics)),
		vocab:          make(map[string]int32),
		pairs:          make(map[uint64][]int32),
		tagTopics:      make(map[string][]int32),
		sourceTopics:   make(map[string][]int32),
		categoryTopics: make(map[string][]int32),
	}
	b := &builder{c: c, phraseIDs: make(map[string]int32)}
	var errs []error
	for i := range topics {
		t := &topics[i]
		if t.Slug == "" {
			errs = append(errs, fmt.Errorf("classifier: topic %d has no slug", i+1))
			continue
		}
		if _, dup := c.bySlug[t.Slug]; dup {
			errs = append(errs, fmt.Errorf("classifier: duplicate topic slug %q", t.Slug))
			continue
		}
		b.errs = nil
		b.prefix = fmt.Sprintf("classifier: topic %s", t.Slug)
		var root *node
		if t.Match == nil {
			root = &node{kind: kFalse}
		} else {
			root = b.rule(t.Match)
		}
		if t.MaxAge > 0 {
			age := &node{kind: kMaxAge, dur: t.MaxAge.D(), topicLevel: true}
			if root.kind == kAll && root.implicit {
				root.kids = append(root.kids, age)
			} else {
				root = &node{kind: kAll, implicit: true, kids: []*node{root, age}}
			}
		}
		if len(b.errs) > 0 {
			errs = append(errs, b.errs...)
			continue
		}
		c.bySlug[t.Slug] = len(c.topics)
		c.topics = append(c.topics, &topic{slug: t.Slug, root: root, gated: root.gated()})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.vocabT, c.pairsT = newVocabTable(c.vocab), newPairTable(c.pairs)
	c.vocab, c.pairs = nil, nil // only needed while compiling
	c.phraseTopics = make([][]int32, len(c.phrases))
	for i, t := range c.topics {
		id := int32(i)
		if !t.gated {
			c.always = append(c.always, id)
			continue
		}
		tr := triggers{}
		t.root.triggers(&tr)
		for _, p := range tr.phrases {
			c.phraseTopics[p] = appendOnce(c.phraseTopics[p], id)
		}
		for _, s := range tr.tags {
			c.tagTopics[s] = appendOnce(c.tagTopics[s], id)
		}
		for _, s := range tr.sources {
			c.sourceTopics[s] = appendOnce(c.sourceTopics[s], id)
		}
		for _, s := range tr.categories {
			c.categoryTopics[s] = appendOnce(c.categoryTopics[s], id)
		}
	}
	c.pool.New = func() any { return c.newState() }
	return c, nil
}

func appendOnce(ids []int32, id int32) []int32 {
	if n := len(ids); n > 0 && ids[n-1] == id {
		return ids
	}
	return append(ids, id)
}

// Topics returns the compiled topics' slugs in config order.
func (c *Classifier) Topics() []string {
	out := make([]string, len(c.topics))
	for i, t := range c.topics {
		out[i] = t.slug
	}
	return out
}

// Classify returns the slugs of the topics d belongs to, in config order,
// or nil. now is the reference time for max_age rules. d must not be nil.
func (c *Classifier) Classify(d *Doc, now time.Time) []string {
	st := c.pool.Get().(*state)
	defer c.release(st)
	st.prepare(d, now, false)

	st.epoch++
	if st.epoch == 0 { // wrapped: clear the marks
		clear(st.mark)
		st.epoch = 1
	}
	cand := st.cand[:0]
	add := func(ids []int32) {
		for _, id := range ids {
			if st.mark[id] != st.epoch {
				st.mark[id] = st.epoch
				cand = append(cand, id)
			}
		}
	}
	for _, p := range st.touched {
		add(c.phraseTopics[p])
	}
	for _, s := range st.tags {
		add(c.tagTopics[s])
	}
	add(c.sourceTopics[d.Source])
	for _, s := range st.categories {
		add(c.categoryTopics[s])
	}
	add(c.always)
	slices.Sort(cand)
	st.cand = cand

	var out []string
	for _, id := range cand {
		if st.eval(c.topics[id].root) {
			out = append(out, c.topics[id].slug)
		}
	}
	return out
}

func (c *Classifier) release(st *state) {
	for _, p := range st.touched {
		st.hits[p] = 0
	}
	st.touched = st.touched[:0]
	// Drop references to the item so a pooled state does not keep it alive.
	st.doc, st.spans, st.texts = nil, nil, [nFields]string{}
	c.pool.Put(st)
}

// builder compiles rules of one Compile call.
type builder struct {
	c         *Classifier
	phraseIDs map[string]int32
	prefix    string
	errs      []error
}

func (b *builder) errorf(format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf(b.prefix+": "+format, args...))
}

// rule compiles one rule mapping: every key present must hold.
func (b *builder) rule(r *config.Rule) *node {
	var parts []*node
	leaf := func(k kind, vals []string, f func(string) (string, bool)) {
		if vals == nil {
			return
		}
		n := &node{kind: k, shown: vals}
		for _, v := range vals {
			if s, ok := f(v); ok {
				n.strs = append(n.strs, s)
			}
		}
		parts = append(parts, n)
	}
	if r.Keywords != nil {
		parts = append(parts, b.phrases(kKeywords, r.Keywords))
	}
	if r.Title != nil {
		parts = append(parts, b.phrases(kTitle, r.Title))
	}
	leaf(kTags, r.Tags, func(v string) (string, bool) { return b.slug("tag", v) })
	leaf(kSources, r.Sources, func(v string) (string, bool) { return v, true })
	if r.Regex != nil {
		n := &node{kind: kRegex, shown: r.Regex}
		for _, expr := range r.Regex {
			re, err := regexp.Compile(expr)
			if err != nil {
				b.errorf("regex %q: %w", expr, err)
				continue
			}
			n.res = append(n.res, re)
		}
		parts = append(parts, n)
	}
	if r.Authors != nil {
		n := &node{kind: kAuthors, shown: r.Authors}
		for _, a := range r.Authors {
			_, f := words(a)
			if len(f) == 0 {
				b.errorf("author %q has no letters or digits", a)
				continue
			}
			n.authors = append(n.authors, f)
		}
		parts = append(parts, n)
	}
	leaf(kDomains, r.Domains, b.domain)
	leaf(kLanguages, r.Languages, func(v string) (string, bool) {
		l := normLang(v)
		if l == "" {
			b.errorf("empty language")
			return "", false
		}
		return l, true
	})
	leaf(kCategories, r.Categories, func(v string) (string, bool) { return b.slug("category", v) })
	if r.MaxAge != 0 {
		if r.MaxAge < 0 {
			b.errorf("negative max_age")
		}
		parts = append(parts, &node{kind: kMaxAge, dur: r.MaxAge.D()})
	}
	for _, c := range []struct {
		k    kind
		subs []*config.Rule
	}{{kAny, r.Any}, {kAll, r.All}, {kNone, r.None}} {
		if c.subs == nil {
			continue
		}
		n := &node{kind: c.k}
		for _, sub := range c.subs {
			if sub == nil {
				b.errorf("empty sub-rule in %s", c.k)
				continue
			}
			n.kids = append(n.kids, b.rule(sub))
		}
		parts = append(parts, n)
	}
	switch len(parts) {
	case 0:
		return &node{kind: kTrue}
	case 1:
		return parts[0]
	}
	return &node{kind: kAll, implicit: true, kids: parts}
}

func (b *builder) slug(what, v string) (string, bool) {
	s := fold.Slug(v)
	if s == "" {
		b.errorf("%s %q has no letters or digits", what, v)
		return "", false
	}
	return s, true
}

func (b *builder) domain(v string) (string, bool) {
	d := strings.TrimSpace(v)
	if strings.Contains(d, "://") {
		if u, err := url.Parse(d); err == nil {
			d = u.Hostname()
		}
	}
	d = strings.TrimPrefix(d, "*.")
	d = normHost(d)
	if d == "" {
		b.errorf("bad domain %q", v)
		return "", false
	}
	return d, true
}

// normHost lowercases a host name, drops a trailing dot and converts
// internationalised names to their ASCII (punycode) form.
func normHost(h string) string {
	h = strings.Trim(strings.ToLower(strings.TrimSpace(h)), ".")
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			if a, err := idna.Lookup.ToASCII(h); err == nil {
				return a
			}
			break
		}
	}
	return h
}

// normLang lowercases a language tag and uses '-' as its separator.
func normLang(l string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(l)), "_", "-")
}

// phrases compiles a keywords or title leaf: each keyword as one phrase
// per way of joining its softly joined words (see softJoin).
func (b *builder) phrases(k kind, list []string) *node {
	n := &node{kind: k, shown: list}
	for _, p := range list {
		ws := phraseWords(p)
		if len(ws) == 0 {
			b.errorf("%s phrase %q has no letters or digits", k, p)
			continue
		}
		viet := fold.HasVietnameseLetter(fold.NFC(p))
		soft := 0
		for _, w := range ws[:len(ws)-1] {
			if w.soft {
				soft++
			}
		}
		for _, combo := range joinCombos(soft) {
			n.phrases = append(n.phrases, b.phrase(joinWords(ws, combo), viet))
		}
	}
	return n
}

// phrase interns the phrase made of units, each a word joined from one or
// more written words, and returns its id.
func (b *builder) phrase(units [][]srcWord, viet bool) int32 {
	pw := make([]pword, len(units))
	var key strings.Builder
	simple := len(units) == 2
	for i, parts := range units {
		pw[i] = b.pword(parts)
		w := &pw[i]
		if w.exact != "" || w.dot || w.suf != "" || w.iy != 0 {
			simple = false
		}
		fmt.Fprintf(&key, "%d\x00%s\x00%t%s\x00%d\x01", w.id, w.exact, w.dot, w.suf, w.iy)
	}
	fmt.Fprintf(&key, "%t", viet)
	if id, ok := b.phraseIDs[key.String()]; ok {
		return id
	}
	c := b.c
	id := int32(len(c.phrases))
	b.phraseIDs[key.String()] = id
	c.phrases = append(c.phrases, phrase{off: int32(len(c.pwords)), n: int32(len(pw)), viet: viet})
	c.pwords = append(c.pwords, pw...)
	w0 := pw[0].id
	c.simple = append(c.simple, simple)
	if len(pw) == 1 {
		c.singles[w0] = append(c.singles[w0], id)
	} else {
		c.starts[w0] = true
		k := pairKey(w0, pw[1].id)
		c.pairs[k] = append(c.pairs[k], id)
	}
	return id
}

// pword compiles one phrase word written as parts (one word, or softly
// joined words compared as one).
func (b *builder) pword(parts []srcWord) pword {
	var folded, exact strings.Builder
	marked := false
	for _, w := range parts {
		folded.WriteString(w.folded)
		exact.WriteString(exactForm(w.written))
		marked = marked || fold.HasDiacritics(w.written)
	}
	f := folded.String()
	w := pword{id: b.wordID(f), iy: iyLetter(f), dot: parts[0].dot, suf: parts[len(parts)-1].suf, parts: int32(len(parts))}
	if w.iy != 0 {
		// Both spellings are one word of the index.
		b.c.vocab[iyTwin(f)] = w.id
	}
	if marked {
		w.exact = exact.String()
	}
	return w
}

// wordID interns a folded phrase word.
func (b *builder) wordID(w string) int32 {
	c := b.c
	if id, ok := c.vocab[w]; ok {
		return id
	}
	id := int32(len(c.singles))
	c.vocab[w] = id
	c.maxWord = max(c.maxWord, len(w))
	c.singles = append(c.singles, nil)
	c.starts = append(c.starts, false)
	return id
}
