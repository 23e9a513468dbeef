package render

import (
	"encoding/xml"
	"strconv"
	"time"

	"github.com/gorilla/feeds"
)

// The Atom output starts from gorilla/feeds' AtomFeed and copies it into
// the structs below, which add what RFC 4287 and readers need and gorilla
// cannot express: xml:lang, several links with rel/title/length, categories
// with term/scheme/label, several authors, atom:source, generator.

type atomFeed struct {
	XMLName   xml.Name          `xml:"feed"`
	Xmlns     string            `xml:"xmlns,attr"`
	Lang      string            `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	Title     string            `xml:"title"`
	Subtitle  string            `xml:"subtitle,omitempty"`
	ID        string            `xml:"id"`
	Updated   string            `xml:"updated"`
	Links     []atomLink        `xml:"link"`
	Author    *feeds.AtomAuthor `xml:"author"`
	Generator *atomGenerator    `xml:"generator"`
	Entries   []*atomEntry      `xml:"entry"`
}

type atomGenerator struct {
	URI     string `xml:"uri,attr,omitempty"`
	Version string `xml:"version,attr,omitempty"`
	Text    string `xml:",chardata"`
}

type atomLink struct {
	Href     string `xml:"href,attr"`
	Rel      string `xml:"rel,attr,omitempty"`
	Type     string `xml:"type,attr,omitempty"`
	Hreflang string `xml:"hreflang,attr,omitempty"`
	Title    string `xml:"title,attr,omitempty"`
	Length   string `xml:"length,attr,omitempty"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

type atomEntry struct {
	XMLName    xml.Name            `xml:"entry"`
	Lang       string              `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	Title      string              `xml:"title"`
	ID         string              `xml:"id"`
	Published  string              `xml:"published,omitempty"`
	Updated    string              `xml:"updated"`
	Authors    []*feeds.AtomAuthor `xml:"author"`
	Categories []atomCategory      `xml:"category"`
	Links      []atomLink          `xml:"link"`
	Summary    *atomText           `xml:"summary"`
	Content    *atomText           `xml:"content"`
	Source     *atomSource         `xml:"source"`
}

// atomText is an Atom text construct (summary, content) as gorilla's
// AtomSummary and AtomContent write it, with the text escaped once per
// text (escapedXML) instead of at every render of every feed showing it.
type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",innerxml"` // escaped
}

// atomSource is the entry's source feed (RFC 4287 4.2.11: id, title and
// updated). Its updated is the entry's: the source feed carried this
// version of the entry then (bantin does not keep the upstream feed's
// own date), and the bytes stay the same until the entry changes.
type atomSource struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title,omitempty"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
}

// navLinks are the feed-level links both XML formats carry as atom:link:
// self, first and next (RFC 5005 paging) and the WebSub hubs.
func (f *Feed) navLinks(format string) []atomLink {
	var ls []atomLink
	if self := f.SelfURL(format); self != "" {
		ls = append(ls, atomLink{Href: self, Rel: "self", Type: MimeType(format)})
	}
	if f.Cursor != "" && f.Self[format] != "" {
		ls = append(ls, atomLink{Href: f.Self[format], Rel: "first", Type: MimeType(format)})
	}
	if next := f.nextURL(format); next != "" {
		ls = append(ls, atomLink{Href: next, Rel: "next", Type: MimeType(format)})
	}
	for _, h := range f.Hubs {
		ls = append(ls, atomLink{Href: h, Rel: "hub"})
	}
	return ls
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func renderAtom(f *Feed) ([]byte, error) {
	base := gorillaFeed(f)
	g := (&feeds.Atom{Feed: base}).AtomFeed()

	out := &atomFeed{
		Xmlns:     g.Xmlns,
		Lang:      f.language(),
		Title:     g.Title,
		Subtitle:  g.Subtitle,
		ID:        f.ID,
		Updated:   g.Updated,
		Author:    g.Author,
		Generator: &atomGenerator{Text: generator},
	}
	if out.ID == "" {
		out.ID = f.Self[FormatAtom]
	}
	nav := f.navLinks(FormatAtom)
	if len(nav) > 0 && nav[0].Rel == "self" {
		out.Links = append(out.Links, nav[0])
		nav = nav[1:]
	}
	if f.SiteLink != "" {
		out.Links = append(out.Links, atomLink{Href: f.SiteLink, Rel: "alternate", Type: "text/html"})
	}
	out.Links = append(out.Links, nav...)
	for i, ge := range g.Entries {
		out.Entries = append(out.Entries, atomEntryFrom(f, f.Entries[i], ge))
	}

	return XMLDocument(out, "atom")
}

// atomEntryFrom extends gorilla's entry ge for e.
func atomEntryFrom(f *Feed, e Entry, ge *feeds.AtomEntry) *atomEntry {
	it := e.Item
	x := &atomEntry{
		Lang:      CleanLang(it.Language),
		Title:     ge.Title,
		ID:        ge.Id,
		Published: atomTime(Published(it)),
		Updated:   ge.Updated,
	}
	if ge.Summary != nil {
		x.Summary = &atomText{Type: ge.Summary.Type, Text: escapedXML(ge.Summary.Content)}
	}
	if ge.Content != nil {
		x.Content = &atomText{Type: ge.Content.Type, Text: escapedXML(ge.Content.Content)}
	}
	for _, l := range ge.Links {
		if l.Href != "" && l.Rel == "alternate" {
			x.Links = append(x.Links, atomLink{Href: l.Href, Rel: l.Rel, Type: l.Type})
		}
	}
	if x.Content == nil && len(x.Links) == 0 {
		// RFC 4287 4.1.1: an entry without an alternate link needs
		// content; an empty one would show readers nothing, the title
		// at least names the entry.
		x.Content = &atomText{Type: "text", Text: escapedXML(x.Title)}
	}
	if x.Content == nil && x.Summary == nil {
		// No body upstream: where readers and validators look for
		// text, a link to the story (linkLine), not the title again.
		if l := linkLine(it); l != "" {
			x.Content = &atomText{Type: "html", Text: escapedXML(l)}
		}
	}
	for _, enc := range it.Enclosures {
		href := WebURL(enc.URL)
		if href == "" {
			continue
		}
		l := atomLink{Href: href, Rel: "enclosure", Type: EnclosureType(enc)}
		if enc.Length > 0 {
			l.Length = strconv.FormatInt(enc.Length, 10)
		}
		x.Links = append(x.Links, l)
	}
	for _, r := range e.Related {
		if href := ItemLink(r.Link); href != "" {
			x.Links = append(x.Links, atomLink{Href: href, Rel: "related", Type: "text/html", Title: SourceName(r)})
		}
	}
	for _, p := range entryAuthors(it) {
		x.Authors = append(x.Authors, &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: p.Name, Email: p.Email, Uri: p.URI}})
	}
	for _, t := range SortedTags(it) {
		x.Categories = append(x.Categories, atomCategory{Term: t.Name, Scheme: tagScheme(f.BaseURL, t.Slug)})
	}
	src := &atomSource{ID: sourceFeedID(f.BaseURL, it.SourceID), Title: SourceName(it), Updated: x.Updated}
	if href := WebURL(it.SourceURL); href != "" {
		src.Links = append(src.Links, atomLink{Href: href, Rel: "self"})
	}
	if href := WebURL(it.SourceSite); href != "" {
		src.Links = append(src.Links, atomLink{Href: href, Rel: "alternate", Type: "text/html"})
	}
	x.Source = src
	return x
}
