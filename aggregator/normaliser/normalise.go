package normaliser

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	stdhtml "html"
	"slices"
	"strconv"
	"strings"
	"time"

	"bantin/db"
	"bantin/fold"

	"github.com/mmcdole/gofeed"
)

// Options are the per-source inputs of Normalise.
type Options struct {
	SourceID   string         // stored as Item.SourceID
	SourceTags []string       // the source's tags, added to every item
	Location   *time.Location // zone for upstream dates that carry none; nil = UTC
	Language   string         // used when neither item nor feed names one
	Now        time.Time      // the fetch time: FirstSeen, and Published when upstream has no date
	BaseURL    string         // the feed's URL; empty = Parsed.BaseURL
}

// futureSlack is how far in the future an upstream date may lie before it
// is taken for a lie and replaced by the fetch time.
const futureSlack = 24 * time.Hour

// Normalise maps the items of p to db.Items. It is pure and deterministic
// for given p and o.
//
//   - GUID: the upstream guid/id, trimmed; else the absolute link; else
//     "sha256:" + hash of title and date; else (neither) "sha256:" + Hash.
//     Items of one feed that share a guid use their link instead (link +
//     "#" + title hash when links collide too); an item whose final
//     identity repeats an earlier one is dropped.
//   - Link: absolute, against the feed's link resolved against the feed URL.
//     CanonicalLink: CanonicalLink(Link).
//   - Title: plain text (markup removed, entities decoded once, white space
//     collapsed), NFC; a title that is plain text by spec (JSON Feed,
//     Atom type="text", the Atom default) keeps "<" and "&" as they are
//     and only has its white space collapsed; RSS and Atom "html"/"xhtml"
//     titles are rendered from HTML. An untitled item gets its
//     media:title, else an excerpt of its text.
//   - Summary, Content: sanitised HTML with absolute URLs, NFC; Content is
//     empty when it equals Summary; with only content, Summary stays empty.
//   - Authors: the item's, else the feed's. Categories: as written, NFC,
//     trimmed, deduplicated. Tags: categories then source tags, slugged with
//     fold.Slug, deduplicated by slug, empty slugs dropped.
//   - Published/Updated: UTC; zone-less upstream dates read in o.Location;
//     Published falls back to Updated, then o.Now; a Published more than 24h
//     after o.Now becomes o.Now; Updated defaults to Published and is clamped
//     the same way. Both are truncated to whole seconds (all output
//     formats carry seconds; the publisher orders by stored time).
//   - Hash: SHA-256 over title, summary, content, link, authors,
//     categories, enclosures, image and the upstream dates (never o.Now), so
//     an unchanged upstream item hashes the same on every fetch.
func Normalise(p *Parsed, o Options) []db.Item {
	if p == nil || p.Feed == nil {
		return nil
	}
	f := p.Feed
	feedURL := o.BaseURL
	if feedURL == "" {
		feedURL = p.BaseURL
	}
	base := feedURL
	if l := strings.TrimSpace(f.Link); l != "" {
		base = resolve(feedURL, l)
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	now := o.Now.UTC()
	feedAuthors := people(f.Authors)
	lang := strings.ToLower(strings.TrimSpace(f.Language))
	if lang == "" {
		lang = strings.ToLower(strings.TrimSpace(o.Language))
	}

	// Count upstream guids to spot feeds that repeat one for every item.
	guidCount := map[string]int{}
	for _, it := range f.Items {
		if it != nil {
			if g := strings.TrimSpace(it.GUID); g != "" {
				guidCount[g]++
			}
		}
	}
	linkCount := map[string]int{}
	for _, it := range f.Items {
		if it != nil && guidCount[strings.TrimSpace(it.GUID)] > 1 {
			linkCount[itemLink(it, base)]++
		}
	}

	seen := map[string]bool{}
	items := make([]db.Item, 0, len(f.Items))
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		item := normaliseItem(it, p.titles.items[it], base, loc, now, feedAuthors, lang, o)
		item.GUID = identity(it, item, guidCount, linkCount)
		if seen[item.GUID] {
			continue
		}
		seen[item.GUID] = true
		items = append(items, item)
	}
	return items
}

// normaliseItem maps one item; isText tells that its title is plain
// text by spec (JSON Feed, Atom type="text"), not text that may hold HTML.
func normaliseItem(it *gofeed.Item, isText bool, base string, loc *time.Location, now time.Time, feedAuthors []db.Person, lang string, o Options) db.Item {
	link := itemLink(it, base)
	linkBase := base
	if link != "" {
		linkBase = link
	}
	title := textTitle(it.Title)
	if !isText {
		title = plainText(it.Title)
	}
	item := db.Item{
		SourceID:      o.SourceID,
		Link:          link,
		CanonicalLink: CanonicalLink(link),
		Title:         title,
		Summary:       sanitise(it.Description, linkBase),
		Content:       sanitise(it.Content, linkBase),
		FirstSeen:     now,
		Language:      lang,
	}
	if item.Content == item.Summary {
		item.Content = ""
	}
	if item.Title == "" {
		item.Title = plainText(clean(mediaTitle(it)))
	}
	if item.Title == "" {
		item.Title = excerpt(firstNonEmpty(item.Summary, item.Content), 100)
	}
	if it.DublinCoreExt != nil && len(it.DublinCoreExt.Language) > 0 {
		if l := strings.ToLower(strings.TrimSpace(it.DublinCoreExt.Language[0])); l != "" {
			item.Language = l
		}
	}

	item.Authors = people(it.Authors)
	if len(item.Authors) == 0 {
		item.Authors = feedAuthors
	}
	item.Categories = categories(it.Categories)
	item.Tags = tags(item.Categories, o.SourceTags)
	item.Enclosures = enclosures(it.Enclosures, linkBase)
	item.ImageURL = imageURL(it, linkBase, item.Enclosures)
	if item.ImageURL == "" {
		item.ImageURL = firstImage(item.Content)
	}
	if item.ImageURL == "" {
		item.ImageURL = firstImage(item.Summary)
	}

	pub, hasPub := parseDate(it.Published, it.PublishedParsed, loc)
	upd, hasUpd := parseDate(it.Updated, it.UpdatedParsed, loc)
	switch {
	case hasPub:
		item.Published = pub
	case hasUpd:
		item.Published = upd
	default:
		item.Published = now
	}
	if item.Published.After(now.Add(futureSlack)) {
		item.Published = now
	}
	item.Updated = item.Published
	if hasUpd && !upd.After(now.Add(futureSlack)) && upd.After(item.Published) {
		item.Updated = upd
	}
	// Every output format carries whole seconds, and the publisher orders
	// by the stored time: sub-second parts would order items (undated ones
	// fetched in the same second) differently in the store and in feeds.
	item.Published = item.Published.Truncate(time.Second)
	item.Updated = item.Updated.Truncate(time.Second)
	item.Hash = hashItem(&item, pub, hasPub, upd, hasUpd)
	return item
}

// mediaTitle returns the item's Media RSS title, if any.
func mediaTitle(it *gofeed.Item) string {
	media := it.Extensions["media"]
	for _, t := range media["title"] {
		if strings.TrimSpace(t.Value) != "" {
			return t.Value
		}
	}
	for _, g := range media["group"] {
		for _, t := range g.Children["title"] {
			if strings.TrimSpace(t.Value) != "" {
				return t.Value
			}
		}
	}
	return ""
}

// itemLink returns the item's link made absolute: <link>, else the first
// of its links, else a permalink guid; "" unless it is http(s).
func itemLink(it *gofeed.Item, base string) string {
	l := strings.TrimSpace(it.Link)
	if l == "" {
		for _, x := range it.Links {
			if x = strings.TrimSpace(x); x != "" {
				l = x
				break
			}
		}
	}
	if l == "" {
		g := strings.TrimSpace(it.GUID)
		if strings.HasPrefix(g, "http://") || strings.HasPrefix(g, "https://") {
			l = g
		}
	}
	if l == "" {
		return ""
	}
	return webURL(base, l)
}

// identity computes the item's GUID (see Normalise).
func identity(it *gofeed.Item, item db.Item, guidCount, linkCount map[string]int) string {
	g := nfc(strings.TrimSpace(it.GUID))
	if g != "" && guidCount[strings.TrimSpace(it.GUID)] <= 1 {
		return g
	}
	if g != "" { // a guid repeated within the feed: not an identity
		switch {
		case item.Link != "" && linkCount[item.Link] <= 1:
			return item.Link
		case item.Link != "":
			return item.Link + "#" + shortHash(item.Title)
		default:
			return g + "#" + shortHash(item.Title)
		}
	}
	if item.Link != "" {
		return item.Link
	}
	date := strings.TrimSpace(it.Published)
	if date == "" {
		date = strings.TrimSpace(it.Updated)
	}
	if item.Title == "" && date == "" {
		// Nothing but content (or nothing at all): the content digest is
		// the only stable identity there is.
		return "sha256:" + item.Hash
	}
	sum := sha256.Sum256([]byte(item.Title + "\x00" + date))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

func people(ps []*gofeed.Person) []db.Person {
	var out []db.Person
	for _, p := range ps {
		if p == nil {
			continue
		}
		q := db.Person{Name: plainText(p.Name), Email: nfc(strings.TrimSpace(p.Email))}
		if q.Name == "" && q.Email == "" || slices.Contains(out, q) {
			continue
		}
		out = append(out, q)
	}
	return out
}

func categories(cs []string) []string {
	var out []string
	for _, c := range cs {
		c = collapseSpace(nfc(c))
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func tags(cats, sourceTags []string) []db.Tag {
	var out []db.Tag
	seen := map[string]bool{}
	for _, list := range [][]string{cats, sourceTags} {
		for _, name := range list {
			name = collapseSpace(nfc(name))
			slug := fold.Slug(name)
			if slug == "" || seen[slug] {
				continue
			}
			seen[slug] = true
			out = append(out, db.Tag{Slug: slug, Name: name})
		}
	}
	return out
}

func enclosures(es []*gofeed.Enclosure, base string) []db.Enclosure {
	var out []db.Enclosure
	for _, e := range es {
		if e == nil {
			continue
		}
		u := webURL(base, e.URL)
		if u == "" || slices.ContainsFunc(out, func(x db.Enclosure) bool { return x.URL == u }) {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(e.Length), 10, 64)
		if err != nil || n < 0 {
			n = 0
		}
		out = append(out, db.Enclosure{URL: u, Type: strings.ToLower(strings.TrimSpace(e.Type)), Length: n})
	}
	return out
}

// imageURL picks the item's image: a Media RSS thumbnail, else gofeed's
// item image (iTunes image, media:content image, image enclosure, first
// <img> of the content), else an image in a media:group, else the first
// image enclosure. Only http(s) URLs are returned.
func imageURL(it *gofeed.Item, base string, encs []db.Enclosure) string {
	media := it.Extensions["media"]
	var candidates []string
	for _, th := range media["thumbnail"] {
		candidates = append(candidates, th.Attrs["url"])
	}
	if it.Image != nil {
		candidates = append(candidates, it.Image.URL)
	}
	for _, g := range media["group"] {
		for _, th := range g.Children["thumbnail"] {
			candidates = append(candidates, th.Attrs["url"])
		}
		for _, c := range g.Children["content"] {
			if c.Attrs["medium"] == "image" || strings.HasPrefix(c.Attrs["type"], "image/") {
				candidates = append(candidates, c.Attrs["url"])
			}
		}
	}
	for _, e := range encs {
		if strings.HasPrefix(e.Type, "image/") {
			candidates = append(candidates, e.URL)
		}
	}
	for _, c := range candidates {
		if u := webURL(base, c); u != "" {
			return u
		}
	}
	return ""
}

// webURL resolves ref against base and returns it when it is an http(s)
// URL, else "". Links, images and enclosures of other schemes
// (javascript:, data:, ...) are not republished.
func webURL(base, ref string) string {
	u := nfc(resolve(base, ref))
	lower := strings.ToLower(u)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		return u
	}
	return ""
}

// hashItem digests the stored content of item with the upstream dates (not
// the clamped or defaulted ones, which depend on the fetch time).
func hashItem(item *db.Item, pub time.Time, hasPub bool, upd time.Time, hasUpd bool) string {
	var pubS, updS string
	if hasPub {
		pubS = pub.UTC().Format(time.RFC3339Nano)
	}
	if hasUpd {
		updS = upd.UTC().Format(time.RFC3339Nano)
	}
	v := struct {
		Title, Summary, Content, Link, Image string
		Authors                              []db.Person
		Categories                           []string
		Enclosures                           []db.Enclosure
		Published, Updated                   string
	}{item.Title, item.Summary, item.Content, item.Link, item.ImageURL,
		item.Authors, item.Categories, item.Enclosures, pubS, updS}
	b, _ := json.Marshal(v) // cannot fail: plain strings and slices
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// firstImage returns the src of the first <img> in sanitised HTML (whose
// URLs are already absolute http(s) and whose attributes are quoted), or "".
func firstImage(html string) string {
	i := strings.Index(html, "<img ")
	if i < 0 {
		return ""
	}
	tag := html[i:]
	if end := strings.IndexByte(tag, '>'); end >= 0 {
		tag = tag[:end]
	}
	j := strings.Index(tag, ` src="`)
	if j < 0 {
		return ""
	}
	src := tag[j+len(` src="`):]
	if k := strings.IndexByte(src, '"'); k >= 0 {
		src = src[:k]
	}
	src = stdhtml.UnescapeString(src)
	if u := webURL("", src); u != "" {
		return u
	}
	return ""
}
