package normaliser

import (
	"bytes"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"bantin/htmltext"
	"bantin/tracking"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
)

// policy is the sanitiser for republished HTML: bluemonday's UGC policy
// (paragraphs, links, lists, emphasis, images, figures, tables, quotes,
// code, headings; no script, style, iframe, object, embed, form, meta or
// event handlers, no srcset; URLs http, https and mailto, rel="nofollow
// noreferrer" on links)
// plus data: URLs for raster images (never SVG, never on links: the
// absolutising pass drops data: outside img src). A Policy is safe for
// concurrent use once built.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemeWithCustomPolicy("data", func(u *url.URL) bool {
		return u.RawQuery == "" && u.Fragment == "" && dataImageRe.MatchString(u.Opaque)
	})
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}()

var dataImageRe = regexp.MustCompile(`^image/(gif|jpeg|jpg|png|webp|avif)(;[a-z0-9=.-]+)*;base64,[A-Za-z0-9+/=\s]*$`)

// sanitise returns fragment as safe, well-formed HTML (htmltext.Balance)
// with relative URLs made absolute against base, in NFC.
func sanitise(fragment, base string) string {
	fragment = strings.TrimSpace(fragment)
	if fragment == "" {
		return ""
	}
	if !strings.ContainsAny(fragment, "<>&\"'") {
		return nfc(fragment) // plain text: nothing to sanitise or escape
	}
	var clean string
	if strings.IndexByte(fragment, '<') < 0 {
		clean = sanitiseText(fragment)
	} else {
		clean = sanitiseHTML(keepWordsApart(promoteLazyImages(fragment)))
	}
	out := absolutise(clean, base)
	// The policy passes unbalanced tags through ("</br>", the "</p>" of a
	// <p> inside a removed <noscript>): republished HTML must parse as
	// written.
	return nfc(htmltext.Balance(strings.TrimSpace(out)))
}

// sanitiseHTML is policy.Sanitize writing into a pooled buffer: Sanitize
// grows a fresh buffer from nothing for every fragment, which was a fifth
// of all the memory a first ingest allocated (so of its garbage
// collections). Like Sanitize, a fragment the tokenizer fails on gives "".
func sanitiseHTML(fragment string) string {
	buf := sanitiseBufs.Get().(*bytes.Buffer)
	buf.Reset()
	out := ""
	if err := policy.SanitizeReaderToWriter(strings.NewReader(fragment), buf); err == nil {
		out = buf.String()
	}
	if buf.Cap() <= maxPooledSanitise {
		sanitiseBufs.Put(buf)
	}
	return out
}

// sanitiseText is sanitiseHTML for a fragment without a "<": text, with
// perhaps character references, quotes or a ">". It gives what the
// sanitiser gives (TestSanitiseTextIsSanitize) without its tokenizer: the
// tokenizer's one text token is the fragment with its line breaks made
// "\n" and its references decoded, and the policy writes it escaped.
// Plain-text summaries with an apostrophe, a quote or an "&amp;" are
// common; each went through bluemonday's tokenizer.
func sanitiseText(fragment string) string {
	return xhtml.EscapeString(xhtml.UnescapeString(newlines.Replace(fragment)))
}

// newlines turns CRLF and CR into LF, as the tokenizer does in text.
var newlines = strings.NewReplacer("\r\n", "\n", "\r", "\n")

var sanitiseBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledSanitise bounds the buffers kept for reuse: one huge body does
// not pin its buffer.
const maxPooledSanitise = 64 << 10

// strippedBreaks matches the start and end tags of the elements that
// separate the words around them (htmltext.Breaks) but that the policy
// strips, keeping their text (address, header, footer, nav, main, form,
// fieldset, legend, video...) or dropping it (iframe, object): without a
// space in their place "Tòa soạn<address>Số 1</address>" would be stored
// as "Tòa soạnSố 1". The list is read off the policy itself.
var strippedBreaks = func() *regexp.Regexp {
	var names []string
	for _, n := range htmltext.BreakElements() {
		// An element the policy keeps keeps its tag; img needs a src.
		probe := "<" + n + ` src="https://example.com/a.png">x</` + n + ">"
		if !strings.Contains(policy.Sanitize(probe), "<"+n) {
			names = append(names, n)
			strippedNames[n] = true
		}
	}
	return regexp.MustCompile(`(?i)</?(?:` + strings.Join(names, "|") + `)(?:[\s/>]|$)`)
}()

// strippedNames are the element names of strippedBreaks (lower case, ASCII
// letters and digits).
var strippedNames = map[string]bool{}

// mayStrip reports whether strippedBreaks may match in s: it finds every
// tag name after "<" or "</" and looks it up, a quick pass that spares
// most fragments the regular expression. Any non-ASCII byte where a name
// starts or goes on leaves the answer to the expression, whose
// case-insensitive matching folds some non-ASCII letters ("ſ" is "s").
func mayStrip(s string) bool {
	var name [16]byte
	for i := strings.IndexByte(s, '<'); i >= 0; {
		j := i + 1
		if j < len(s) && s[j] == '/' {
			j++
		}
		n := 0
		for ; j < len(s); j++ {
			c := s[j]
			if c >= utf8.RuneSelf {
				return true
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			} else if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				break
			}
			if n == len(name) {
				n = -1 // longer than any name
				break
			}
			name[n] = c
			n++
		}
		if n > 0 && (j == len(s) || strings.IndexByte(" \t\n\f\r/>", s[j]) >= 0) && strippedNames[string(name[:n])] {
			return true
		}
		next := strings.IndexByte(s[i+1:], '<')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// keepWordsApart puts a space before every tag of strippedBreaks, so that
// the sanitiser's stripping does not join the words on either side. The
// space lands in text (or, harmlessly, inside an attribute value or a
// comment the sanitiser drops anyway).
func keepWordsApart(fragment string) string {
	if !mayStrip(fragment) || !strippedBreaks.MatchString(fragment) {
		return fragment
	}
	return strippedBreaks.ReplaceAllStringFunc(fragment, func(tag string) string { return " " + tag })
}

// blankLineRe separates the paragraphs of plain text.
var blankLineRe = regexp.MustCompile(`\n[ \t\f\v]*\n\s*`)

// textHTML returns plain text (a field that is text by the format's spec:
// JSON Feed content_text and summary, Atom type="text") as HTML that shows
// exactly that text: "&", "<", ">" and quotes escaped, paragraphs
// (separated by blank lines) in <p> elements, other line breaks as <br>,
// NFC. Text on a single line is escaped but not wrapped, so text without
// markup characters is returned as it is.
func textHTML(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r", "\n"))
	if s == "" {
		return ""
	}
	paras := blankLineRe.Split(s, -1)
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, p := range paras {
		if len(paras) > 1 {
			b.WriteString("<p>")
		}
		for i, line := range strings.Split(strings.TrimSpace(p), "\n") {
			if i > 0 {
				b.WriteString("<br>")
			}
			b.WriteString(html.EscapeString(strings.TrimSpace(line)))
		}
		if len(paras) > 1 {
			b.WriteString("</p>")
		}
	}
	return nfc(b.String())
}

// urlAttrs are the URL-valued attributes.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true, "longdesc": true}

// absolutise rewrites the URL attributes of sanitised HTML to absolute URLs
// against base, removes tracking parameters from links (tracking.Strip),
// and drops data: URLs anywhere but <img src> and URLs that
// resolve to other schemes than http, https and mailto. It relies on
// the sanitiser's output form: attribute values double-quoted and escaped,
// and '"' escaped in text, so `name="` can only occur inside a tag.
func absolutise(clean, base string) string {
	if !strings.Contains(clean, `="`) {
		return clean
	}
	var b strings.Builder
	b.Grow(len(clean) + 64)
	done := 0 // clean[:done] is written
	pos := 0
	for {
		i := strings.Index(clean[pos:], `="`)
		if i < 0 {
			break
		}
		i += pos
		start := i + 2
		end := strings.IndexByte(clean[start:], '"')
		if end < 0 {
			break
		}
		end += start
		pos = end + 1
		n := i
		for n > 0 && (clean[n-1] >= 'a' && clean[n-1] <= 'z' || clean[n-1] == '-') {
			n--
		}
		attr := clean[n:i]
		if !urlAttrs[attr] || n == 0 || clean[n-1] != ' ' {
			continue
		}
		val := html.UnescapeString(clean[start:end])
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(val)), "data:") {
			if attr == "src" && tagName(clean[:n]) == "img" {
				continue // a raster image the policy let through
			}
			val = ""
		} else {
			val = resolve(base, val)
			if attr == "href" {
				val = tracking.Strip(val)
			}
		}
		if !safeURL(val) {
			// data: off an image, or a relative URL resolved against a
			// base that is not a web URL: drop the attribute.
			b.WriteString(clean[done : n-1])
			done = end + 1
			continue
		}
		b.WriteString(clean[done:start])
		b.WriteString(html.EscapeString(val))
		done = end
	}
	b.WriteString(clean[done:])
	return b.String()
}

// tagName returns the name of the tag open at the end of s.
func tagName(s string) string {
	i := strings.LastIndexByte(s, '<')
	if i < 0 {
		return ""
	}
	name := s[i+1:]
	if j := strings.IndexAny(name, " \t\n/>"); j >= 0 {
		name = name[:j]
	}
	return strings.ToLower(name)
}

// safeURL reports whether a resolved URL may be republished: http, https
// or mailto, or still relative (no base was known).
func safeURL(u string) bool {
	scheme, _, found := strings.Cut(u, ":")
	if !found || strings.ContainsAny(scheme, "/?#") {
		return u != ""
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// tagRe recognises markup in a title (as opposed to a lone "<" in text).
var tagRe = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9:-]*(\s[^<>]*)?/?>|<!--`)

// plainText renders s (text that may hold HTML markup and character
// references) as plain text: tags removed (script/style content dropped,
// words separated at every block-level and line-breaking element: see
// htmltext.Text), references decoded exactly once, white space collapsed,
// NFC.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return nfc(collapseSpace(s))
	}
	if !tagRe.MatchString(s) {
		return nfc(collapseSpace(html.UnescapeString(s)))
	}
	return nfc(collapseSpace(htmltext.Text(s)))
}

// collapseSpace trims s and turns every run of white space (including
// no-break spaces and zero-width junk) into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			space = true
			continue
		}
		if unicode.IsControl(r) {
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// excerpt returns the first words of the plain text of an HTML fragment,
// at most n runes, for items that have no title.
func excerpt(fragment string, n int) string {
	t := plainText(fragment)
	r := []rune(t)
	if len(r) <= n {
		return t
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:-") + "…"
}
