package publisher

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
	Title         string       `xml:"title"`
	Link          string       `xml:"link"`
	Description   string       `xml:"description"`
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
	Title       string              `xml:"title,omitempty"`
	Link        string              `xml:"link,omitempty"`
	Description string              `xml:"description,omitempty"`
	Content     *feeds.RssContent   `xml:"content:encoded"`
	Creator     string              `xml:"dc:creator,omitempty"`
	Categories  []rssCategory       `xml:"category"`
	Enclosure   *feeds.RssEnclosure `xml:"enclosure"`
	GUID        *feeds.RssGuid      `xml:"guid"`
	PubDate     string              `xml:"pubDate,omitempty"`
	Source      *rssSource          `xml:"source"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Text   string `xml:",chardata"`
}

type rssSource struct {
	URL  string `xml:"url,attr"`
	Text string `xml:",chardata"`
}

func rssTime(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func renderRSS(f *Feed) ([]byte, error) {
	base := gorillaFeed(f)
	g := (&feeds.Rss{Feed: base}).RssFeed()

	ch := &rssChannel{
		Title:         g.Title,
		Link:          g.Link,
		Description:   g.Description,
		Language:      f.language(),
		LastBuildDate: g.LastBuildDate,
		Generator:     feedAuthor,
		Docs:          "https://www.rssboard.org/rss-specification",
	}
	if ch.Description == "" {
		ch.Description = ch.Title
	}
	for _, l := range f.navLinks(FormatRSS) {
		ch.AtomLinks = append(ch.AtomLinks, atomLinkNS{Href: l.Href, Rel: l.Rel, Type: l.Type})
	}
	for i, gi := range g.Items {
		ch.Items = append(ch.Items, rssItemFrom(f, f.Entries[i], gi))
	}

	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	doc := &rssDoc{Version: "2.0", XmlnsAtom: nsAtom, XmlnsCont: nsContent, XmlnsDC: nsDC, Channel: ch}
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("publisher: render rss: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// rssItemFrom extends gorilla's item gi for e.
func rssItemFrom(f *Feed, e Entry, gi *feeds.RssItem) *rssItem {
	it := e.Item
	x := &rssItem{
		Title:       gi.Title,
		Link:        gi.Link,
		Description: gi.Description,
		Content:     gi.Content,
		GUID:        gi.Guid,
		PubDate:     rssTime(itemPublished(it)),
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
	x.Creator = strings.Join(names, ", ")
	for _, t := range sortedTags(it) {
		x.Categories = append(x.Categories, rssCategory{Domain: tagScheme(f.BaseURL), Text: t.Name})
	}
	// RSS allows one enclosure per item in practice (RSS Board profile);
	// the first is published, Atom and JSON carry them all.
	for _, enc := range it.Enclosures {
		if u := webURL(enc.URL); u != "" {
			x.Enclosure = &feeds.RssEnclosure{Url: u, Type: enclosureType(enc), Length: strconv.FormatInt(max(enc.Length, 0), 10)}
			break
		}
	}
	if u := webURL(it.SourceURL); u != "" {
		x.Source = &rssSource{URL: u, Text: sourceName(it)}
	}
	return x
}
