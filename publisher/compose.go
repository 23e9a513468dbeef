package publisher

import (
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"

	"bantin/config"
	"bantin/db"
	"bantin/fold"
)

// Dedupe parameters. Two reports are one story when their canonical links
// are equal (at any distance in time), or, when they come from different
// sources and were published within DedupeWindow of each other, when
// their titles are equal after folding (case, diacritics, punctuation,
// white space) or near-equal: the Jaccard similarity of their titles' word
// 2-shingles is at least NearTitle and both titles carry the same numbers
// ("Xổ số ngày 1/3" and "Xổ số ngày 2/3" are different stories). Titles of
// fewer than MinShingleWords words are only compared for equality: short
// titles share too little to be called near. Titles are not compared
// within one source, whose near-identical titles are a series, not a
// repeat.
const (
	DedupeWindow    = 48 * time.Hour
	NearTitle       = 0.6
	MinShingleWords = 3
)

// Compose returns one page of topic t built from candidates (stored members
// of the topic, newest first by Published then ID) and the topic's
// curations, as of now:
//   - hidden items (a DB hide curation, or a link in t.Hide) never appear;
//   - pinned items (a DB pin curation, or a link in t.Pin) lead the page,
//     newest first, whatever their date, and are exempt from max_age and
//     max_per_source; a pinned item must be among candidates to appear;
//   - other items older than t.MaxAge are dropped;
//   - when t.DedupeOn(), reports of one story (see DedupeWindow) become one
//     entry: the earliest published report (a pinned one if any) with the
//     others in Entry.Related;
//   - at most t.MaxPerSource non-pinned entries per source (0: no cap);
//   - at most t.Limit non-pinned entries (<= 0: 50).
//
// Stored items are not modified. Entries are ordered newest first by the
// kept report's Published date.
func Compose(t config.Topic, candidates []db.Item, curations []db.Curation, now time.Time) []Entry {
	c := NewComposer(t, curations, now, true)
	var rest []db.Item
	for _, it := range candidates {
		if c.IsPinned(it) {
			c.AddPinned(it)
		} else {
			rest = append(rest, it)
		}
	}
	for _, it := range rest {
		if !c.Add(it) {
			break
		}
	}
	return c.Entries()
}

// Composer builds one page of a topic feed incrementally, so that a caller
// can stream candidates from the database until the page is full. The
// rules are those of Compose.
type Composer struct {
	topic     config.Topic
	now       time.Time
	limit     int
	firstPage bool

	hideIDs, pinIDs     map[int64]bool
	hideLinks, pinLinks map[string]bool

	pinned, groups []*group
	perSource      map[string]int
	seen           map[string]bool
	agedOut        bool
}

type group struct {
	entry   Entry
	members []member
}

type member struct {
	item      db.Item
	published time.Time
	canon     string
	title     string // folded, punctuation-free
	numbers   string // the title's numeric words, in order
	shingles  map[string]bool
}

// NewComposer returns a Composer for one page of topic t. firstPage is
// false for older pages (?before=...): pinned items are then left out
// (they were published at the top of the first page).
func NewComposer(t config.Topic, curations []db.Curation, now time.Time, firstPage bool) *Composer {
	c := &Composer{
		topic: t, now: now, limit: t.Limit, firstPage: firstPage,
		hideIDs: map[int64]bool{}, pinIDs: map[int64]bool{},
		hideLinks: map[string]bool{}, pinLinks: map[string]bool{},
		perSource: map[string]int{}, seen: map[string]bool{},
	}
	if c.limit <= 0 {
		c.limit = db.DefaultLimit
	}
	for _, cu := range curations {
		if cu.Topic != "" && cu.Topic != t.Slug {
			continue
		}
		switch cu.Action {
		case db.Hide:
			c.hideIDs[cu.ItemID] = true
		case db.Pin:
			c.pinIDs[cu.ItemID] = true
		}
	}
	for _, l := range t.Hide {
		if k := canonLink(l); k != "" {
			c.hideLinks[k] = true
		}
	}
	for _, l := range t.Pin {
		if k := canonLink(l); k != "" {
			c.pinLinks[k] = true
		}
	}
	return c
}

// IsHidden reports whether it is hidden in the topic.
func (c *Composer) IsHidden(it db.Item) bool {
	return c.hideIDs[it.ID] || c.linkIn(it, c.hideLinks)
}

// IsPinned reports whether it is pinned in the topic (and not hidden).
func (c *Composer) IsPinned(it db.Item) bool {
	return !c.IsHidden(it) && (c.pinIDs[it.ID] || c.linkIn(it, c.pinLinks))
}

func (c *Composer) linkIn(it db.Item, set map[string]bool) bool {
	if len(set) == 0 {
		return false
	}
	return set[canonLink(it.Link)] || (it.CanonicalLink != "" && set[canonLink(it.CanonicalLink)])
}

// PinnedIDs returns the ids of the items pinned by DB curation.
func (c *Composer) PinnedIDs() []int64 {
	ids := make([]int64, 0, len(c.pinIDs))
	for id := range c.pinIDs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// AddPinned adds a pinned item at the head of the page (first page only;
// hidden items and repeats are ignored).
func (c *Composer) AddPinned(it db.Item) {
	if !c.firstPage || c.IsHidden(it) || c.seen[itemKey(it)] {
		return
	}
	c.seen[itemKey(it)] = true
	m := newMember(it)
	if c.topic.DedupeOn() {
		for _, g := range c.pinned {
			if sameStory(g, m) {
				g.add(m, true)
				return
			}
		}
	}
	g := &group{entry: Entry{Item: it, Pinned: true}, members: []member{m}}
	c.pinned = append(c.pinned, g)
}

// Add offers the next candidate (newest first). It reports whether the
// candidate was consumed: placed, folded into an entry, or dropped (hidden,
// pinned, too old, over the per-source cap). It returns false, consuming
// nothing, when the page is full and the candidate would start a new entry:
// the page ends before it. After AgedOut no later candidate can qualify.
func (c *Composer) Add(it db.Item) bool {
	if c.seen[itemKey(it)] {
		return true
	}
	if c.IsHidden(it) || c.pinIDs[it.ID] || c.linkIn(it, c.pinLinks) {
		return true // pinned items appear at the top of the first page only
	}
	m := newMember(it)
	if c.topic.MaxAge > 0 && m.published.Before(c.now.Add(-c.topic.MaxAge.D())) {
		c.agedOut = true
		return true
	}
	if c.topic.DedupeOn() {
		for _, g := range c.pinned {
			if sameStory(g, m) {
				c.seen[itemKey(it)] = true
				g.add(m, true)
				return true
			}
		}
		for _, g := range c.groups {
			if sameStory(g, m) {
				c.seen[itemKey(it)] = true
				old := g.entry.Item.SourceID
				g.add(m, false)
				if now := g.entry.Item.SourceID; now != old {
					c.perSource[old]--
					c.perSource[now]++
				}
				return true
			}
		}
	}
	if len(c.groups) >= c.limit {
		return false
	}
	if c.topic.MaxPerSource > 0 && c.perSource[it.SourceID] >= c.topic.MaxPerSource {
		c.seen[itemKey(it)] = true
		return true
	}
	c.seen[itemKey(it)] = true
	c.perSource[it.SourceID]++
	c.groups = append(c.groups, &group{entry: Entry{Item: it}, members: []member{m}})
	return true
}

// Full reports whether the page holds its limit of non-pinned entries.
func (c *Composer) Full() bool { return len(c.groups) >= c.limit }

// AgedOut reports whether a candidate older than the topic's max_age was
// seen (candidates come newest first, so no later one qualifies).
func (c *Composer) AgedOut() bool { return c.agedOut }

// Entries returns the page: pinned entries first, then the others, each
// part newest first by the kept report's Published (then ID).
func (c *Composer) Entries() []Entry {
	out := make([]Entry, 0, len(c.pinned)+len(c.groups))
	for _, part := range [][]*group{c.pinned, c.groups} {
		gs := append([]*group(nil), part...)
		sort.SliceStable(gs, func(i, j int) bool {
			a, b := gs[i].entry.Item, gs[j].entry.Item
			pa, pb := itemPublished(a), itemPublished(b)
			if !pa.Equal(pb) {
				return pa.After(pb)
			}
			return a.ID > b.ID
		})
		for _, g := range gs {
			out = append(out, g.result())
		}
	}
	return out
}

// add puts m in g; the earliest report becomes the entry's item unless a
// pinned report holds that place.
func (g *group) add(m member, pinnedGroup bool) {
	g.members = append(g.members, m)
	if !pinnedGroup && earlier(m.item, g.entry.Item) {
		g.entry.Item = m.item
	}
}

// result is the group's entry with the other members as Related, oldest
// first.
func (g *group) result() Entry {
	e := Entry{Item: g.entry.Item, Pinned: g.entry.Pinned}
	for _, m := range g.members {
		if itemKey(m.item) == itemKey(e.Item) {
			continue
		}
		e.Related = append(e.Related, m.item)
	}
	sort.SliceStable(e.Related, func(i, j int) bool { return earlier(e.Related[i], e.Related[j]) })
	return e
}

// itemKey identifies a stored item (its identity within its source).
func itemKey(it db.Item) string { return it.SourceID + "\x00" + it.GUID }

func earlier(a, b db.Item) bool {
	pa, pb := itemPublished(a), itemPublished(b)
	if !pa.Equal(pb) {
		return pa.Before(pb)
	}
	return a.ID < b.ID
}

func newMember(it db.Item) member {
	link := it.CanonicalLink
	if link == "" {
		link = it.Link
	}
	title := titleKey(it.Title)
	return member{item: it, published: itemPublished(it), canon: canonLink(link), title: title,
		numbers: numbers(title), shingles: shingles(title)}
}

// sameStory reports whether m reports the story of g.
func sameStory(g *group, m member) bool {
	for _, o := range g.members {
		if m.canon != "" && m.canon == o.canon {
			return true
		}
		d := m.published.Sub(o.published)
		if d < 0 {
			d = -d
		}
		if d > DedupeWindow || m.title == "" || m.item.SourceID == o.item.SourceID {
			continue
		}
		if m.title == o.title {
			return true
		}
		if m.numbers == o.numbers && jaccard(m.shingles, o.shingles) >= NearTitle {
			return true
		}
	}
	return false
}

// titleKey folds a title (fold.Fold) and keeps only its words (letters,
// digits and marks), separated by single spaces.
func titleKey(s string) string {
	words := strings.FieldsFunc(fold.Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	return strings.Join(words, " ")
}

// numbers returns the words of a title key that contain a digit.
func numbers(key string) string {
	var out []string
	for _, w := range strings.Fields(key) {
		if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// shingles returns the set of word 2-shingles of a title key, nil for
// titles of fewer than MinShingleWords words.
func shingles(key string) map[string]bool {
	w := strings.Fields(key)
	if len(w) < MinShingleWords {
		return nil
	}
	set := make(map[string]bool, len(w)-1)
	for i := 0; i+1 < len(w); i++ {
		set[w[i]+" "+w[i+1]] = true
	}
	return set
}

// jaccard is |a∩b| / |a∪b|, 0 when either set is empty.
func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// trackingParams are query parameters dropped from links before comparing
// them (prefixes end in "_").
var trackingParams = []string{"utm_", "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "_ga", "igshid", "ref_src", "cmpid"}

// canonLink is the comparison form of a link: scheme and host lowercased,
// default port, fragment and tracking parameters dropped, remaining query
// parameters sorted. It is applied on top of the stored CanonicalLink so
// that links written in the config (pin:, hide:) compare the same way.
// Unparsable or relative links compare as written.
func canonLink(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			lk := strings.ToLower(k)
			for _, p := range trackingParams {
				if lk == p || (strings.HasSuffix(p, "_") && strings.HasPrefix(lk, p)) {
					q.Del(k)
					break
				}
			}
		}
		u.RawQuery = q.Encode()
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}
