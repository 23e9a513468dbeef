// Package opml reads OPML 1.0 and 2.0 subscription lists, as exported by
// feed readers (Feedly, Inoreader, Miniflux, FreshRSS, newsboat, ...), and
// flattens their outline trees into feeds tagged with the folders that hold
// them.
//
// Parsing is lenient where exporters are sloppy: any character encoding
// declared in the XML declaration or marked by a byte order mark, HTML
// entities such as &eacute;, attribute names in any letter case (xmlUrl,
// xmlURL, xmlurl), and a missing <head>. It is strict where a mistake would
// lose data silently: the root element must be <opml> and the document must
// be well-formed. Every string returned is in Unicode NFC.
package opml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxSize is the largest OPML document Parse reads, in bytes.
const MaxSize = 32 << 20

// MaxDepth is the deepest outline nesting Parse accepts.
const MaxDepth = 64

// ErrTooLarge is returned by Parse for documents larger than MaxSize.
var ErrTooLarge = errors.New("opml: document larger than 32 MiB")

// Document is a parsed OPML file.
type Document struct {
	// Version is the version attribute of <opml> ("1.0", "2.0", or "").
	Version string
	// Title is the text of <head><title>, whitespace collapsed.
	Title string
	// OwnerName is <head><ownerName>.
	OwnerName string
	// DateCreated is <head><dateCreated> as written (not parsed: readers
	// use many date formats).
	DateCreated string
	// Outlines are the top-level outlines of <body>, in document order.
	Outlines []*Outline
}

// Outline is one <outline> element. Text, Title, Type, XMLURL, HTMLURL,
// Category and Language hold the attributes of those names (matched
// case-insensitively), whitespace trimmed and, for Text and Title, collapsed
// and HTML entities left over from double escaping decoded. Attrs holds
// every attribute as written (namespaced ones such as frss:cssFullContent
// included, with Name.Space the namespace URL).
type Outline struct {
	Text, Title string
	Type        string
	XMLURL      string
	HTMLURL     string
	Category    string
	Language    string
	Attrs       []xml.Attr
	Outlines    []*Outline
}

// Name returns the outline's display name: Title, else Text.
func (o *Outline) Name() string {
	if o.Title != "" {
		return o.Title
	}
	return o.Text
}

// IsFeed reports whether the outline subscribes to a feed: it has an xmlUrl
// attribute. The type attribute is not checked (exporters write "rss" for
// Atom feeds, "atom", "RSS", "feed" or nothing at all), except that "link"
// and "include" outlines, which point to web pages and other OPML files,
// are never feeds.
func (o *Outline) IsFeed() bool {
	switch strings.ToLower(o.Type) {
	case "link", "include":
		return false
	}
	return o.XMLURL != ""
}

// IsFeedWithoutURL reports whether the outline was meant as a feed but
// names none: it has no child outlines and no xmlUrl value, and either an
// xmlUrl attribute that is empty (and a type other than "link" or
// "include") or a feed type ("rss", "atom", "feed", "json", "rdf", any
// case). Importers report such outlines instead of
// dropping them silently; outlines with children are folders.
func (o *Outline) IsFeedWithoutURL() bool {
	if o.XMLURL != "" || len(o.Outlines) > 0 {
		return false
	}
	switch strings.ToLower(o.Type) {
	case "rss", "atom", "feed", "json", "rdf":
		return true
	case "link", "include":
		return false
	}
	for _, a := range o.Attrs {
		if a.Name.Space == "" && strings.EqualFold(a.Name.Local, "xmlurl") {
			return true
		}
	}
	return false
}

// Feed is one subscription found in a Document.
type Feed struct {
	// Title is the outline's title, else its text; may be empty.
	Title string
	// XMLURL is the feed's URL as written in xmlUrl (trimmed).
	XMLURL string
	// HTMLURL is the site's URL from htmlUrl; may be empty.
	HTMLURL string
	// Language is the outline's language attribute; may be empty.
	Language string
	// Type is the outline's type attribute as written; may be empty.
	Type string
	// Tags are the names of the folders holding the feed, outermost first,
	// followed by the entries of its OPML 2.0 category attribute; each
	// name once (compared case-insensitively), empty names dropped.
	Tags []string
}

// IsScraper reports whether the feed is not a feed document but a web page
// that a reader scrapes with its own rules: FreshRSS's "HTML+XPath",
// "XML+XPath", "JSON+DotNotation" and similar types (any type with a "+").
func (f Feed) IsScraper() bool { return strings.Contains(f.Type, "+") }

// Parse reads an OPML document. The character encoding comes from a byte
// order mark, else the XML declaration, else UTF-8. It fails when the input
// is not well-formed XML, when the root element is not <opml>, when there
// is no <body>, or when outlines nest deeper than MaxDepth.
func Parse(r io.Reader) (*Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("opml: %w", err)
	}
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	data, transcoded, err := decodeBOM(data)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.AutoClose = nil
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if transcoded {
			return in, nil // already UTF-8: the BOM decided
		}
		r, err := charset.NewReaderLabel(label, in)
		if err != nil {
			return nil, fmt.Errorf("opml: unsupported encoding %q", label)
		}
		return r, nil
	}
	p := parser{dec: dec}
	doc, err := p.document()
	if err != nil {
		if strings.HasPrefix(err.Error(), "opml: ") {
			return nil, err
		}
		return nil, fmt.Errorf("opml: %w", err) // "XML syntax error on line N: ..."
	}
	return doc, nil
}

// decodeBOM strips a UTF-8 byte order mark and converts UTF-16 text marked
// by one to UTF-8; transcoded reports the latter, where the XML
// declaration's encoding must then be ignored.
func decodeBOM(data []byte) (out []byte, transcoded bool, err error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], false, nil
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		dec := xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewDecoder()
		out, _, err := transform.Bytes(dec, data)
		if err != nil {
			return nil, false, fmt.Errorf("opml: bad UTF-16: %w", err)
		}
		return out, true, nil
	}
	return data, false, nil
}

type parser struct {
	dec *xml.Decoder
}

// next returns the next token inside an element. The decoder reports an
// end of input there as a syntax error, never as io.EOF.
func (p *parser) next() (xml.Token, error) { return p.dec.Token() }

func (p *parser) document() (*Document, error) {
	var root xml.StartElement
	for {
		tok, err := p.dec.Token()
		if err == io.EOF {
			return nil, errors.New("opml: empty document")
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) > 0 {
			return nil, errors.New("opml: not an XML document")
		}
	}
	if !strings.EqualFold(root.Name.Local, "opml") {
		return nil, fmt.Errorf("opml: not an OPML document (root element <%s>)", root.Name.Local)
	}
	doc := &Document{Version: attr(root.Attr, "version")}
	hasBody := false
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch strings.ToLower(t.Name.Local) {
			case "head":
				if err := p.head(doc); err != nil {
					return nil, err
				}
			case "body":
				hasBody = true
				outs, err := p.outlines(1)
				if err != nil {
					return nil, err
				}
				doc.Outlines = append(doc.Outlines, outs...)
			default:
				if err := p.dec.Skip(); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			if !hasBody {
				return nil, errors.New("opml: document has no <body>")
			}
			return doc, nil
		}
	}
}

func (p *parser) head(doc *Document) error {
	for {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var s string
			if err := p.dec.DecodeElement(&s, &t); err != nil {
				return err
			}
			switch strings.ToLower(t.Name.Local) {
			case "title":
				doc.Title = clean(s)
			case "ownername":
				doc.OwnerName = clean(s)
			case "datecreated":
				doc.DateCreated = strings.TrimSpace(s)
			}
		case xml.EndElement:
			return nil
		}
	}
}

// outlines reads the outline children of the element just opened, up to
// and including its end tag; elements other than <outline> are skipped.
func (p *parser) outlines(depth int) ([]*Outline, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("opml: outlines nest deeper than %d levels", MaxDepth)
	}
	var outs []*Outline
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !strings.EqualFold(t.Name.Local, "outline") {
				if err := p.dec.Skip(); err != nil {
					return nil, err
				}
				continue
			}
			o := newOutline(t.Attr)
			kids, err := p.outlines(depth + 1)
			if err != nil {
				return nil, err
			}
			o.Outlines = kids
			outs = append(outs, o)
		case xml.EndElement:
			return outs, nil
		}
	}
}

func newOutline(attrs []xml.Attr) *Outline {
	o := &Outline{Attrs: attrs}
	for _, a := range attrs {
		if a.Name.Space != "" {
			continue // frss:..., xmlns:...
		}
		switch strings.ToLower(a.Name.Local) {
		case "text":
			o.Text = clean(a.Value)
		case "title":
			o.Title = clean(a.Value)
		case "type":
			o.Type = strings.TrimSpace(a.Value)
		case "xmlurl":
			o.XMLURL = norm.NFC.String(strings.TrimSpace(a.Value))
		case "htmlurl":
			o.HTMLURL = norm.NFC.String(strings.TrimSpace(a.Value))
		case "category":
			o.Category = clean(a.Value)
		case "language":
			o.Language = strings.TrimSpace(a.Value)
		}
	}
	return o
}

// attr returns the value of the unprefixed attribute name (any case).
func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Space == "" && strings.EqualFold(a.Name.Local, name) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// clean decodes HTML entities left by double escaping ("&amp;amp;"),
// collapses runs of white space (and control characters) to one space,
// trims, and returns the result in NFC.
func clean(s string) string {
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// Feeds flattens doc into its feeds, in document order. A feed outline
// (see Outline.IsFeed) gets as tags the names of every folder outline above
// it, outermost first, then the entries of its category attribute (OPML
// 2.0: comma-separated, each a "/"-separated path whose every segment is a
// tag). A folder is an outline without xmlUrl; its name is its title, else
// its text. Outlines below a feed outline are searched too, with the same
// folders. A feed listed several times is returned each time; callers
// decide what a duplicate is.
func Feeds(doc *Document) []Feed {
	feeds, _ := flatten(doc)
	return feeds
}

// FeedsWithoutURL returns the outlines of doc that were meant as feeds but
// have no feed URL (see Outline.IsFeedWithoutURL), in document order, as
// Feeds would return them (title, type, tags) with XMLURL empty.
func FeedsWithoutURL(doc *Document) []Feed {
	_, missing := flatten(doc)
	return missing
}

// flatten walks doc once for Feeds and FeedsWithoutURL.
func flatten(doc *Document) (feeds, missing []Feed) {
	if doc == nil {
		return nil, nil
	}
	feed := func(o *Outline, folders []string) Feed {
		tags := append([]string(nil), folders...)
		for _, c := range strings.Split(o.Category, ",") {
			tags = append(tags, strings.Split(c, "/")...)
		}
		return Feed{
			Title:    o.Name(),
			XMLURL:   o.XMLURL,
			HTMLURL:  o.HTMLURL,
			Language: o.Language,
			Type:     o.Type,
			Tags:     uniqueTags(tags),
		}
	}
	var walk func(outs []*Outline, folders []string)
	walk = func(outs []*Outline, folders []string) {
		for _, o := range outs {
			if o.IsFeed() {
				feeds = append(feeds, feed(o, folders))
				walk(o.Outlines, folders)
				continue
			}
			if o.IsFeedWithoutURL() {
				missing = append(missing, feed(o, folders))
				continue
			}
			if len(o.Outlines) == 0 {
				continue
			}
			sub := folders
			if name := o.Name(); name != "" {
				sub = append(folders[:len(folders):len(folders)], name)
			}
			walk(o.Outlines, sub)
		}
	}
	walk(doc.Outlines, nil)
	return feeds, missing
}

// uniqueTags trims the tags, drops empty ones and later repeats (compared
// case-insensitively); nil when none remain.
func uniqueTags(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		k := strings.ToLower(t)
		if t == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, t)
	}
	return out
}
