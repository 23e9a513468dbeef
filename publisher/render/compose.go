package render

import (
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"bantin/config"
	"bantin/db"
	"bantin/fold"
	"bantin/tracking"
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
//   - hidden items never appear: a DB hide curation hides its item and
//     every item with the same canonical link, as a link in t.Hide does;
//   - pinned items (a DB pin curation, extended to the item's canonical
//     link the same way, or a link in t.Pin) lead the page, newest first,
//     whatever their date, and are exempt from max_age and max_per_source;
//     a pinned item must be among candidates to appear;
//   - other items older than t.MaxAge are dropped;
//   - when t.DedupeOn(), reports of one story (see DedupeWindow) become one
//     entry (see Composer.Add): the earliest published report (the
//     earliest pinned one, if any is pinned) with the others in
//     Entry.Related;
//   - at most t.MaxPerSource non-pinned entries per source (0: no cap),
//     counted by the source of each entry's lead, as readers see it;
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
// rules are those of Compose. It remembers what became of every candidate
// offered (Fate).
type Composer struct {
	topic     config.Topic
	now       time.Time
	limit     int
	firstPage bool

	hideIDs, pinIDs     map[int64]bool
	hideLinks, pinLinks map[string]bool

	// pinned and groups hold the entries (root groups only), pinned ones
	// and the others, in the order they were started.
	pinned, groups []*group
	perSource      map[string]int
	seen           map[string]bool
	// placed maps the itemKey of every placed candidate to the group it
	// joined (merged groups point to their root), fates the others to
	// what happened to them.
	placed map[string]*group
	fates  map[string]FateKind
	// dropped holds the candidates given a fate in fates, in the order
	// they came (a readmitted one stays listed; Fates skips it then).
	dropped []db.Item
	agedOut bool
	// capped holds the candidates left out for max_per_source, in order,
	// until their source is under its cap again (see readmit).
	capped []db.Item

	// The dedupe indexes, so that finding the entries a report belongs
	// to costs time in proportion to the likely matches, not to the page:
	// every member by canonical link, by title key and by title shingle
	// (members of Add; pinned members are few and kept in pinnedMembers).
	byCanon, byTitle, byShingle map[string][]*member
	pinnedMembers               []*member
	// sorted: the members of Add came newest first so far (as the
	// database streams them), so a scan of an index list from its end can
	// stop at the first member beyond DedupeWindow; oldest is the
	// published time of the last of them.
	sorted bool
	oldest time.Time
	order  int   // counts groups started or pinned, for group.order
	visit  int64 // stamps members already checked for one candidate
	// comparisons counts the pairs of reports compared (for tests).
	comparisons int
}

// group is one entry in the making: a union-find set of reports.
type group struct {
	entry   Entry
	members []*member
	parent  *group // the group this one was merged into; nil for a root
	// order is the group's place among the pinned or the other entries
	// (it was started or became pinned after every lower one).
	order int
}

type member struct {
	item      db.Item
	pinned    bool
	published time.Time
	canon     string
	title     string // folded, punctuation-free
	numbers   string // the title's numeric words, in order
	shingles  map[string]bool
	group     *group // the group it joined first (see group.root)
	visit     int64
}

// NewComposer returns a Composer for one page of topic t. firstPage is
// false for older pages (?before=...): pinned items are then left out
// (they were published at the top of the first page), and so is
// max_per_source: it keeps the first page, the one readers subscribe to,
// varied, while the older pages are the topic's archive, every item in
// order (the first page's next link starts at the newest item it left
// out for the cap: see NewestCapped).
func NewComposer(t config.Topic, curations []db.Curation, now time.Time, firstPage bool) *Composer {
	if !firstPage {
		t.MaxPerSource = 0
	}
	c := &Composer{
		topic: t, now: now, limit: t.Limit, firstPage: firstPage,
		hideIDs: map[int64]bool{}, pinIDs: map[int64]bool{},
		hideLinks: map[string]bool{}, pinLinks: map[string]bool{},
		perSource: map[string]int{}, seen: map[string]bool{},
		placed: map[string]*group{}, fates: map[string]FateKind{},
		byCanon: map[string][]*member{}, byTitle: map[string][]*member{}, byShingle: map[string][]*member{},
		sorted: true,
	}
	if c.limit <= 0 {
		c.limit = db.DefaultLimit
	}
	// Curations stored under a former slug (alias) of the topic are its
	// own, unless the topic has its own for the same item.
	own := map[int64]bool{}
	for _, cu := range curations {
		if cu.Topic == t.Slug {
			own[cu.ItemID] = true
		}
	}
	for _, cu := range curations {
		if cu.Topic != "" && cu.Topic != t.Slug && (own[cu.ItemID] || !slices.Contains(t.Aliases, cu.Topic)) {
			continue
		}
		// A curation made with `bantin curate` stands for its item's
		// story link, as a pin:/hide: link in the config does.
		link := canonLink(firstLink(cu.CanonicalLink, cu.Link))
		switch cu.Action {
		case db.Hide:
			c.hideIDs[cu.ItemID] = true
			if link != "" {
				c.hideLinks[link] = true
			}
		case db.Pin:
			c.pinIDs[cu.ItemID] = true
			if link != "" {
				c.pinLinks[link] = true
			}
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

func firstLink(links ...string) string {
	for _, l := range links {
		if l != "" {
			return l
		}
	}
	return ""
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

// LinkMatches reports whether it is an item that a curation of link (a
// pin:/hide: link, or the canonical link of a curated item) covers: its
// link or canonical link equals link after dropping tracking parameters,
// fragments, default ports and case differences of scheme and host.
func LinkMatches(it db.Item, link string) bool {
	k := canonLink(link)
	return k != "" && (canonLink(it.Link) == k || (it.CanonicalLink != "" && canonLink(it.CanonicalLink) == k))
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
// hidden items and repeats are ignored). With dedupe on, the entries it
// reports the story of (pinned or not) become one pinned entry.
func (c *Composer) AddPinned(it db.Item) {
	k := itemKey(it)
	if !c.firstPage || c.seen[k] {
		return
	}
	if c.IsHidden(it) {
		c.seen[k] = true
		c.drop(it, k, FateHidden)
		return
	}
	c.seen[k] = true
	m := newMember(it)
	m.pinned = true
	if g := c.join(m); g != nil {
		c.placed[k] = g
		c.readmit()
		return
	}
	c.order++
	g := &group{entry: Entry{Item: it, Pinned: true}, members: []*member{m}, order: c.order}
	c.pinned = append(c.pinned, g)
	c.placed[k] = g
	c.index(m, g)
}

// Add offers the next candidate (newest first). It reports whether the
// candidate was consumed: placed, folded into an entry, or dropped (hidden,
// too old, over the per-source cap). A pinned candidate is placed with
// AddPinned (first page) or dropped (older pages). Add returns false,
// consuming nothing, when the page is full and the candidate would start a
// new entry: the page ends before it. After AgedOut no later candidate can
// qualify.
//
// With dedupe on, a candidate that reports the story of one entry is
// folded into it; one that reports the stories of several entries (say,
// one by its canonical link and another by its title) joins them all into
// one entry, so a link or a title is never published twice. The joined
// entry is pinned if any part was; its lead is the earliest report
// (earliest pinned report of a pinned entry; equal dates: lowest ID), so
// the entry and the page order depend only on which reports it holds, not
// on the order they came in, except that max_per_source counts the
// entries as published: a report whose source already has its cap of
// other entries does not lead (the earliest report of another source
// does, and it stays in the entry as "also reported by").
func (c *Composer) Add(it db.Item) bool {
	k := itemKey(it)
	if c.seen[k] {
		return true
	}
	if c.IsHidden(it) {
		c.seen[k] = true
		c.drop(it, k, FateHidden)
		return true
	}
	if c.pinIDs[it.ID] || c.linkIn(it, c.pinLinks) {
		// Pinned items appear at the top of the first page only.
		c.AddPinned(it)
		return true
	}
	m := newMember(it)
	if c.topic.MaxAge > 0 && m.published.Before(c.now.Add(-c.topic.MaxAge.D())) {
		c.agedOut = true
		c.drop(it, k, FateTooOld)
		return true
	}
	if g := c.join(m); g != nil {
		c.seen[k] = true
		c.placed[k] = g
		c.readmit()
		return true
	}
	if len(c.groups) >= c.limit {
		c.drop(it, k, FateFull)
		return false
	}
	if c.topic.MaxPerSource > 0 && c.perSource[it.SourceID] >= c.topic.MaxPerSource {
		c.seen[k] = true
		c.drop(it, k, FatePerSource)
		c.capped = append(c.capped, it)
		return true
	}
	c.seen[k] = true
	c.perSource[it.SourceID]++
	c.order++
	g := &group{entry: Entry{Item: it}, members: []*member{m}, order: c.order}
	c.groups = append(c.groups, g)
	c.placed[k] = g
	c.index(m, g)
	return true
}

// SourceRemoved records that the caller leaves it out because its source
// is no longer in the config (FateNoSource; FateHidden when it is hidden
// too), so that Fates accounts for it.
func (c *Composer) SourceRemoved(it db.Item) {
	k := itemKey(it)
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	if c.IsHidden(it) {
		c.drop(it, k, FateHidden)
		return
	}
	c.drop(it, k, FateNoSource)
}

// drop records the fate of a candidate that is not on the page.
func (c *Composer) drop(it db.Item, k string, kind FateKind) {
	if _, ok := c.fates[k]; !ok {
		c.dropped = append(c.dropped, it)
	}
	c.fates[k] = kind
}

// readmit offers again, in their order, the candidates left out for
// max_per_source whose source is under its cap once more (a merge put
// the source's entry under another source's lead), while the page has
// room for them: the cap never leaves a source with fewer entries than it
// allows while a report of it was dropped.
func (c *Composer) readmit() {
	for i := 0; i < len(c.capped); i++ {
		it := c.capped[i]
		if c.perSource[it.SourceID] >= c.topic.MaxPerSource || len(c.groups) >= c.limit {
			continue
		}
		c.capped = slices.Delete(c.capped, i, i+1)
		k := itemKey(it)
		delete(c.seen, k)
		delete(c.fates, k)
		c.Add(it) // may merge again, and readmit others
		i = -1    // the counts changed: from the start
	}
}

// join puts m into the entries whose story it reports, merging them into
// one (the first pinned one, else the first one started), and returns that
// entry; nil when dedupe is off or m reports no entry's story. A pinned m
// turns a non-pinned entry it joins into a pinned one.
func (c *Composer) join(m *member) *group {
	if !c.topic.DedupeOn() {
		return nil
	}
	hits := c.stories(m)
	if len(hits) == 0 {
		return nil
	}
	root := hits[0]
	for _, g := range hits {
		if !g.entry.Pinned {
			c.perSource[g.entry.Item.SourceID]--
		}
	}
	if m.pinned && !root.entry.Pinned {
		// The first hit is not pinned, so none is: the entry becomes pinned.
		root.entry.Pinned = true
		c.groups = slices.DeleteFunc(c.groups, func(g *group) bool { return g == root })
		c.order++
		root.order = c.order
		c.pinned = append(c.pinned, root)
	}
	for _, g := range hits[1:] {
		g.parent = root
		root.members = append(root.members, g.members...)
		g.members = nil
		c.pinned = slices.DeleteFunc(c.pinned, func(x *group) bool { return x == g })
		c.groups = slices.DeleteFunc(c.groups, func(x *group) bool { return x == g })
	}
	root.members = append(root.members, m)
	// perSource counts the other entries now (the hits were taken out):
	// lead root with a report whose source is under the cap, so that
	// max_per_source holds for the entries as published.
	capped := func(src string) bool {
		return c.topic.MaxPerSource > 0 && c.perSource[src] >= c.topic.MaxPerSource
	}
	if root.entry.Pinned {
		capped = nil // pinned entries are exempt from the cap
	}
	root.lead(capped)
	if !root.entry.Pinned {
		c.perSource[root.entry.Item.SourceID]++
	}
	c.index(m, root)
	return root
}

// index adds m, which joined g, to the dedupe indexes.
func (c *Composer) index(m *member, g *group) {
	m.group = g
	if m.pinned {
		c.pinnedMembers = append(c.pinnedMembers, m)
		return
	}
	if c.oldest.IsZero() || !m.published.After(c.oldest) {
		c.oldest = m.published
	} else {
		c.sorted = false
	}
	if m.canon != "" {
		c.byCanon[m.canon] = append(c.byCanon[m.canon], m)
	}
	if m.title != "" {
		c.byTitle[m.title] = append(c.byTitle[m.title], m)
	}
	for s := range m.shingles {
		c.byShingle[s] = append(c.byShingle[s], m)
	}
}

// stories returns the entries (root groups) whose story m reports, in the
// order the entries were started: pinned ones first. A group reports a
// story when any of its members does (see sameStory).
func (c *Composer) stories(m *member) []*group {
	c.visit++
	var hits []*group
	check := func(o *member) {
		if o.visit == c.visit {
			return
		}
		o.visit = c.visit
		c.comparisons++
		if sameStory(o, m) {
			if g := o.group.root(); !slices.Contains(hits, g) {
				hits = append(hits, g)
			}
		}
	}
	for _, o := range c.pinnedMembers {
		check(o)
	}
	if m.canon != "" {
		for _, o := range c.byCanon[m.canon] {
			check(o)
		}
	}
	// Title matches need the two reports within DedupeWindow: newest-first
	// lists are scanned from their oldest end and stop beyond it.
	stop := c.sorted && !m.pinned && !m.published.After(c.oldest)
	scan := func(list []*member) {
		for i := len(list) - 1; i >= 0; i-- {
			o := list[i]
			if stop && o.published.Sub(m.published) > DedupeWindow {
				return
			}
			check(o)
		}
	}
	if m.title != "" {
		scan(c.byTitle[m.title])
		for s := range m.shingles {
			scan(c.byShingle[s])
		}
	}
	slices.SortFunc(hits, func(a, b *group) int {
		if a.entry.Pinned != b.entry.Pinned {
			if a.entry.Pinned {
				return -1
			}
			return 1
		}
		return a.order - b.order
	})
	return hits
}

// lead makes the earliest report of g (the earliest pinned report of a
// pinned entry) the entry's item; with capped, the earliest report whose
// source capped does not refuse, if any (a previous lead always
// qualifies: its entry was counted under the cap).
func (g *group) lead(capped func(source string) bool) {
	var best, any *member
	for _, m := range g.members {
		if g.entry.Pinned && !m.pinned {
			continue
		}
		if any == nil || earlier(m.item, any.item) {
			any = m
		}
		if capped != nil && capped(m.item.SourceID) {
			continue
		}
		if best == nil || earlier(m.item, best.item) {
			best = m
		}
	}
	if best == nil {
		best = any
	}
	if best != nil {
		g.entry.Item = best.item
	}
}

// root returns the group that g was merged into, g itself if none.
func (g *group) root() *group {
	for g.parent != nil {
		g = g.parent
	}
	return g
}

// Full reports whether the page holds its limit of non-pinned entries.
func (c *Composer) Full() bool { return len(c.groups) >= c.limit }

// AgedOut reports whether a candidate older than the topic's max_age was
// seen (candidates come newest first, so no later one qualifies).
func (c *Composer) AgedOut() bool { return c.agedOut }

// Entries returns the page: pinned entries first, then the others, each
// part newest first by the kept report's Published (then ID).
func (c *Composer) Entries() []Entry {
	gs := c.ordered()
	out := make([]Entry, 0, len(gs))
	for _, g := range gs {
		out = append(out, g.result())
	}
	return out
}

// ordered returns the entries' groups in page order.
func (c *Composer) ordered() []*group {
	out := make([]*group, 0, len(c.pinned)+len(c.groups))
	for _, part := range [][]*group{c.pinned, c.groups} {
		gs := append([]*group(nil), part...)
		sort.SliceStable(gs, func(i, j int) bool {
			a, b := gs[i].entry.Item, gs[j].entry.Item
			pa, pb := Published(a), Published(b)
			if !pa.Equal(pb) {
				return pa.After(pb)
			}
			return a.ID > b.ID
		})
		out = append(out, gs...)
	}
	return out
}

// FateKind says what became of a candidate of a page.
type FateKind string

// Fates of a candidate.
const (
	// FateUnseen: never offered to the Composer: not a member of the
	// topic, or the page was full (or aged out) before it came.
	FateUnseen FateKind = "unseen"
	// FateEntry: published as an entry of its own (Fate.Entry is itself).
	FateEntry FateKind = "entry"
	// FateFolded: named in another report's entry as "also reported by".
	FateFolded FateKind = "folded"
	// FateHidden: hidden by a curation (DB or config).
	FateHidden FateKind = "hidden"
	// FateTooOld: older than the topic's max_age.
	FateTooOld FateKind = "max_age"
	// FatePerSource: its source already had max_per_source entries.
	FatePerSource FateKind = "max_per_source"
	// FateFull: the page held its limit of entries when it came.
	FateFull FateKind = "limit"
	// FateNoSource: its source is no longer in the config (its items
	// stay stored, published nowhere); see Composer.SourceRemoved.
	FateNoSource FateKind = "source_removed"
)

// Fate is what became of one candidate.
type Fate struct {
	Kind FateKind
	// Entry is the entry that publishes it (FateEntry, FateFolded) or,
	// for FatePerSource, the first entry of its source on the page.
	Entry Entry
	// Index is Entry's 1-based position on the page, 0 for none.
	Index int
}

// Fate returns what became of it on the page built so far.
func (c *Composer) Fate(it db.Item) Fate {
	return c.fate(it, c.ordered())
}

// fate is Fate on the page whose groups, in order, are gs.
func (c *Composer) fate(it db.Item, gs []*group) Fate {
	k := itemKey(it)
	at := func(g *group) Fate {
		for i, x := range gs {
			if x == g {
				return Fate{Entry: x.result(), Index: i + 1}
			}
		}
		return Fate{}
	}
	if g, ok := c.placed[k]; ok {
		f := at(g.root())
		f.Kind = FateFolded
		if itemKey(f.Entry.Item) == k {
			f.Kind = FateEntry
		}
		return f
	}
	kind, ok := c.fates[k]
	if !ok {
		return Fate{Kind: FateUnseen}
	}
	f := Fate{Kind: kind}
	if kind == FatePerSource {
		for i, g := range gs {
			if !g.entry.Pinned && g.entry.Item.SourceID == it.SourceID {
				f.Entry, f.Index = g.result(), i+1
				break
			}
		}
	}
	return f
}

// Candidate is an item offered to a Composer and what became of it.
type Candidate struct {
	Item db.Item
	Fate Fate
}

// Fates returns what became of every candidate offered so far, from the
// composition itself (nothing is composed again): the page's entries in
// order, each lead (FateEntry) followed by the reports folded into it
// (FateFolded, oldest first), then the candidates left off the page
// (hidden, max_age, max_per_source, limit, source removed) in the order
// they came.
func (c *Composer) Fates() []Candidate {
	gs := c.ordered()
	var out []Candidate
	for i, g := range gs {
		e := g.result()
		out = append(out, Candidate{Item: e.Item, Fate: Fate{Kind: FateEntry, Entry: e, Index: i + 1}})
		for _, r := range e.Related {
			out = append(out, Candidate{Item: r, Fate: Fate{Kind: FateFolded, Entry: e, Index: i + 1}})
		}
	}
	listed := map[string]bool{}
	for _, it := range c.dropped {
		k := itemKey(it)
		if _, placed := c.placed[k]; placed || listed[k] {
			continue
		}
		listed[k] = true
		out = append(out, Candidate{Item: it, Fate: c.fate(it, gs)})
	}
	return out
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
	pa, pb := Published(a), Published(b)
	if !pa.Equal(pb) {
		return pa.Before(pb)
	}
	return a.ID < b.ID
}

func newMember(it db.Item) *member {
	link := it.CanonicalLink
	if link == "" {
		link = it.Link
	}
	title := titleKey(it.Title)
	return &member{item: it, published: Published(it), canon: canonLink(link), title: title,
		numbers: numbers(title), shingles: shingles(title)}
}

// sameStory reports whether m and o, two reports, tell one story.
func sameStory(o, m *member) bool {
	if m.canon != "" && m.canon == o.canon {
		return true
	}
	d := m.published.Sub(o.published)
	if d < 0 {
		d = -d
	}
	if d > DedupeWindow || m.title == "" || m.item.SourceID == o.item.SourceID {
		return false
	}
	if m.title == o.title {
		return true
	}
	return m.numbers == o.numbers && jaccard(m.shingles, o.shingles) >= NearTitle
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

// canonLink is the comparison form of a link: scheme and host lowercased,
// default port, fragment and tracking parameters (tracking.Param, as the
// normaliser strips them) dropped, remaining query pairs kept as written
// and sorted (the normaliser's canonical form of the query). It is applied on top of the stored CanonicalLink so
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
		// As the normaliser's canonical links (stored, and looked up by
		// this form): trackers dropped, the other pairs kept as written,
		// sorted.
		var keep []string
		for pair := range strings.SplitSeq(u.RawQuery, "&") {
			if k, _, _ := strings.Cut(pair, "="); pair != "" && !tracking.Param(k) {
				keep = append(keep, pair)
			}
		}
		slices.Sort(keep)
		u.RawQuery, u.ForceQuery = strings.Join(keep, "&"), false
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// LinkKey returns the form in which links are compared for dedupe and
// curation (see LinkMatches): scheme and host lowercased, default port,
// fragment and tracking parameters dropped, query parameters sorted.
func LinkKey(raw string) string { return canonLink(raw) }

// NewestCapped returns the newest candidate that max_per_source leaves
// out of the page (false when none is): the page's next link starts
// there, so that no item of the topic is out of every page.
func (c *Composer) NewestCapped() (db.Item, bool) {
	if len(c.capped) == 0 {
		return db.Item{}, false
	}
	return c.capped[0], true
}
