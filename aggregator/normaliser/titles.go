package normaliser

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	jsonfeed "github.com/mmcdole/gofeed/json"
)

// titleKinds records which text fields of a parsed feed are plain text by
// the format's spec (so "<" and "&" in them are literal characters) rather
// than text that may hold HTML: titles, and the items' summaries, contents,
// categories and author names.
type titleKinds struct {
	feed bool // the feed's own title is plain text
	// meta: the items' categories and author names are plain text (Atom
	// and JSON Feed); RSS ones may carry escaped HTML like RSS titles.
	meta  bool
	items map[*gofeed.Item]textKinds
}

// textKinds tells which text fields of one item are plain text by spec.
type textKinds struct {
	title, summary, content bool
}

// plainTitles reports which text fields of feed, parsed from text, are
// plain text. JSON Feed: every title and summary, and content_text when
// there is no content_html (gofeed falls back to it). Atom: text
// constructs (title, summary, content) of type "text" (the default) or
// Atom 0.3 "text/plain"; categories and author names. RSS titles and
// descriptions may carry entity-encoded HTML (RSS Advisory Board), and
// Atom "html"/"xhtml" constructs are markup: none of those is marked.
//
// gofeed's Atom parser drops the type attribute of text constructs, so
// for Atom the types are read from text by scanAtomText (one pass over
// the bytes, no second XML parse); when its count of entries differs from
// the parser's, no Atom item field is marked (HTML rendering is the safe
// default).
func plainTitles(feed *gofeed.Feed, text []byte) titleKinds {
	switch orig := feed.OriginalFeed().(type) {
	case *jsonfeed.Feed:
		k := titleKinds{feed: true, meta: true, items: make(map[*gofeed.Item]textKinds, len(feed.Items))}
		for i, it := range feed.Items {
			tk := textKinds{title: true, summary: true}
			if len(orig.Items) == len(feed.Items) && orig.Items[i] != nil {
				oi := orig.Items[i]
				tk.content = strings.TrimSpace(oi.ContentHTML) == "" && strings.TrimSpace(oi.ContentText) != ""
			}
			k.items[it] = tk
		}
		return k
	case *atom.Feed:
		feedType, entries := scanAtomText(text)
		k := titleKinds{feed: feedType.plain(), meta: true}
		if len(entries) != len(orig.Entries) || len(entries) != len(feed.Items) {
			return k
		}
		k.items = make(map[*gofeed.Item]textKinds, len(entries))
		for i, it := range feed.Items {
			e := entries[i]
			k.items[it] = textKinds{title: e.title.plain(), summary: e.summary.plain(), content: e.content.plain()}
		}
		return k
	}
	return titleKinds{}
}

// textConstruct holds what decides how gofeed decoded an Atom text
// construct: its attributes and whether it has child elements.
type textConstruct struct {
	typ, mode string // lower-cased; "" when absent
	elements  bool   // it holds elements (undeclared inline markup)
}

// plain reports whether gofeed returned the construct's text as plain
// text: type "text" or "text/plain", or (Atom 1.0 default) neither type
// nor mode given, and no child elements (a "text" title with elements in
// it, invalid but seen, is markup). An Atom 0.3 construct with a mode but
// no type is left as raw markup by gofeed, and "html", "text/html" and
// "xhtml" are HTML.
func (c textConstruct) plain() bool {
	if c.elements {
		return false
	}
	switch c.typ {
	case "text", "text/plain":
		return true
	case "":
		return c.mode == ""
	}
	return false
}

var (
	typeAttrRe = regexp.MustCompile(`(?i)\stype\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	modeAttrRe = regexp.MustCompile(`(?i)\smode\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	// atomNSRe finds the prefixes bound to the Atom 1.0 or 0.3 namespace.
	atomNSRe = regexp.MustCompile(`xmlns:([A-Za-z_][\w.-]*)\s*=\s*["'](?:http://www\.w3\.org/2005/Atom|http://purl\.org/atom/ns#)["']`)
)

// atomEntryText holds the text constructs of one Atom entry.
type atomEntryText struct {
	title, summary, content textConstruct
}

// scanAtomTitles returns the feed's and the entries' title constructs of
// an Atom document (see scanAtomText).
func scanAtomTitles(b []byte) (feed textConstruct, entries []textConstruct) {
	feed, all := scanAtomText(b)
	for _, e := range all {
		entries = append(entries, e.title)
	}
	return feed, entries
}

// scanAtomText reads the type and mode attributes of the title of an
// Atom document's feed and of the title, summary and content of each of
// its entries (in document order) from the raw text: a linear scan of the tags that skips comments, CDATA
// sections, processing instructions and the DOCTYPE and follows element
// nesting, so a title inside atom:source or inside XHTML content is not
// taken for the entry's. Elements count when unprefixed or prefixed with a
// prefix bound to the Atom namespace; like gofeed, the last title (summary,
// content) of an entry wins.
func scanAtomText(b []byte) (feed textConstruct, entries []atomEntryText) {
	atomPrefixes := map[string]bool{"": true}
	for _, m := range atomNSRe.FindAllSubmatch(b, -1) {
		atomPrefixes[string(m[1])] = true
	}
	var stack [][]byte // local names of the open elements (atom ones; others as "")
	// open is the title being read (feed's or an entry's), openDepth the
	// depth of its children.
	var open *textConstruct
	openDepth := -1
	for i := 0; i < len(b); {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		rest := b[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = indexPast(b, i+4, "-->")
			continue
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i = indexPast(b, i+9, "]]>")
			continue
		case bytes.HasPrefix(rest, []byte("<?")):
			i = indexPast(b, i+2, "?>")
			continue
		case bytes.HasPrefix(rest, []byte("<!")):
			i = skipDoctype(b, i+2)
			continue
		}
		end := tagEnd(b, i+1)
		if end < 0 {
			break // truncated tag: nothing more to learn
		}
		tag := b[i+1 : end] // between "<" and ">"
		i = end + 1
		if len(tag) > 0 && tag[0] == '/' {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if len(stack) < openDepth {
				open, openDepth = nil, -1
			}
			continue
		}
		if open != nil && len(stack) >= openDepth {
			open.elements = true
		}
		selfClosing := len(tag) > 0 && tag[len(tag)-1] == '/'
		nameEnd := bytes.IndexAny(tag, " \t\r\n/")
		if nameEnd < 0 {
			nameEnd = len(tag)
		}
		name := tag[:nameEnd]
		var local []byte
		prefix, loc, found := bytes.Cut(name, []byte(":"))
		switch {
		case !found:
			local = name
		case atomPrefixes[string(prefix)]:
			local = loc
		}
		depth := len(stack)
		switch {
		case depth == 1 && bytes.EqualFold(local, []byte("entry")) && bytes.EqualFold(stack[0], []byte("feed")):
			entries = append(entries, atomEntryText{})
		case depth == 1 && bytes.EqualFold(local, []byte("title")) && bytes.EqualFold(stack[0], []byte("feed")):
			feed = textConstruct{typ: attr(typeAttrRe, tag), mode: attr(modeAttrRe, tag)}
			if !selfClosing {
				open, openDepth = &feed, depth+1
			}
		case depth == 2 && len(entries) > 0 && bytes.EqualFold(stack[1], []byte("entry")) && bytes.EqualFold(stack[0], []byte("feed")):
			e := &entries[len(entries)-1]
			var tc *textConstruct
			switch {
			case bytes.EqualFold(local, []byte("title")):
				tc = &e.title
			case bytes.EqualFold(local, []byte("summary")):
				tc = &e.summary
			case bytes.EqualFold(local, []byte("content")):
				tc = &e.content
			}
			if tc != nil {
				*tc = textConstruct{typ: attr(typeAttrRe, tag), mode: attr(modeAttrRe, tag)}
				if !selfClosing {
					open, openDepth = tc, depth+1
				}
			}
		}
		if !selfClosing {
			stack = append(stack, local)
		}
	}
	return feed, entries
}

// attr returns the lower-cased, trimmed value the attribute regexp re
// finds in tag, or "".
func attr(re *regexp.Regexp, tag []byte) string {
	m := re.FindSubmatch(tag)
	if m == nil {
		return ""
	}
	v := m[1]
	if v == nil {
		v = m[2]
	}
	return strings.ToLower(strings.TrimSpace(string(v)))
}

// indexPast returns the index just after the first sep at or after i in b,
// or len(b).
func indexPast(b []byte, i int, sep string) int {
	j := bytes.Index(b[i:], []byte(sep))
	if j < 0 {
		return len(b)
	}
	return i + j + len(sep)
}

// skipDoctype returns the index just after a "<!...>" declaration whose
// body starts at i, skipping an internal subset in brackets.
func skipDoctype(b []byte, i int) int {
	for ; i < len(b); i++ {
		switch b[i] {
		case '[':
			return indexPast(b, indexPast(b, i+1, "]"), ">")
		case '>':
			return i + 1
		}
	}
	return len(b)
}

// tagEnd returns the index of the ">" closing the tag whose name starts
// at i (quoted attribute values may hold ">"), or -1.
func tagEnd(b []byte, i int) int {
	var quote byte
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

// textTitle renders a title that is plain text by spec: white space
// collapsed, NFC; "<" and "&" stay literal.
func textTitle(s string) string {
	return nfc(collapseSpace(s))
}
