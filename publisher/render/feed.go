// Package render is the pure half of the publisher: it composes the
// stored members of a topic into the entries to publish (Compose,
// Composer: curation, age, per-source cap, dedupe, and each candidate's
// Fate) and renders a page of a feed as RSS 2.0, Atom 1.0 or JSON Feed 1.1
// (Render) or as an HTML page (RenderPage). Nothing here does I/O beyond
// writing to the io.Writer it is given: no HTTP, no database, no cache.
// The same Feed gives the same bytes.
package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"mime"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"bantin/db"
	"bantin/fold"
	"bantin/iri"
	"bantin/tracking"

	"golang.org/x/net/idna"
)

// Formats served, as used in URLs (slug.FORMAT) and by Render.
const (
	FormatRSS  = "rss"
	FormatAtom = "atom"
	FormatJSON = "json"
)

// Formats lists the three formats in the order the index page offers them.
var Formats = []string{FormatRSS, FormatAtom, FormatJSON}

// ContentType returns the Content-Type (with charset) served for a format,
// "" for an unknown format.
func ContentType(format string) string {
	switch format {
	case FormatRSS:
		return "application/rss+xml; charset=utf-8"
	case FormatAtom:
		return "application/atom+xml; charset=utf-8"
	case FormatJSON:
		return "application/feed+json; charset=utf-8"
	}
	return ""
}

// MimeType is ContentType without parameters (for link type attributes).
func MimeType(format string) string {
	ct := ContentType(format)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		return ct[:i]
	}
	return ct
}

// idYear is the date part of every tag: URI bantin mints (RFC 4151). It is
// fixed forever so that ids never change.
const idYear = "2026"

// Feed is one page of a published feed, independent of format.
type Feed struct {
	Title       string // plain text
	Description string // plain text
	// ID is the feed's stable id (Atom id); FeedID mints one.
	ID string
	// BaseURL is the configured base_url (no trailing slash); it seeds entry
	// ids and category schemes.
	BaseURL string
	// SiteLink is the human page the feed belongs to (base_url + "/").
	SiteLink string
	// Self maps each format to the URL of this feed in that format, without
	// any paging cursor.
	Self map[string]string
	// Cursor is the paging cursor of this page ("" for the first page); the
	// self link carries it.
	Cursor string
	// Next is the cursor of the next (older) page, "" when there is none.
	Next string
	// Language is the feed's primary language (RFC 5646); when empty the
	// most common entry language is used if at least half carry it.
	Language string
	// Updated is the feed's last change; zero means the newest entry's
	// Updated (or the Unix epoch for an empty feed), so output stays
	// deterministic.
	Updated time.Time
	// Hubs are WebSub hub URLs announced with rel="hub".
	Hubs []string
	// Entries in publishing order.
	Entries []Entry
}

// Entry is one published item, possibly standing for several stored items
// that report the same story.
type Entry struct {
	Item   db.Item
	Pinned bool
	// Related are the other reports of the same story folded into this
	// entry, oldest first. They are named in the output ("Also reported
	// by"), never published as entries of their own.
	Related []db.Item
}

// Render serialises f in format "rss", "atom" or "json". The output depends
// only on f.
func Render(f *Feed, format string) ([]byte, error) {
	switch format {
	case FormatRSS:
		return renderRSS(f)
	case FormatAtom:
		return renderAtom(f)
	case FormatJSON:
		return renderJSON(f)
	}
	return nil, fmt.Errorf("publisher: unknown format %q", format)
}

// tagAuthority is the tag: URI authority for baseURL: its host name, or
// "bantin.invalid" when it has none.
func tagAuthority(baseURL string) string {
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		return strings.ToLower(u.Hostname())
	}
	return "bantin.invalid"
}

// EntryID returns the stable id bantin publishes for the item (sourceID,
// guid): "tag:HOST,2026:SOURCEID/" plus a digest of the guid, HOST being
// base_url's host. The same inputs always give the same id, whatever the
// upstream guid looks like; the upstream link is published separately.
func EntryID(baseURL, sourceID, guid string) string {
	sum := sha256.Sum256([]byte(guid))
	return "tag:" + tagAuthority(baseURL) + "," + idYear + ":" + url.PathEscape(sourceID) + "/" + hex.EncodeToString(sum[:12])
}

// FeedID returns the stable id of a published feed: kind is "topic" or
// "tag", slug its slug. All formats and pages of one feed share it.
func FeedID(baseURL, kind, slug string) string {
	return "tag:" + tagAuthority(baseURL) + "," + idYear + ":" + kind + "/" + url.PathEscape(slug)
}

// SearchFeedID returns the id of the search feed of query, its URL query
// escaped as url.Values.Encode does, which the id carries as it is.
func SearchFeedID(baseURL, query string) string {
	return "tag:" + tagAuthority(baseURL) + "," + idYear + ":search/" + query
}

// sourceFeedID is the id of an upstream source in Atom <source>.
func sourceFeedID(baseURL, sourceID string) string {
	return "tag:" + tagAuthority(baseURL) + "," + idYear + ":source/" + url.PathEscape(sourceID)
}

// tagScheme is the category scheme (Atom) and domain (RSS) of a bantin
// tag: base_url + "/tags/" + its slug. The category's text (Atom term) is
// the tag's display name, which readers show; the slug is in the URL.
func tagScheme(baseURL, slug string) string {
	return strings.TrimRight(baseURL, "/") + Dir(KindTag) + url.PathEscape(slug)
}

var langTag = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// CleanLang turns an upstream language value into an RFC 5646-shaped tag
// ("vi_VN " -> "vi-VN") or "" when it is not one.
func CleanLang(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "-")
	if !langTag.MatchString(s) {
		return ""
	}
	return s
}

// primaryLang returns the language most entries carry (ties broken by the
// tag's order) if at least half of them carry it, or "": a feed's language
// is inherited by every entry that names none (Atom's xml:lang, RSS's and
// JSON Feed's feed-level language), so one Vietnamese entry among thirteen
// of unknown language must not make the feed Vietnamese.
func primaryLang(entries []Entry) string {
	counts := map[string]int{}
	for _, e := range entries {
		if l := strings.ToLower(CleanLang(e.Item.Language)); l != "" {
			counts[l]++
		}
	}
	best, n := "", 0
	for l, c := range counts {
		if c > n || (c == n && l < best) {
			best, n = l, c
		}
	}
	if 2*n < len(entries) {
		return ""
	}
	return best
}

func (f *Feed) language() string {
	if l := CleanLang(f.Language); l != "" {
		return l
	}
	return primaryLang(f.Entries)
}

func (f *Feed) updated() time.Time {
	if !f.Updated.IsZero() {
		return f.Updated.UTC().Truncate(time.Second)
	}
	var t time.Time
	for _, e := range f.Entries {
		if u := itemUpdated(e.Item); u.After(t) {
			t = u
		}
	}
	if t.IsZero() {
		return emptyUpdated
	}
	return t
}

// emptyUpdated is the Atom updated date of a feed without entries (Atom
// requires one; RSS leaves lastBuildDate out): the first instant of the
// year every bantin id is dated by (idYear), fixed so that an empty feed's
// bytes never change. The Unix epoch is what validators call implausible.
var emptyUpdated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// SelfURL returns the URL of this page in format.
func (f *Feed) SelfURL(format string) string {
	return pageURL(f.Self[format], f.Cursor)
}

// nextURL returns the URL of the next page in format, "" when none.
func (f *Feed) nextURL(format string) string {
	if f.Next == "" {
		return ""
	}
	return pageURL(f.Self[format], f.Next)
}

func pageURL(base, cursor string) string {
	if cursor == "" || base == "" {
		return base
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "before=" + url.QueryEscape(cursor)
}

// Published and itemUpdated give the item's dates in UTC, to the second.
func Published(it db.Item) time.Time {
	t := it.Published
	if t.IsZero() {
		t = it.FirstSeen
	}
	return t.UTC().Truncate(time.Second)
}

func itemUpdated(it db.Item) time.Time {
	u := it.Updated.UTC().Truncate(time.Second)
	if p := Published(it); u.Before(p) {
		return p
	}
	return u
}

// SourceName is how an item's source is named to readers.
func SourceName(it db.Item) string {
	if s := strings.TrimSpace(it.SourceTitle); s != "" {
		return s
	}
	return it.SourceID
}

// isWebURL reports whether s is an absolute http(s) URL, the only kind of
// link bantin republishes: file:// source paths stay private, and
// javascript:, data: and other schemes never reach a reader.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// WebURL returns s as a URI (iri.ToURI: non-ASCII and spaces
// percent-encoded, IDNA host) when it is an absolute http(s) URL, else "".
// Every URL the feeds publish goes through it: items stored before links
// were converted, and source site links taken from feeds as written, may
// be IRIs, which no feed format allows.
func WebURL(s string) string {
	if u := iri.ToURI(s); isWebURL(u) {
		return u
	}
	return ""
}

// ItemLink is an item's link as published: WebURL without tracking
// parameters (utm_*, fbclid... tracking.Strip), whenever it was stored.
func ItemLink(s string) string { return WebURL(tracking.Strip(s)) }

// EntryTitle is the item's title, or for an item stored without one (the
// normaliser names untitled items, older rows may lack a title) the start
// of its text, else its source and date: feeds never publish an empty
// title.
func EntryTitle(it db.Item) string {
	if strings.TrimSpace(it.Title) != "" {
		return it.Title
	}
	text := HTMLText(it.Summary)
	if text == "" {
		text = HTMLText(it.Content)
	}
	if r := []rune(text); len(r) > 100 {
		text = strings.TrimSpace(string(r[:100])) + "…"
	}
	if text != "" {
		return text
	}
	date := Published(it).Format("2006-01-02")
	if name := SourceName(it); name != "" {
		return name + " – " + date
	}
	return date
}

// personEmail returns s when it looks like an e-mail address (text, "@",
// text, no white space: what RFC 4287's schema and RSS readers need), else
// "": an invalid address is left out, never published.
func personEmail(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.ContainsFunc(s, unicode.IsSpace) {
		return ""
	}
	return s
}

// person is an entry author as published.
type person struct {
	Name, Email, URI string
}

// entryAuthors returns the item's authors as published (a name, else the
// e-mail address; valid addresses and web URIs only), or, when upstream
// names none, its source (name and site): readers show an entry's author,
// and the source is who wrote it as far as bantin knows. Feeds have no
// feed-level author (Atom needs one on the feed or on every entry: every
// entry has one).
func entryAuthors(it db.Item) []person {
	var out []person
	for _, p := range it.Authors {
		email := personEmail(p.Email)
		name := strings.TrimSpace(p.Name)
		if name == "" {
			name = email
		}
		if name != "" {
			out = append(out, person{Name: name, Email: email, URI: WebURL(p.URI)})
		}
	}
	if len(out) == 0 {
		out = append(out, person{Name: SourceName(it), URI: WebURL(it.SourceSite)})
	}
	return out
}

// alsoReported returns the names of the related items' sources, in order,
// each once, leaving out the entry's own source.
func alsoReported(e Entry) []string {
	seen := map[string]bool{SourceName(e.Item): true}
	var names []string
	for _, r := range e.Related {
		n := SourceName(r)
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names
}

// ContentHTML is the entry's full HTML: content (else summary) plus, for
// folded duplicates, an "Also reported by" paragraph. It is well-formed
// (publishedHTML).
func ContentHTML(e Entry) string {
	c := e.Item.Content
	if strings.TrimSpace(c) == "" {
		c = e.Item.Summary
	}
	c = publishedHTML(c)
	if names := alsoReported(e); len(names) > 0 {
		c += "<p>Also reported by: " + html.EscapeString(strings.Join(names, ", ")) + "</p>"
	}
	return c
}

// linkLine is the body Atom and JSON Feed publish for an item that has
// none upstream (no content, no summary): one paragraph linking to the
// story, named by its host ("<p><a href=…>tinviet.vn</a></p>"), "" when
// the item has no link. Repeating the title there made readers show it
// twice; the host says where the text is, in no particular language.
func linkLine(it db.Item) string {
	link := ItemLink(it.Link)
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.TrimPrefix(u.Hostname(), "www.")
	if h, err := idna.ToUnicode(host); err == nil {
		host = h
	}
	return `<p><a href="` + html.EscapeString(link) + `">` + html.EscapeString(host) + `</a></p>`
}

// EnclosureType returns the enclosure's MIME type when it is one
// (type/subtype), else "application/octet-stream". The normaliser stores
// valid types (guessed from the URL when upstream gives none); this keeps
// older rows from making feeds invalid, and Render independent of the
// system's MIME table.
func EnclosureType(e db.Enclosure) string {
	if t := strings.TrimSpace(e.Type); isMIMEType(t) {
		return t
	}
	return "application/octet-stream"
}

// isMIMEType reports whether t is a MIME type with a subtype ("audio/mpeg",
// not "mp3").
func isMIMEType(t string) bool {
	mt, _, err := mime.ParseMediaType(t)
	return err == nil && strings.Contains(strings.Trim(mt, "/"), "/")
}

// SortedTags returns the item's tags ordered by slug, each slug once,
// each named as the item's own source wrote it: the item's first stored
// category of that slug (Categories as written upstream). Only the slug
// (Atom term, tag feed URL) is shared between sources: one source's "Đại
// hội Đảng" and another's "Đại hội đảng" are one tag, and each item still
// shows its own spelling. A tag the item has no category of (a source tag
// from the config, a row stored without categories) keeps the stored
// shared display name of its slug: the first spelling stored, which also
// titles the tag's feed and names it on the index page and in the OPML.
func SortedTags(it db.Item) []db.Tag {
	own := map[string]string{}
	for _, c := range it.Categories {
		c = strings.Join(strings.Fields(c), " ")
		if slug := fold.Slug(c); slug != "" && own[slug] == "" {
			own[slug] = c
		}
	}
	seen := map[string]bool{}
	var out []db.Tag
	for _, t := range it.Tags {
		if t.Slug == "" || seen[t.Slug] {
			continue
		}
		seen[t.Slug] = true
		if name := own[t.Slug]; name != "" {
			t.Name = name
		} else if t.Name == "" {
			t.Name = t.Slug
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out
}
