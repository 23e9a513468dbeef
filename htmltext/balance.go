package htmltext

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Balance returns the HTML fragment s well-formed: parsed as the content
// of a <body> by the HTML Living Standard's algorithm (what browsers and
// html5lib do) and rendered again, so that every element is closed where
// a browser closes it, end tags without a start tag ("</br>", a "</p>"
// left behind by a removed element) are gone, misnested elements are
// repaired, and text is escaped. The result reads the same in a browser
// as s does, and Balance leaves it as it is.
//
// A fragment that WellFormed already accepts (most sanitised HTML) is
// returned unchanged, without the cost of parsing and rendering it.
//
// A fragment nesting elements more than maxDepth deep is kept as its text
// (escaped): the parser's handling of some start tags (<div>, <blockquote>,
// <p>) looks through every open element, so its time grows with the
// square of the depth (40,000 nested <div>s took half a second; a 10 MB
// item of them would take hours), and no article nests that deep.
func Balance(s string) string {
	if WellFormed(s) {
		return s
	}
	if DeeperThan(s, maxDepth) {
		return html.EscapeString(strings.TrimSpace(Text(s)))
	}
	return reserialise(s)
}

// maxDepth is the deepest nesting of elements Balance parses.
const maxDepth = 512

// DeeperThan reports whether the HTML s nests elements more than limit
// deep, counted from its tags: void elements, "/>" and the elements whose
// end tag may be left out (p, li, dt, dd, tr, td, th, option...: the next
// one closes them) open none, an end tag closes one. It reads s once;
// x/net/html's parser takes time growing with the square of the depth
// (some start tags look through every open element), so a document past
// the limit is not worth parsing.
func DeeperThan(s string, limit int) bool {
	z := html.NewTokenizer(strings.NewReader(s))
	depth := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.StartTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); !void[a] && !optionalEnd[a] {
				if depth++; depth > limit {
					return true
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); !optionalEnd[a] {
				depth = max(depth-1, 0)
			}
		}
	}
}

// optionalEnd are the elements whose end tag may be omitted, and void
// elements outside void's list (DeeperThan).
var optionalEnd = set(atom.P, atom.Li, atom.Dt, atom.Dd, atom.Option, atom.Optgroup, atom.Tr, atom.Td,
	atom.Th, atom.Thead, atom.Tbody, atom.Tfoot, atom.Colgroup, atom.Caption, atom.Rb, atom.Rt, atom.Rtc,
	atom.Rp, atom.Html, atom.Head, atom.Body, atom.Col, atom.Input, atom.Link, atom.Meta, atom.Param, atom.Base)

// reserialise parses s as the content of a <body> and renders it.
func reserialise(s string) string {
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		// Only a failing reader makes ParseFragment fail.
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/16)
	foreign := false
	for _, n := range nodes {
		foreign = foreign || hasForeign(n)
		if err := html.Render(&b, n); err != nil {
			return s
		}
	}
	if foreign {
		return b.String()
	}
	// Render writes void elements XML-style ("<br/>"); outside SVG and
	// MathML "/>" can end nothing else in its output (it escapes '>' in
	// text and attribute values), so the HTML form is restored.
	return strings.ReplaceAll(b.String(), "/>", ">")
}

// hasForeign reports whether n holds SVG or MathML elements.
func hasForeign(n *html.Node) bool {
	if n.Type == html.ElementNode && n.Namespace != "" {
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if hasForeign(c) {
			return true
		}
	}
	return false
}

// simple are the elements WellFormed vouches for: those whose start and
// end tags a parser takes as written when they nest properly (no table,
// form, select, ruby, foreign or raw-text content, whose parsing moves or
// drops content).
var simple = set(
	atom.A, atom.Abbr, atom.Address, atom.Article, atom.Aside, atom.Audio, atom.B,
	atom.Bdi, atom.Bdo, atom.Big, atom.Blockquote, atom.Center, atom.Cite,
	atom.Code, atom.Data, atom.Dd, atom.Del, atom.Details, atom.Dfn, atom.Div,
	atom.Dl, atom.Dt, atom.Em, atom.Figcaption, atom.Figure, atom.Font,
	atom.Footer, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
	atom.Header, atom.Hgroup, atom.I, atom.Ins, atom.Kbd, atom.Li, atom.Main,
	atom.Mark, atom.Nav, atom.Ol, atom.P, atom.Picture, atom.Q, atom.S,
	atom.Samp, atom.Section, atom.Small, atom.Span, atom.Strike, atom.Strong,
	atom.Sub, atom.Summary, atom.Sup, atom.Time, atom.Tt, atom.U, atom.Ul,
	atom.Var, atom.Video,
)

// void elements have no end tag.
var void = set(atom.Area, atom.Br, atom.Embed, atom.Hr, atom.Img, atom.Source, atom.Track, atom.Wbr)

// closesP are the simple and void elements whose start tag closes an
// open <p> (HTML "in body" insertion mode).
var closesP = set(
	atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center,
	atom.Dd, atom.Details, atom.Div, atom.Dl, atom.Dt, atom.Figcaption,
	atom.Figure, atom.Footer, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5,
	atom.H6, atom.Header, atom.Hgroup, atom.Hr, atom.Li, atom.Main, atom.Nav,
	atom.Ol, atom.P, atom.Section, atom.Summary, atom.Ul,
)

var headings = set(atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6)

// WellFormed reports whether the HTML fragment s certainly parses as
// written: only simple elements, every non-void element closed by its own
// end tag in order, no end tag without its start tag, no start tag that
// would close an open element by itself (a <div> inside a <p>, an <li> in
// an <li>, a link in a link, a heading in a heading), no nesting deeper
// than maxDepth, no duplicate
// attribute, no comment, no '<' or ambiguous '&' in text. It errs on the
// side of false: a fragment it rejects may still be fine.
func WellFormed(s string) bool {
	if strings.ContainsAny(s, "\r\x00") {
		return false
	}
	if ok, sure := wellFormedPlain(s); sure {
		return ok
	}
	return wellFormedTokens(s)
}

// wellFormedTokens is WellFormed read by x/net/html's tokenizer.
func wellFormedTokens(s string) bool {
	z := html.NewTokenizer(strings.NewReader(s))
	var stack []atom.Atom
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return len(stack) == 0 && errors.Is(z.Err(), io.EOF)
		case html.TextToken:
			if !cleanText(z.Raw()) {
				return false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			var ok bool
			if stack, ok = startTag(stack, a); !ok || tt == html.SelfClosingTagToken && !void[a] {
				return false
			}
			if hasAttr && !cleanAttrs(z) {
				return false
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if len(stack) == 0 || stack[len(stack)-1] != a {
				return false
			}
			stack = stack[:len(stack)-1]
		default: // comment, doctype
			return false
		}
	}
}

// wellFormedPlain is WellFormed for fragments written the way sanitisers
// and renderers write them (bluemonday's output, the common case): tags
// of lower-case names whose attributes are each ` name="value"`, and text
// free of '<'. It reads s without a tokenizer (BenchmarkWellFormed: 1.9
// against 14.6 us for 1 KB, and no allocation: wellFormedTokens allocates
// a tokenizer for every fragment) and
// returns WellFormed's answer with sure set; on anything written another
// way (upper case, other spacing, an unquoted or bare attribute, a
// comment, a '<' that starts no tag) it returns sure unset, and the
// tokenizer decides. Where it is sure, the tokens it read are the ones the
// tokenizer reads, so the two agree (FuzzWellFormed checks it).
func wellFormedPlain(s string) (ok, sure bool) {
	var stackBuf [16]atom.Atom
	stack := stackBuf[:0]
	for i := 0; i < len(s); {
		lt := strings.IndexByte(s[i:], '<')
		text := s[i:]
		if lt >= 0 {
			text = s[i : i+lt]
		}
		if !cleanText(text) {
			return false, true
		}
		if lt < 0 {
			break
		}
		i += lt + 1
		end := i < len(s) && s[i] == '/'
		if end {
			i++
		}
		n := tagNameLen(s[i:])
		if n == 0 {
			return false, false
		}
		a := atom.Lookup([]byte(s[i : i+n]))
		i += n
		if end {
			if i >= len(s) || s[i] != '>' {
				return false, false
			}
			i++
			if len(stack) == 0 || stack[len(stack)-1] != a {
				return false, true
			}
			stack = stack[:len(stack)-1]
			continue
		}
		tagEnd, attrsOK, plain := plainAttrs(s, i)
		if !plain {
			return false, false
		}
		i = tagEnd
		if stack, ok = startTag(stack, a); !ok {
			return false, true
		}
		if !attrsOK {
			return false, true
		}
	}
	return len(stack) == 0, true
}

// tagNameLen returns the length of the lower-case ASCII tag name (a
// letter, then letters and digits) at the start of s, 0 when there is
// none or it is not followed by ' ' or '>'.
func tagNameLen(s string) int {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return 0
	}
	n := 1
	for n < len(s) && (s[n] >= 'a' && s[n] <= 'z' || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	if n == len(s) || s[n] != ' ' && s[n] != '>' {
		return 0
	}
	return n
}

// plainAttrs reads the attributes of a start tag from s[i:] (just after
// its name) up to and including its '>', and returns where the tag ends.
// plain is unset unless every attribute is written ` name="value"` with a
// plainAttrName and the tag ends in '>' (not "/>"); ok is cleanAttrs's
// answer: no name twice, '&' only in character references, and no `="`
// inside a value (cleanAttrs counts them in the raw tag).
func plainAttrs(s string, i int) (end int, ok, plain bool) {
	var names [8]string
	n := 0
	ok = true
	for i < len(s) && s[i] == ' ' {
		i++
		j := i
		for j < len(s) && s[j] != '=' && s[j] != ' ' && s[j] != '>' {
			j++
		}
		if j+1 >= len(s) || s[j] != '=' || s[j+1] != '"' || !plainAttrName([]byte(s[i:j])) {
			return 0, false, false
		}
		name := s[i:j]
		v := strings.IndexByte(s[j+2:], '"')
		if v < 0 {
			return 0, false, false
		}
		value := s[j+2 : j+2+v]
		if strings.Contains(value, `="`) || strings.HasSuffix(value, "=") || !cleanRefs(value) {
			ok = false
		}
		if n == len(names) {
			return 0, false, false
		}
		for _, seen := range names[:n] {
			if seen == name {
				ok = false
			}
		}
		names[n] = name
		n++
		i = j + 2 + v + 1
	}
	if i >= len(s) || s[i] != '>' {
		return 0, false, false
	}
	return i + 1, ok, true
}

// cleanRefs reports whether every '&' in s starts a character reference
// isCharRef reads.
func cleanRefs[T ~string | ~[]byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '&' && !isCharRef(s[i:]) {
			return false
		}
	}
	return true
}

// charRefNames are the named character references isCharRef reads.
var charRefNames = [...]string{"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&nbsp;"}

// isCharRef reports whether s starts with a character reference that no
// parser reads otherwise: one of charRefNames, "&#" and 1-7 decimal
// digits, or "&#x" and 1-6 hexadecimal digits, then ';'.
func isCharRef[T ~string | ~[]byte](s T) bool {
	for _, name := range charRefNames {
		if len(s) >= len(name) && string(s[:len(name)]) == name {
			return true
		}
	}
	if len(s) < 4 || s[1] != '#' {
		return false
	}
	digits, max, hex := s[2:], 7, false
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, max, hex = digits[1:], 6, true
	}
	n := 0
	for n < len(digits) && n <= max && (digits[n] >= '0' && digits[n] <= '9' ||
		hex && (digits[n]|0x20 >= 'a' && digits[n]|0x20 <= 'f')) {
		n++
	}
	return n >= 1 && n <= max && n < len(digits) && digits[n] == ';'
}

// startTag is WellFormed's reading of a start tag a: the stack of open
// elements after it, and whether the parser takes it as written (a void
// element, or a simple one that fits, no deeper than maxDepth: Balance
// keeps a deeper fragment's text, and open and fits would take long).
func startTag(stack []atom.Atom, a atom.Atom) ([]atom.Atom, bool) {
	switch {
	case void[a]:
		return stack, a != atom.Hr || !open(stack, atom.P)
	case !simple[a] || !fits(stack, a) || len(stack) == maxDepth:
		return stack, false
	}
	return append(stack, a), true
}

// fits reports whether a start tag a opens inside stack without the
// parser closing anything first.
func fits(stack []atom.Atom, a atom.Atom) bool {
	switch {
	case closesP[a] && open(stack, atom.P):
		return false
	case a == atom.A && open(stack, atom.A):
		return false
	case headings[a] && openAny(stack, headings):
		return false
	case a == atom.Li:
		return nearest(stack, atom.Li, atom.Ul, atom.Ol) != atom.Li
	case a == atom.Dd || a == atom.Dt:
		n := nearest(stack, atom.Dd, atom.Dt, atom.Dl)
		return n != atom.Dd && n != atom.Dt
	}
	return true
}

func open(stack []atom.Atom, a atom.Atom) bool {
	for _, s := range stack {
		if s == a {
			return true
		}
	}
	return false
}

func openAny(stack []atom.Atom, as map[atom.Atom]bool) bool {
	for _, s := range stack {
		if as[s] {
			return true
		}
	}
	return false
}

// nearest returns the innermost open element among as, 0 when none is.
func nearest(stack []atom.Atom, as ...atom.Atom) atom.Atom {
	for i := len(stack) - 1; i >= 0; i-- {
		for _, a := range as {
			if stack[i] == a {
				return a
			}
		}
	}
	return 0
}

// cleanText reports whether raw text has no '<' and no '&' but in the
// character references isCharRef reads.
func cleanText[T ~string | ~[]byte](raw T) bool {
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '<':
			return false
		case '&':
			if !isCharRef(raw[i:]) {
				return false
			}
		}
	}
	return true
}

// cleanAttrs reports whether the current tag's attributes are each
// written name="value", once (the tokenizer drops a repeated attribute,
// so they are counted in the raw tag), and every '&' in the tag starts a
// character reference (isCharRef).
func cleanAttrs(z *html.Tokenizer) bool {
	raw := z.Raw()
	quoted := bytes.Count(raw, []byte(`="`))
	if !cleanRefs(raw) {
		return false
	}
	n := 0
	for more := true; more; {
		var name []byte
		name, _, more = z.TagAttr()
		if !plainAttrName(name) {
			return false // e.g. "0" or "!": left to the parser (found by FuzzWellFormed)
		}
		n++
	}
	return n == quoted
}

// plainAttrName reports whether name is an attribute name of the usual
// kind: an ASCII letter, then letters, digits, '-', '_', ':' or '.'.
func plainAttrName(name []byte) bool {
	if len(name) == 0 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, c := range name[1:] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}
