package normaliser

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	stdhtml "html"
	"io"
	"mime"
	"net/mail"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"bantin/db"
	"bantin/fold"
	"bantin/internal/dedupe"
	"bantin/iri"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
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
//   - Unnamed items, which have neither a title of their own (upstream
//     title or media:title, as plain text) nor a link nor an enclosure,
//     are dropped when other items of the feed are named: in a feed of
//     articles they are placeholders such as <item><title/><description>
//     No Description</description></item>, which nothing names or links
//     to and which would take the fetch time for a date and top every
//     feed. In a feed whose items are all unnamed (status updates,
//     notes) they are the content and are kept.
//   - GUID: the upstream guid/id, trimmed; else the absolute link; else
//     "sha256:" + hash of title and date; else (neither) "sha256:" + Hash.
//     Items of one feed that share a guid are told apart by what an edit
//     does not change: their link (the guid when they have none); items
//     that share that too, by their published date as written, else by
//     their order among the items sharing link and date. An item equal to
//     an earlier one with the same guid (same Hash) is dropped, and so is
//     an item whose final identity repeats an earlier one. Links in
//     identities are the upstream IRIs resolved, as before links were
//     converted to URIs, so stored identities stay the same.
//   - Link: absolute, against the feed's link resolved against the feed
//     URL, converted from IRI to URI (iri.ToURI); so are enclosure and
//     image URLs. CanonicalLink: CanonicalLink(Link).
//   - Title: plain text (markup removed, entities decoded once, white space
//     collapsed), NFC; a title that is plain text by spec (JSON Feed,
//     Atom type="text", the Atom default) keeps "<" and "&" as they are
//     and only has its white space collapsed; RSS and Atom "html"/"xhtml"
//     titles are rendered from HTML. An untitled item gets its
//     media:title, else an excerpt of its text, else (no text either) the
//     file name of its first enclosure or the last segment of its link's
//     path (percent-decoded), else its link, else the feed's title (or
//     o.SourceID) and its date: never an empty title.
//   - Summary, Content: sanitised HTML with absolute URLs, NFC; Content is
//     empty when it equals Summary; with only content, Summary stays empty.
//     Plain text by spec (JSON Feed summary and content_text, Atom
//     type="text" summary and content) is escaped into HTML that shows
//     exactly that text (textHTML), never parsed as markup.
//   - Authors: the item's, else the feed's bylines (bylines: an RSS
//     channel's managingEditor and webMaster are contacts, never an
//     item's author); names plain text like titles
//     (RSS names rendered from HTML), e-mail addresses dropped unless
//     net/mail reads them as one address. Categories: plain text like
//     titles (RSS ones rendered from HTML, so "&amp;#239;" and
//     "&lt;b&gt;" give "ï" and no tags), NFC, white space collapsed,
//     deduplicated. Tags: categories then source tags, slugged with
//     fold.Slug, deduplicated by slug, empty slugs dropped.
//   - Enclosures: http(s) URLs only, each once; a type that is not a MIME
//     type/subtype (or none) is replaced by the one the URL's file
//     extension names (mediaType), else "application/octet-stream".
//   - Published/Updated: UTC; zone-less upstream dates read in o.Location;
//     Published falls back to Updated, then o.Now; a Published more than 24h
//     after o.Now becomes o.Now (either way the item is Undated, so an
//     update keeps the stored date); Updated defaults to Published and is
//     clamped the same way. Both are truncated to whole seconds (all output
//     formats carry seconds; the publisher orders by stored time).
//   - Hash: SHA-256 over title, summary, content, link, authors,
//     categories, enclosures, image and the upstream dates (never o.Now), so
//     an unchanged upstream item hashes the same on every fetch.
func Normalise(p *Parsed, o Options) []db.Item {
	items, _ := NormaliseCounting(p, o)
	return items
}

// NormaliseCounting is Normalise, and also reports how many unnamed items
// it dropped as placeholders among named ones (see Normalise), so that
// the poller can say so: such an item may be real content (an RSS item
// with only a description is valid) that a reader would miss.
func NormaliseCounting(p *Parsed, o Options) (items []db.Item, placeholders int) {
	if p == nil || p.Feed == nil {
		return nil, 0
	}
	f := p.Feed
	feedURL := o.BaseURL
	if feedURL == "" {
		feedURL = p.BaseURL
	}
	// base resolves the items' URLs; iriBase is the same in the form
	// identities were computed with before URLs were converted to URIs
	// (resolving against an IRI percent-encodes a non-ASCII host).
	iriBase, base := feedURL, iri.ToURI(nfc(feedURL))
	if l := strings.TrimSpace(f.Link); l != "" {
		iriBase = resolve(feedURL, l)
		base = resolve(base, iri.ToURI(nfc(l)))
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	now := o.Now.UTC()
	feedAuthors := bylines(f, p.titles.meta)
	lang := strings.ToLower(strings.TrimSpace(f.Language))
	if lang == "" {
		lang = strings.ToLower(strings.TrimSpace(o.Language))
	}

	parsed := make([]parsedItem, 0, len(f.Items))
	named := false // some item has a title, a link or an enclosure
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		item, ok := normaliseItem(it, p.titles.items[it], p.titles.meta, base, loc, now, feedAuthors, lang, f.Title, o)
		named = named || ok
		parsed = append(parsed, parsedItem{it: it, item: item, link: identityLink(it, iriBase), unnamed: !ok})
	}
	if named {
		n := len(parsed)
		parsed = slices.DeleteFunc(parsed, func(x parsedItem) bool { return x.unnamed })
		placeholders = n - len(parsed)
	}
	assignIdentities(parsed)

	// Items of the feed that share an identity without being the same
	// item (guid-less items with one link, a guid that is another item's
	// link) are told apart: the newest keeps the identity, the others get
	// one of their own (disambiguate). The newest, because feeds drop
	// their oldest items: an item that leaves the feed then never hands
	// its identity, and so its stored row, to another; a newer item that
	// arrives takes it and the former holder is stored anew (nothing is
	// overwritten but by a newer item of the same identity, as before).
	holder := map[string]int{} // identity -> index in parsed of its holder
	for i, x := range parsed {
		if x.drop {
			continue
		}
		if j, ok := holder[x.item.GUID]; !ok || x.item.Published.After(parsed[j].item.Published) {
			holder[x.item.GUID] = i
		}
	}
	seen := make(map[string]bool, len(parsed))    // identities given
	kept := make(map[[2]string]bool, len(parsed)) // (identity, hash) of the items kept
	for id, i := range holder {
		seen[id] = true
		kept[[2]string{id, parsed[i].item.Hash}] = true
	}
	items = make([]db.Item, 0, len(parsed))
	for i, x := range parsed {
		if x.drop {
			continue
		}
		if id := x.item.GUID; holder[id] != i {
			k := [2]string{id, x.item.Hash}
			if kept[k] {
				continue // the same item listed twice
			}
			kept[k] = true
			x.item.GUID = disambiguate(id, strings.TrimSpace(x.it.Published), seen)
			seen[x.item.GUID] = true
		}
		x.item.Recovered = p.Repaired
		items = append(items, x.item)
	}
	return items, placeholders
}

// disambiguate gives an item whose identity id a different item of the
// feed holds (see NormaliseCounting) an identity of its own among those
// not in seen: id#hash(date), else numbered in feed order, as for repeated
// guids.
func disambiguate(id, date string, seen map[string]bool) string {
	if date != "" {
		if g := id + "#" + shortHash(date); !seen[g] {
			return g
		}
	}
	for n := 0; ; n++ {
		if g := id + "#" + shortHash(date+"\x00"+strconv.Itoa(n)); !seen[g] {
			return g
		}
	}
}

// parsedItem is an upstream item on its way to an identity.
type parsedItem struct {
	it   *gofeed.Item
	item db.Item
	link string // identityLink
	drop bool   // an exact duplicate of an earlier item with its guid
	// unnamed: the item has neither a title of its own nor a link nor an
	// enclosure.
	unnamed bool
}

// assignIdentities sets item.GUID of every item (see Normalise) and marks
// exact duplicates among items that repeat a guid.
func assignIdentities(xs []parsedItem) {
	guidCount := map[string]int{}
	for _, x := range xs {
		if g := strings.TrimSpace(x.it.GUID); g != "" {
			guidCount[g]++
		}
	}
	// A guid repeated within the feed is no identity: such items are
	// grouped by their link (else the guid) and told apart within a group
	// by fields an edit leaves alone, so that an edited item keeps its
	// identity and is updated in place.
	type hashKey struct{ guid, hash string }
	hashes := map[hashKey]bool{}
	groupKey := make([]string, len(xs))
	groupCount := map[string]int{}
	dateCount := map[[2]string]int{}
	for i := range xs {
		x := &xs[i]
		g := strings.TrimSpace(x.it.GUID)
		if guidCount[g] <= 1 {
			continue
		}
		if hashes[hashKey{g, x.item.Hash}] {
			x.drop = true
			continue
		}
		hashes[hashKey{g, x.item.Hash}] = true
		key := x.link
		if key == "" {
			key = nfc(g)
		}
		groupKey[i] = key
		groupCount[key]++
		dateCount[[2]string{key, strings.TrimSpace(x.it.Published)}]++
	}
	ordinal := map[[2]string]int{}
	for i := range xs {
		x := &xs[i]
		if x.drop {
			continue
		}
		key := groupKey[i]
		if key == "" {
			x.item.GUID = identity(x.it, x.item, x.link)
			continue
		}
		date := strings.TrimSpace(x.it.Published)
		dk := [2]string{key, date}
		switch {
		case groupCount[key] == 1:
			x.item.GUID = key
		case date != "" && dateCount[dk] == 1:
			x.item.GUID = key + "#" + shortHash(date)
		default:
			x.item.GUID = key + "#" + shortHash(date+"\x00"+strconv.Itoa(ordinal[dk]))
			ordinal[dk]++
		}
	}
}

// normaliseItem maps one item; k tells which of its text fields are
// plain text by spec (JSON Feed, Atom type="text"), not text that may hold
// HTML, and meta whether its categories and author names are. It reports
// whether the item is named: it has a title of its own (upstream title or
// media:title), a link or an enclosure.
func normaliseItem(it *gofeed.Item, k textKinds, meta bool, base string, loc *time.Location, now time.Time, feedAuthors []db.Person, lang, feedTitle string, o Options) (db.Item, bool) {
	link := itemLink(it, base)
	linkBase := base
	if link != "" {
		linkBase = link
	}
	title := textTitle(it.Title)
	if !k.title {
		title = plainText(it.Title)
	}
	item := db.Item{
		SourceID:      o.SourceID,
		Link:          link,
		CanonicalLink: CanonicalLink(link),
		Title:         title,
		Summary:       body(it.Description, k.summary, linkBase),
		Content:       body(it.Content, k.content, linkBase),
		FirstSeen:     now,
		Language:      lang,
	}
	if item.Content == item.Summary {
		item.Content = ""
	}
	if item.Title == "" {
		item.Title = plainText(clean(mediaTitle(it)))
	}
	item.Enclosures = enclosures(it.Enclosures, linkBase)
	named := item.Title != "" || item.Link != "" || len(item.Enclosures) > 0
	if item.Title == "" {
		item.Title = excerpt(firstNonEmpty(item.Summary, item.Content), 100)
	}
	if it.DublinCoreExt != nil && len(it.DublinCoreExt.Language) > 0 {
		if l := strings.ToLower(strings.TrimSpace(it.DublinCoreExt.Language[0])); l != "" {
			item.Language = l
		}
	}

	item.Authors = people(it.Authors, meta)
	if len(item.Authors) == 0 {
		item.Authors = feedAuthors
	}
	item.Categories = categories(it.Categories, meta)
	item.Tags = tags(item.Categories, o.SourceTags)
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
		item.Undated = true
	}
	if item.Published.After(now.Add(futureSlack)) {
		item.Published = now
		item.Undated = true
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
	if item.Title == "" {
		item.Title = fallbackTitle(&item, firstNonEmpty(feedTitle, o.SourceID), loc)
	}
	item.Hash = hashItem(&item, pub, hasPub, upd, hasUpd)
	return item, named
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

// body returns an item's summary or content as sanitised HTML: plain text
// by spec (text) escaped, HTML sanitised with URLs made absolute.
func body(s string, text bool, base string) string {
	if text {
		return textHTML(s)
	}
	return sanitise(s, base)
}

// itemRef returns the item's link as written: <link>, else the first of
// its links, else a permalink guid; "" when it has none.
func itemRef(it *gofeed.Item) string {
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
	return l
}

// itemLink returns the item's link (itemRef) as an absolute http(s) URI,
// or "".
func itemLink(it *gofeed.Item, base string) string {
	return webURL(base, itemRef(it))
}

// identityLink returns the item's link as identities use it: absolute,
// NFC, but not converted to a URI (identities stored before links were
// converted must not change), or "".
func identityLink(it *gofeed.Item, base string) string {
	return webIRI(base, itemRef(it))
}

// identity computes the GUID of an item whose guid, if any, is unique in
// its feed (see Normalise); link is its identityLink.
func identity(it *gofeed.Item, item db.Item, link string) string {
	if g := nfc(strings.TrimSpace(it.GUID)); g != "" {
		return g
	}
	if link != "" {
		return link
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

// people maps authors: names plain text (textTitle when plain by spec,
// else rendered from HTML), e-mail addresses checked (email).
func people(ps []*gofeed.Person, plain bool) []db.Person {
	var out []db.Person
	var seen dedupe.Seen[db.Person]
	for _, p := range ps {
		if p == nil {
			continue
		}
		q := db.Person{Name: metaText(p.Name, plain), Email: email(p.Email)}
		if q.Name == "" && q.Email == "" || !seen.Add(q) {
			continue
		}
		out = append(out, q)
	}
	return out
}

// bylines returns the authors the items of f inherit: the feed's authors
// (an Atom feed's <author>, which RFC 4287 entries inherit, a JSON Feed's
// authors), except that an RSS channel's managingEditor and webMaster are
// contacts (the newsroom's or the technician's e-mail address), not
// bylines, although gofeed takes them for the feed's author: an RSS
// channel passes down only its dc:author, dc:creator or itunes:author.
func bylines(f *gofeed.Feed, plain bool) []db.Person {
	orig, ok := f.OriginalFeed().(*rss.Feed)
	if !ok || orig.ManagingEditor == "" && orig.WebMaster == "" {
		// gofeed took the author from a byline, if it found one.
		return people(f.Authors, plain)
	}
	var byline string
	switch {
	case orig.DublinCoreExt != nil && len(orig.DublinCoreExt.Author) > 0:
		byline = orig.DublinCoreExt.Author[0]
	case orig.DublinCoreExt != nil && len(orig.DublinCoreExt.Creator) > 0:
		byline = orig.DublinCoreExt.Creator[0]
	case orig.ITunesExt != nil:
		byline = orig.ITunesExt.Author
	}
	byline = clean(strings.TrimSpace(byline))
	if byline == "" {
		return nil
	}
	p := &gofeed.Person{Name: byline}
	if a, err := mail.ParseAddress(byline); err == nil {
		p.Name, p.Email = a.Name, a.Address
	}
	return people([]*gofeed.Person{p}, plain)
}

// metaText renders a category or author name as plain text like a title:
// as it is (white space collapsed, NFC) when plain by spec, else with
// markup removed and references decoded once.
func metaText(s string, plain bool) string {
	if plain {
		return textTitle(s)
	}
	return plainText(s)
}

// email returns the address s holds ("a@b.example", "<a@b.example>",
// "mailto:a@b.example", "a@b.example (Name)"), or "" when net/mail reads
// no single address in it: an invalid address is dropped, not published.
func email(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || strings.ContainsAny(a.Address, " \t\r\n") {
		return ""
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || at == len(a.Address)-1 {
		return ""
	}
	return nfc(a.Address)
}

func categories(cs []string, plain bool) []string {
	var out []string
	var seen dedupe.Seen[string]
	for _, c := range cs {
		c = metaText(c, plain)
		if c != "" && seen.Add(c) {
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
	var seen dedupe.Seen[string]
	for _, e := range es {
		if e == nil {
			continue
		}
		u := webURL(base, e.URL)
		if u == "" || !seen.Add(u) {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(e.Length), 10, 64)
		if err != nil || n < 0 {
			n = 0
		}
		out = append(out, db.Enclosure{URL: u, Type: mediaType(e.Type, u), Length: n})
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

// webURL resolves ref against base (a URI, or "") and returns it as a
// URI (iri.ToURI) when it is an http(s) URL, else "". Links, images and enclosures of
// other schemes (javascript:, data:, ...) are not republished.
func webURL(base, ref string) string {
	return iri.ToURI(webIRI(base, iri.ToURI(nfc(ref))))
}

// webIRI resolves ref against base and returns it, NFC, when it is an
// http(s) URL, else "". It does not convert IRIs: identities use it.
func webIRI(base, ref string) string {
	u := nfc(resolve(base, ref))
	lower := strings.ToLower(u)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		return u
	}
	return ""
}

// extTypes are the MIME types of the file extensions feeds attach most
// (podcasts, images, video, documents). They are looked up before the
// system's table, which may be empty or differ between machines.
var extTypes = map[string]string{
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".m4b": "audio/mp4", ".aac": "audio/aac",
	".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/opus", ".wav": "audio/wav",
	".flac": "audio/flac", ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime",
	".webm": "video/webm", ".ogv": "video/ogg", ".mkv": "video/x-matroska", ".avi": "video/x-msvideo",
	".m3u8": "application/vnd.apple.mpegurl", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".png": "image/png", ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif",
	".svg": "image/svg+xml", ".pdf": "application/pdf", ".epub": "application/epub+zip",
	".zip": "application/zip", ".torrent": "application/x-bittorrent",
}

// mediaType returns typ, trimmed and lower-cased, when it is a MIME type
// (type/subtype, parameters allowed); else the type of u's file extension
// (extTypes, then the system table); else "application/octet-stream".
func mediaType(typ, u string) string {
	typ = strings.ToLower(strings.TrimSpace(typ))
	if isMediaType(typ) {
		return typ
	}
	var ext string
	if pu, err := url.Parse(u); err == nil {
		ext = strings.ToLower(path.Ext(pu.Path))
	}
	if t := extTypes[ext]; t != "" {
		return t
	}
	if ext != "" {
		if t, _, err := mime.ParseMediaType(mime.TypeByExtension(ext)); err == nil && isMediaType(t) {
			return t
		}
	}
	return "application/octet-stream"
}

// isMediaType reports whether t parses as a MIME type of the form
// type/subtype (mime.ParseMediaType alone accepts a bare "mp3").
func isMediaType(t string) bool {
	mt, _, err := mime.ParseMediaType(t)
	if err != nil {
		return false
	}
	major, minor, ok := strings.Cut(mt, "/")
	return ok && major != "" && minor != ""
}

// fallbackTitle names an item that has neither a title nor text: the file
// name of its first enclosure, else the last segment of its link's path
// (both percent-decoded), else its link, else source and its date.
func fallbackTitle(item *db.Item, source string, loc *time.Location) string {
	var urls []string
	for _, e := range item.Enclosures {
		urls = append(urls, e.URL)
	}
	urls = append(urls, item.Link)
	for _, u := range urls {
		if name := lastSegment(u); name != "" {
			return name
		}
	}
	if item.Link != "" {
		return item.Link
	}
	date := item.Published.In(loc).Format("2006-01-02")
	if source == "" {
		return date
	}
	return source + " – " + date
}

// lastSegment returns the last non-empty segment of the path of URL u,
// percent-decoded, as plain text; "" when the path has none.
func lastSegment(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	p := strings.TrimRight(pu.EscapedPath(), "/")
	seg := p[strings.LastIndexByte(p, '/')+1:]
	if dec, err := url.PathUnescape(seg); err == nil {
		seg = dec
	}
	return collapseSpace(nfc(seg))
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
	// The hash is of json.Marshal(v), streamed into the hasher rather
	// than built as a copy first (a copy of every item's text, 10% of
	// what normalising allocated). Encode adds a newline, which compact
	// JSON has nowhere else: unterminated leaves it out, so stored hashes
	// stay as they were (TestHashItemIsMarshalHash).
	h := sha256.New()
	_ = json.NewEncoder(unterminated{h}).Encode(v) // cannot fail: plain strings and slices
	var sum [sha256.Size]byte
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], h.Sum(sum[:0]))
	return string(out[:])
}

// unterminated writes what Encode writes but its final newline.
type unterminated struct{ w io.Writer }

func (u unterminated) Write(p []byte) (int, error) {
	if n := len(p); n > 0 && p[n-1] == '\n' {
		_, err := u.w.Write(p[:n-1])
		return n, err
	}
	return u.w.Write(p)
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
