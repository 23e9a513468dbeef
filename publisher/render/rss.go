package render

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"
)

// The RSS output starts from gorilla/feeds' RssFeed and copies it into the
// structs below, which add what the RSS Advisory Board profile and readers
// need: atom:link rel="self"/"next"/"hub", language, categories with a
// domain, <source url>, dc:creator for every author, enclosure length.

const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
)

type rssDoc struct {
	XMLName   xml.Name    `xml:"rss"`
	Version   string      `xml:"version,attr"`
	XmlnsAtom string      `xml:"xmlns:atom,attr"`
	XmlnsCont string      `xml:"xmlns:content,attr"`
	XmlnsDC   string      `xml:"xmlns:dc,attr"`
	Channel   *rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         rssText      `xml:"title"`
	Link          string       `xml:"link"`
	Description   rssText      `xml:"description"`
	AtomLinks     []atomLinkNS `xml:"atom:link"`
	Language      string       `xml:"language,omitempty"`
	LastBuildDate string       `xml:"lastBuildDate,omitempty"`
	Generator     string       `xml:"generator,omitempty"`
	Docs          string       `xml:"docs,omitempty"`
	Items         []*rssItem   `xml:"item"`
}

// atomLinkNS is an atom:link inside RSS (the prefix is declared on <rss>).
type atomLinkNS struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	Title       *rssText            `xml:"title"`
	Link        string              `xml:"link,omitempty"`
	Description string              `xml:"description,omitempty"`
	Content     *feeds.RssContent   `xml:"content:encoded"`
	Creator     *rssText            `xml:"dc:creator"`
	Categories  []rssCategory       `xml:"category"`
	Enclosure   *feeds.RssEnclosure `xml:"enclosure"`
	GUID        *feeds.RssGuid      `xml:"guid"`
	PubDate     string              `xml:"pubDate,omitempty"`
	Source      *rssSource          `xml:"source"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Text   string `xml:",innerxml"` // rssEscape'd
}

type rssSource struct {
	URL  string `xml:"url,attr"`
	Text string `xml:",innerxml"` // rssEscape'd
}

// rssText is the content of an element of plain text (titles, names,
// the channel description), written by rssEscape.
type rssText struct {
	Text string `xml:",innerxml"`
}

// rssPlain returns s as the content of an RSS element of plain text, nil
// for "" (the element is left out).
func rssPlain(s string) *rssText {
	if s == "" {
		return nil
	}
	return &rssText{rssEscape(s)}
}

// rssEscape escapes s for XML character data as the RSS Best Practices
// Profile asks of plain text: '&' and '<' as the hexadecimal character
// references "&#x26;" and "&#x3C;" (no reader takes those for markup,
// not even one that unescapes twice). Characters XML cannot carry become
// U+FFFD, as encoding/xml writes them.
func rssEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	out := b.String()
	if !strings.Contains(out, "&") {
		return out
	}
	return strings.NewReplacer("&amp;", "&#x26;", "&lt;", "&#x3C;").Replace(out)
}

// htmlPlainText returns the plain text s as HTML that reads the same,
// escaping only what HTML would take for markup: '<' before a letter,
// '/', '!' or '?' (a tag or comment), and '&' before a letter or '#' (a
// character reference). Text without those reads the same to a reader
// that takes it for text and to one that takes it for HTML.
func htmlPlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		var next byte
		if i+1 < len(s) {
			next = s[i+1]
		}
		letter := next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z' || next >= 0x80
		switch {
		case c == '<' && (letter || next == '/' || next == '!' || next == '?'):
			b.WriteString("&lt;")
		case c == '&' && (letter || next == '#' || next >= '0' && next <= '9'):
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func rssTime(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func renderRSS(f *Feed) ([]byte, error) {
	base := gorillaFeed(f)
	g := (&feeds.Rss{Feed: base}).RssFeed()

	desc := f.Description
	if desc == "" {
		desc = f.Title
	}
	// RSS readers take the channel description for HTML, as they do item
	// descriptions: the plain text is written as HTML that reads the same
	// (Atom's subtitle and JSON's description carry it as text).
	ch := &rssChannel{
		Title:       rssText{rssEscape(g.Title)},
		Link:        g.Link,
		Description: rssText{rssEscape(htmlPlainText(desc))},
		Language:    f.language(),
		Generator:   generator,
		Docs:        "https://www.rssboard.org/rss-specification",
	}
	if len(f.Entries) > 0 {
		// An empty feed has not been built from anything: no date.
		ch.LastBuildDate = g.LastBuildDate
	}
	for _, l := range f.navLinks(FormatRSS) {
		ch.AtomLinks = append(ch.AtomLinks, atomLinkNS{Href: l.Href, Rel: l.Rel, Type: l.Type})
	}
	for i, gi := range g.Items {
		ch.Items = append(ch.Items, rssItemFrom(f, f.Entries[i], gi))
	}

	return XMLDocument(&rssDoc{Version: "2.0", XmlnsAtom: nsAtom, XmlnsCont: nsContent, XmlnsDC: nsDC, Channel: ch}, "rss")
}

// rssItemFrom extends gorilla's item gi for e.
func rssItemFrom(f *Feed, e Entry, gi *feeds.RssItem) *rssItem {
	it := e.Item
	x := &rssItem{
		Title:       rssPlain(gi.Title),
		Link:        gi.Link,
		Description: gi.Description,
		Content:     gi.Content,
		GUID:        gi.Guid,
		PubDate:     rssTime(Published(it)),
	}
	if x.Description == "" && x.Content != nil {
		// RSS readers without content:encoded still get the text.
		x.Description = x.Content.Content
	}
	// One dc:creator naming every author: readers take the first
	// dc:creator only, and <author> must be an e-mail address.
	var names []string
	for _, p := range it.Authors {
		if p.Name != "" {
			names = append(names, p.Name)
		} else if email := personEmail(p.Email); email != "" {
			names = append(names, email)
		}
	}
	x.Creator = rssPlain(strings.Join(names, ", "))
	for _, t := range SortedTags(it) {
		x.Categories = append(x.Categories, rssCategory{Domain: tagScheme(f.BaseURL, t.Slug), Text: rssEscape(t.Name)})
	}
	// RSS allows one enclosure per item in practice (RSS Board profile);
	// the first is published, Atom and JSON carry them all.
	for _, enc := range it.Enclosures {
		if u := WebURL(enc.URL); u != "" {
			x.Enclosure = &feeds.RssEnclosure{Url: u, Type: EnclosureType(enc), Length: strconv.FormatInt(max(enc.Length, 0), 10)}
			break
		}
	}
	if u := WebURL(it.SourceURL); u != "" {
		x.Source = &rssSource{URL: u, Text: rssEscape(SourceName(it))}
	}
	return x
}

// XMLDocument is v encoded as an XML document: the XML declaration, v
// indented by two spaces, a final newline. what names the document in
// the error.
func XMLDocument(v any, what string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("publisher: render %s: %w", what, err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
