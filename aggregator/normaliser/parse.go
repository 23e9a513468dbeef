// Package normaliser turns the bytes of an upstream feed into bantin's item
// records. It is pure: no I/O, no clock (the caller passes Now), no logging.
//
// Parse detects the character encoding, transcodes to UTF-8 in Unicode NFC,
// parses RSS, Atom or JSON Feed with gofeed and extracts scheduling hints.
// Normalise maps the parsed items to db.Item: identities, plain-text titles,
// sanitised HTML, UTC dates, tags and a content hash. Discover finds feed
// links on an HTML page, and CanonicalLink strips tracking from a URL.
package normaliser

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/text/unicode/norm"
)

// ErrUnknownFormat is returned (wrapped) by Parse when the body is neither
// RSS, Atom nor JSON Feed.
var ErrUnknownFormat = errors.New("normaliser: unknown feed format (not RSS, Atom or JSON Feed)")

// ErrEmptyBody and ErrGzipBody are the unknown formats Parse can name:
// errors.Is matches them and ErrUnknownFormat.
var (
	// ErrEmptyBody: the body is empty or only white space.
	ErrEmptyBody error = &formatError{"normaliser: empty response body"}
	// ErrGzipBody: the body is gzip data (the fetcher decompresses what
	// Content-Encoding announces, and gzip it recognises).
	ErrGzipBody error = &formatError{"normaliser: body is gzip-compressed but Content-Encoding does not say so"}
)

// ErrNotAFeed marks content that does not parse as a feed, whatever the
// reason (callers that take a feed document, such as WebSub pushes, wrap
// Parse's error with it: retrying the same bytes would not help).
var ErrNotAFeed = errors.New("normaliser: not a feed")

// ErrTruncated is returned (wrapped, with where the document ends) by Parse
// for a document that ends inside an item, an entry or other text (a cut
// download): it is not well-formed to its end, and the text of its last
// item may be cut mid-word, so nothing of it is used.
var ErrTruncated = errors.New("normaliser: truncated document")

// ErrNotJSONFeed is returned by Parse for a JSON document that is not a
// JSON Feed (neither "version" nor "items"), such as an API's
// {"error":"rate limited"}; errors.Is matches it and ErrUnknownFormat.
var ErrNotJSONFeed error = &formatError{`normaliser: JSON document is not a JSON Feed (no "version", no "items")`}

// formatError is a named kind of ErrUnknownFormat.
type formatError struct{ msg string }

func (e *formatError) Error() string { return e.msg }
func (e *formatError) Unwrap() error { return ErrUnknownFormat }

// Parsed is a parsed feed plus what the poller needs to schedule it.
type Parsed struct {
	// Feed is gofeed's universal feed; its text is UTF-8 in NFC, its Title
	// plain text (markup removed, references decoded once; a title that
	// is plain text by spec, JSON Feed or Atom type="text", kept as it
	// is) and its Description sanitised HTML. Item fields are left for
	// Normalise.
	Feed *gofeed.Feed
	// Encoding is the name of the character encoding the body was decoded
	// from ("utf-8", "windows-1258", "utf-16le", ...).
	Encoding string
	// TTL is RSS <ttl> (zero when absent or invalid).
	TTL time.Duration
	// UpdatePeriod is sy:updatePeriod divided by sy:updateFrequency (zero
	// when absent).
	UpdatePeriod time.Duration
	// SkipHours are the RSS skipHours (0-23, UTC, sorted, deduplicated).
	SkipHours []int
	// SkipDays are the RSS skipDays (sorted, deduplicated).
	SkipDays []time.Weekday
	// HubURL is the WebSub hub (link rel="hub"), absolute, or "".
	HubURL string
	// SelfURL is the feed's own URL (link rel="self"), absolute, or "".
	SelfURL string
	// BaseURL is the baseURL given to Parse: the URL the body came from.
	BaseURL string
	// Repaired: the body was not well-formed and was parsed after repairs
	// (characters XML forbids dropped, HTML entities made numeric, junk
	// before the root element cut). Normalise marks its items Recovered.
	Repaired bool

	// titles marks the titles that are plain text by the format's spec
	// (JSON Feed, Atom type="text"). A Parsed built by hand has none:
	// its titles are rendered as HTML.
	titles titleKinds
}

// Parse decodes body (served with contentType from baseURL) and parses it
// as RSS (0.9x, 1.0, 2.0), Atom (0.3, 1.0) or JSON Feed.
//
// Encoding: UTF-16/32 recognised by a byte order mark or by the layout of
// "<?" wins (such bytes cannot be in an ASCII-compatible charset); then the
// HTTP charset parameter, a UTF-8 BOM, the XML declaration, and sniffing
// (UTF-8 when valid or mostly valid, else windows-1258 when the bytes look
// Vietnamese, else a CJK, Cyrillic, Hebrew, Greek or Thai charset that a
// statistical detector finds with confidence, else windows-1252). Labels go through the WHATWG and
// IANA indexes (windows-1258, iso-8859-x, koi8-r, shift_jis, euc-jp, big5,
// gb2312/gbk, euc-kr, tis-620, windows-125x...). A declared legacy charset
// on bytes that are valid multi-byte UTF-8 is treated as UTF-8
// (mislabelled); stray invalid bytes in UTF-8 are read as windows-1252. The
// text is transcoded to UTF-8 and its XML declaration rewritten before
// gofeed sees it; C1 control characters become their windows-1252
// counterparts; the text fields gofeed returns (titles, descriptions,
// content, categories, author names) are repaired for mojibake and put in
// NFC; the feed title is made plain text and its description sanitised.
//
// A relative xml:base with no xml:base above it is resolved against
// baseURL (gofeed would resolve it against the server root), so links and
// URLs in content under it resolve as RFC 3986 and feedparser say.
//
// A document gofeed rejects is retried once after repairs: characters XML
// forbids removed (raw or as references), HTML named entities made
// numeric, junk before the root element dropped, the missing end tags of
// the root and channel closed (Parsed.Repaired is then set). A document
// cut inside an item, an entry or any other element is not repaired: it
// is ErrTruncated, naming where it ends. DTD entities are
// never expanded (encoding/xml ignores internal subsets), so entity bombs
// cost nothing.
//
// Errors start with "normaliser: "; ErrUnknownFormat is returned when the
// body is not a feed at all, as ErrEmptyBody, ErrGzipBody or
// ErrNotJSONFeed when it is empty, gzip data or JSON that is not a JSON
// Feed.
func Parse(body []byte, contentType, baseURL string) (*Parsed, error) {
	if len(body) == 0 {
		return nil, ErrEmptyBody
	}
	if bytes.HasPrefix(body, gzipMagic) {
		return nil, ErrGzipBody
	}
	dec := decode(body, contentType)
	if len(bytes.TrimSpace(dec.text)) == 0 {
		return nil, fmt.Errorf("%w (%d bytes, only white space)", ErrEmptyBody, len(body))
	}
	// NFC is applied per text field after parsing (cleanFeed): entity
	// references can only be resolved there, and one pass is enough.
	text := demoronize(rewriteDecl(dec.text))
	text = absoluteXMLBase(text, baseURL)
	text = dropJSONControls(text)

	feed, err := parseFeed(text)
	repaired := false
	if err != nil {
		fixed, open := repair(text)
		if !bytes.Equal(fixed, text) {
			if f2, err2 := parseFeed(fixed); err2 == nil {
				if cutInside(open) {
					return nil, truncated(text, open)
				}
				feed, err, text, repaired = f2, nil, fixed, true
			}
		}
	}
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, ErrUnknownFormat
		}
		return nil, fmt.Errorf("normaliser: parse %s feed: %w", dec.encoding, err)
	}
	if jf, ok := feed.OriginalFeed().(*jsonfeed.Feed); ok && !isJSONFeed(jf, text) {
		return nil, ErrNotJSONFeed
	}
	kinds := plainTitles(feed, text)
	cleanFeed(feed, baseURL, kinds.feed)
	p := &Parsed{Feed: feed, Encoding: dec.encoding, BaseURL: baseURL, Repaired: repaired, titles: kinds}
	p.extractHints(baseURL)
	return p, nil
}

func parseFeed(text []byte) (f *gofeed.Feed, err error) {
	defer func() {
		// gofeed is third-party code fed hostile input: a panic in it must
		// become an error for this one feed, not a crash of the poller.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("normaliser: parser panic: %v", r)
		}
	}()
	fp := gofeed.NewParser()
	fp.KeepOriginalFeed = true
	// gofeed would parse every item's HTML once more just to find an image;
	// Normalise takes the first <img> of the sanitised content instead.
	fp.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return fp.Parse(bytes.NewReader(text))
}

// xmlBaseAttrRe finds the xml:base attribute in a start tag and captures
// its quoted value.
var xmlBaseAttrRe = regexp.MustCompile(`\sxml:base\s*=\s*("[^"]*"|'[^']*')`)

// absoluteXMLBase rewrites each relative xml:base that no xml:base above
// it applies to as an absolute URL, resolved against doc (the URL the
// document came from). gofeed resolves a relative xml:base chain against
// nothing: "sub/" then reads as "/sub/". Nested relative values are left
// alone: gofeed resolves them against their (now absolute) parents. An
// empty xml:base is left too: it means doc, which is what URLs resolve
// against without one. b is returned as it is when there is nothing to
// rewrite or doc is not an absolute URL.
func absoluteXMLBase(b []byte, doc string) []byte {
	if !bytes.Contains(b, []byte("xml:base")) {
		return b
	}
	docURL, err := url.Parse(doc)
	if err != nil || !docURL.IsAbs() {
		return b
	}
	type edit struct {
		start, end int // the quoted value in b
		value      string
	}
	var edits []edit
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	// based[i] tells whether an xml:base applies at depth i+1.
	var based []bool
	for {
		start := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			break // the end, or broken XML: what was found still applies
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inherited := len(based) > 0 && based[len(based)-1]
			has := false
			for _, a := range t.Attr {
				if a.Name.Space != "xml" || a.Name.Local != "base" {
					continue
				}
				v := strings.TrimSpace(a.Value)
				if v == "" {
					break
				}
				has = true
				ref, err := url.Parse(v)
				if inherited || err != nil || ref.IsAbs() {
					break
				}
				end := int(d.InputOffset())
				if m := xmlBaseAttrRe.FindSubmatchIndex(b[start:end]); m != nil {
					abs := docURL.ResolveReference(ref).String()
					edits = append(edits, edit{start + m[2], start + m[3], `"` + html.EscapeString(abs) + `"`})
				}
			}
			based = append(based, inherited || has)
		case xml.EndElement:
			if len(based) > 0 {
				based = based[:len(based)-1]
			}
		}
	}
	if len(edits) == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+64*len(edits))
	last := 0
	for _, e := range edits {
		out = append(out, b[last:e.start]...)
		out = append(out, e.value...)
		last = e.end
	}
	return append(out, b[last:]...)
}

var (
	// rootRe finds the root element of a feed, to drop junk before it.
	rootRe = regexp.MustCompile(`(?i)<(rss|feed|rdf:rdf)[\s>]`)
	// namedEntityRe matches an HTML named character reference.
	namedEntityRe = regexp.MustCompile(`&([A-Za-z][A-Za-z0-9]{1,31});`)
	// numericRefRe matches a numeric character reference.
	numericRefRe = regexp.MustCompile(`&#([xX][0-9A-Fa-f]{1,8}|[0-9]{1,10});`)
	xmlEntities  = map[string]bool{"amp": true, "lt": true, "gt": true, "quot": true, "apos": true}
)

// isJSONFeed reports whether a document gofeed read as a JSON Feed is
// one: it has a "version" or an "items" member (gofeed reads any JSON
// object as an empty feed).
func isJSONFeed(f *jsonfeed.Feed, text []byte) bool {
	if f.Version != "" || len(f.Items) > 0 {
		return true
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(text, &members) != nil {
		return false
	}
	_, version := members["version"]
	_, items := members["items"]
	return version || items
}

// cutInside reports whether a document that ended with the elements open
// (outermost first) still open was cut inside an item, an entry or some
// other text: anything but the feed's containers (rss, channel, feed,
// rdf:RDF), whose closing tags alone may be missing from an otherwise
// complete document.
func cutInside(open []xml.Name) bool {
	for _, n := range open {
		switch strings.ToLower(n.Local) {
		case "rss", "channel", "feed", "rdf":
		default:
			return true
		}
	}
	return false
}

// truncated is the ErrTruncated of text, which ends inside the elements
// open (outermost first).
func truncated(text []byte, open []xml.Name) error {
	var path strings.Builder
	for _, n := range open {
		path.WriteByte('<')
		if n.Space != "" {
			path.WriteString(n.Space + ":")
		}
		path.WriteString(n.Local + ">")
	}
	tail := bytes.TrimRight(text, " \t\r\n")
	if len(tail) > 40 {
		tail = tail[len(tail)-40:]
		for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
			tail = tail[1:]
		}
		tail = append([]byte("…"), tail...)
	}
	return fmt.Errorf("%w: it ends inside %s after %d bytes, with %q", ErrTruncated, path.String(), len(text), tail)
}

// repair makes almost-XML well-formed: it drops characters XML forbids
// (raw or as numeric references), rewrites HTML named entities as numeric
// references, cuts text before the root element (browser "view source"
// copies) and closes a truncated document, returning the elements it had
// to close (outermost first; none when the document was not truncated).
func repair(b []byte) ([]byte, []xml.Name) {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if isXMLChar(r) && !(r == utf8.RuneError && size == 1) {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	out = namedEntityRe.ReplaceAllFunc(out, func(m []byte) []byte {
		name := string(m[1 : len(m)-1])
		if xmlEntities[name] {
			return m
		}
		s := html.UnescapeString(string(m))
		if s == string(m) {
			return []byte("&amp;" + name + ";") // unknown: keep it as text
		}
		var num []byte
		for _, r := range s {
			num = fmt.Appendf(num, "&#%d;", r)
		}
		return num
	})
	out = numericRefRe.ReplaceAllFunc(out, func(m []byte) []byte {
		ref := string(m[2 : len(m)-1])
		var n uint64
		var err error
		if ref[0] == 'x' || ref[0] == 'X' {
			n, err = strconv.ParseUint(ref[1:], 16, 32)
		} else {
			n, err = strconv.ParseUint(ref, 10, 32)
		}
		if err != nil || n > unicode.MaxRune || !isXMLChar(rune(n)) {
			return nil // a reference to a character XML forbids
		}
		return m
	})
	if loc := rootRe.FindIndex(out); loc != nil && loc[0] > 0 {
		head := bytes.ToLower(out[:loc[0]])
		isHTML := bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html"))
		if !isHTML && (!bytes.Contains(head, []byte("<?xml")) || bytes.Index(head, []byte("<?xml")) > 0) {
			out = out[loc[0]:]
		}
	}
	return closeTruncated(out)
}

// closeTruncated completes a document that ends early (a cut download, a
// missing "</rss>"): it keeps the text up to the last complete token and
// closes the elements still open, which it returns (outermost first).
func closeTruncated(b []byte) ([]byte, []xml.Name) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	var stack []xml.Name
	good := int64(0)
	for {
		tok, err := d.RawToken()
		if err != nil {
			if err != io.EOF && len(stack) == 0 {
				return b, nil // broken somewhere else, not truncated
			}
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name)
		case xml.EndElement:
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i] == t.Name {
					stack = stack[:i]
					break
				}
			}
		}
		good = d.InputOffset()
	}
	if len(stack) == 0 {
		return b, nil
	}
	out := append([]byte(nil), b[:good]...)
	for i := len(stack) - 1; i >= 0; i-- {
		out = append(out, "</"...)
		if stack[i].Space != "" {
			out = append(out, stack[i].Space...)
			out = append(out, ':')
		}
		out = append(out, stack[i].Local...)
		out = append(out, '>')
	}
	return out, stack
}

// dropJSONControls removes from a JSON document the escapes of characters
// that XML forbids (\u0000 to \u001F but tab, line feed and carriage
// return; \uFFFE, \uFFFF), as repair drops them from XML: every field of
// a JSON Feed may carry them (a NUL in an id or a title), and neither the
// feeds bantin publishes (XML) nor PostgreSQL's text can hold them. Other
// input (XML, or JSON without such an escape) is returned as it is.
func dropJSONControls(text []byte) []byte {
	t := bytes.TrimLeft(text, " \t\r\n\ufeff")
	if len(t) == 0 || t[0] != '{' || !bytes.Contains(text, []byte(`\u`)) {
		return text
	}
	var out []byte // nil until something is dropped
	last := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '\\' {
			continue
		}
		if i+1 >= len(text) || text[i+1] != 'u' || i+6 > len(text) {
			i++ // an escape of one character (an escaped backslash, too)
			continue
		}
		n, err := strconv.ParseUint(string(text[i+2:i+6]), 16, 32)
		r := rune(n)
		if err == nil && (r < 0xD800 || r > 0xDFFF) && !isXMLChar(r) {
			out = append(out, text[last:i]...)
			last = i + 6
		}
		i += 5
	}
	if out == nil {
		return text
	}
	return append(out, text[last:]...)
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// cleanFeed repairs mojibake (UTF-8 read as windows-1252 upstream) in the
// feed's and items' text fields and puts them in NFC (entities decoded by
// the parser may produce decomposed text). The feed's title becomes plain
// text (rendered from HTML unless textTitle says it is plain text by spec
// already) and its description sanitised HTML; item fields stay raw for
// Normalise.
func cleanFeed(f *gofeed.Feed, baseURL string, isText bool) {
	// The feed's title is stored and republished as a source name: plain
	// text like item titles.
	if isText {
		f.Title = textTitle(clean(f.Title))
	} else {
		f.Title = plainText(clean(f.Title))
	}
	f.Description = sanitise(clean(f.Description), resolve(baseURL, f.Link))
	for i, c := range f.Categories {
		f.Categories[i] = clean(c)
	}
	for _, a := range f.Authors {
		if a != nil {
			a.Name = clean(a.Name)
		}
	}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		it.Title = clean(it.Title)
		it.Description = clean(it.Description)
		it.Content = clean(it.Content)
		for i, c := range it.Categories {
			it.Categories[i] = clean(c)
		}
		for _, a := range it.Authors {
			if a != nil {
				a.Name = clean(a.Name)
			}
		}
	}
}

// nfc returns s as valid UTF-8 in NFC. Text made only of ASCII, Latin-1,
// Latin Extended-A/B, IPA and Latin Extended Additional (which holds the
// precomposed Vietnamese letters) is NFC already and skips the normaliser:
// those characters are all starters that never compose with a following
// character of the same set (TestNFCFastPath checks it).
func nfc(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		// The common safe sequences, read without decoding: U+0080-U+02FF
		// (lead bytes C2-CB) and U+1E00-U+1EFF (E1 B8-BB), which hold
		// nearly every letter of Vietnamese and Western text.
		if c >= 0xC2 && c <= 0xCB && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			i += 2
			continue
		}
		if c == 0xE1 && i+2 < len(s) && s[i+1] >= 0xB8 && s[i+1] <= 0xBB && s[i+2]&0xC0 == 0x80 {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !nfcSafe(r) {
			if !utf8.ValidString(s) {
				s = strings.ToValidUTF8(s, "\uFFFD")
			}
			return norm.NFC.String(s)
		}
		i += size
	}
	return s
}

// nfcSafe reports whether r is in the ranges nfc checks without the
// normaliser.
func nfcSafe(r rune) bool {
	return r < 0x300 || (r >= 0x1E00 && r <= 0x1EFF)
}

// clean repairs mojibake in a parsed text field and puts it in NFC.
func clean(s string) string {
	return nfc(fixMojibake(s))
}

// extractHints fills the scheduling and WebSub fields from the original
// format-specific feed.
func (p *Parsed) extractHints(baseURL string) {
	var links []linkRel
	switch orig := p.Feed.OriginalFeed().(type) {
	case *rss.Feed:
		if n, err := strconv.Atoi(strings.TrimSpace(orig.TTL)); err == nil && n > 0 {
			p.TTL = time.Duration(n) * time.Minute
		}
		p.SkipHours = skipHours(orig.SkipHours)
		p.SkipDays = skipDays(orig.SkipDays)
		p.UpdatePeriod = updatePeriod(orig.Extensions)
		links = extLinks(orig.Extensions)
	case *atom.Feed:
		for _, l := range orig.Links {
			if l != nil {
				links = append(links, linkRel{rel: l.Rel, href: l.Href})
			}
		}
		p.UpdatePeriod = updatePeriod(orig.Extensions)
	case *jsonfeed.Feed:
		if orig.FeedURL != "" {
			links = append(links, linkRel{rel: "self", href: orig.FeedURL})
		}
	}
	for _, l := range links {
		rels := strings.Fields(strings.ToLower(l.rel))
		href := strings.TrimSpace(l.href)
		if href == "" {
			continue
		}
		if p.HubURL == "" && slices.Contains(rels, "hub") {
			p.HubURL = resolve(baseURL, href)
		}
		if p.SelfURL == "" && slices.Contains(rels, "self") {
			p.SelfURL = resolve(baseURL, href)
		}
	}
}

type linkRel struct{ rel, href string }

// extLinks returns the <atom:link> elements of an RSS channel (any prefix
// gofeed filed them under).
func extLinks(e ext.Extensions) []linkRel {
	var out []linkRel
	for _, prefix := range []string{"atom", "atom10", "atom03"} {
		for _, l := range e[prefix]["link"] {
			out = append(out, linkRel{rel: l.Attrs["rel"], href: l.Attrs["href"]})
		}
	}
	return out
}

func skipHours(ss []string) []int {
	var out []int
	for _, s := range ss {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 || n > 24 {
			continue
		}
		n %= 24 // some feeds count 1-24
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func skipDays(ss []string) []time.Weekday {
	var out []time.Weekday
	for _, s := range ss {
		s = strings.ToLower(strings.TrimSpace(s))
		for d := time.Sunday; d <= time.Saturday; d++ {
			name := strings.ToLower(d.String())
			if s == name || (len(s) >= 3 && strings.HasPrefix(name, s)) {
				if !slices.Contains(out, d) {
					out = append(out, d)
				}
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// updatePeriod reads sy:updatePeriod and sy:updateFrequency.
func updatePeriod(e ext.Extensions) time.Duration {
	sy := e["sy"]
	if sy == nil {
		return 0
	}
	var period time.Duration
	if v := sy["updatePeriod"]; len(v) > 0 {
		switch strings.ToLower(strings.TrimSpace(v[0].Value)) {
		case "hourly":
			period = time.Hour
		case "daily":
			period = 24 * time.Hour
		case "weekly":
			period = 7 * 24 * time.Hour
		case "monthly":
			period = 30 * 24 * time.Hour
		case "yearly":
			period = 365 * 24 * time.Hour
		}
	}
	freq := 1
	if v := sy["updateFrequency"]; len(v) > 0 {
		if n, err := strconv.Atoi(strings.TrimSpace(v[0].Value)); err == nil && n > 0 {
			freq = n
		}
	}
	if period == 0 {
		if _, ok := sy["updateFrequency"]; !ok {
			return 0
		}
		period = 24 * time.Hour // the module's default period is daily
	}
	return period / time.Duration(freq)
}
