package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
	"golang.org/x/text/unicode/norm"

	"bantin/db"
	"bantin/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// corpusRoot returns ../shared/corpus relative to the module root, skipping
// the test under -short and (recorded, see testenv) when it is absent.
func corpusRoot(tb testing.TB) string {
	tb.Helper()
	return filepath.Dir(filepath.Dir(testenv.Shared(tb, "corpus/feedparser/INDEX.tsv")))
}

// indexEntry is one row of feedparser's INDEX.tsv.
type indexEntry struct {
	Path, Headers, Description, Expect, SkipUnless string
}

// readIndex reads feedparser/INDEX.tsv, keyed by path.
func readIndex(tb testing.TB, corpus string) map[string]indexEntry {
	tb.Helper()
	f, err := os.Open(filepath.Join(corpus, "feedparser", "INDEX.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	m := map[string]indexEntry{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		if first {
			continue // header row
		}
		cols := strings.Split(sc.Text(), "\t")
		for len(cols) < 5 {
			cols = append(cols, "")
		}
		e := indexEntry{cols[0], cols[1], cols[2], cols[3], cols[4]}
		m[e.Path] = e
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return m
}

// knownHeaders are the header names the feedparser suite simulates.
var knownHeaders = map[string]bool{
	"content-type": true, "content-language": true, "content-location": true,
	"etag": true, "last-modified": true, "location": true, "status": true, "x-foo": true,
}

// splitHeaders parses INDEX.tsv's headers column ("Name:value; Name:value",
// where a value may itself contain "; ") into a header map.
func splitHeaders(s string) http.Header {
	h := http.Header{}
	var name, value string
	flush := func() {
		if name != "" {
			h.Add(name, strings.TrimSpace(value))
		}
	}
	for _, part := range strings.Split(s, "; ") {
		if i := strings.IndexByte(part, ':'); i > 0 && knownHeaders[strings.ToLower(strings.TrimSpace(part[:i]))] {
			flush()
			name, value = strings.TrimSpace(part[:i]), part[i+1:]
			continue
		}
		if name != "" {
			value += "; " + part
		}
	}
	flush()
	return h
}

// pyString decodes the Python string literal at the start of s (optional u
// or b prefix, single or double quotes, \x \u \U \n \t \\ \' \" escapes).
// It returns the value and the rest of s after the literal.
func pyString(s string) (string, string, error) {
	s = strings.TrimLeft(s, " ")
	if strings.HasPrefix(s, "u") || strings.HasPrefix(s, "U") {
		s = s[1:]
	}
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", s, errors.New("no string literal")
	}
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), s[i+1:], nil
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		hex := func(n int) error {
			if i+n >= len(s) {
				return errors.New("short escape")
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return err
			}
			b.WriteRune(rune(v))
			i += n
			return nil
		}
		var err error
		switch s[i] {
		case 'x':
			err = hex(2)
		case 'u':
			err = hex(4)
		case 'U':
			err = hex(8)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\', '\'', '"':
			b.WriteByte(s[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
		if err != nil {
			return "", s, err
		}
	}
	return "", s, errors.New("unterminated string literal")
}

// expectation is a checkable `FIELD == 'literal'` clause of an Expect.
type expectation struct {
	Field string // "feed.title", "entry.title", "entry.description", "encoding"
	Want  string
}

var expectFields = []struct {
	re    *regexp.Regexp
	field string
}{
	{regexp.MustCompile(`feed(\['title'\]|\.title) == `), "feed.title"},
	{regexp.MustCompile(`entries\[0\](\['title'\]|\.title) == `), "entry.title"},
	{regexp.MustCompile(`entries\[0\](\['(description|summary)'\]|\.(description|summary)) == `), "entry.description"},
	{regexp.MustCompile(`(^|[ (])encoding == `), "encoding"},
}

// parseExpect extracts the checkable equality clauses of an Expect.
func parseExpect(expr string) []expectation {
	var out []expectation
	for _, f := range expectFields {
		for _, loc := range f.re.FindAllStringIndex(expr, -1) {
			v, _, err := pyString(expr[loc[1]:])
			if err != nil {
				continue
			}
			out = append(out, expectation{f.field, v})
		}
	}
	return out
}

// decodeUnicode returns the text of a UTF-16/32 file (BOM or NUL pattern),
// else the bytes as they are. It is used only to look at a corpus file's
// markup, not to judge bantin.
func decodeUnicode(b []byte) []byte {
	try := func(d interface{ Bytes([]byte) ([]byte, error) }) []byte {
		if out, err := d.Bytes(b); err == nil {
			return out
		}
		return b
	}
	switch {
	case bytes.HasPrefix(b, []byte{0, 0, 0xfe, 0xff}) || bytes.HasPrefix(b, []byte{0, 0, 0, '<'}):
		return try(utf32.UTF32(utf32.BigEndian, utf32.UseBOM).NewDecoder())
	case bytes.HasPrefix(b, []byte{0xff, 0xfe, 0, 0}) || bytes.HasPrefix(b, []byte{'<', 0, 0, 0}):
		return try(utf32.UTF32(utf32.LittleEndian, utf32.UseBOM).NewDecoder())
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}) || bytes.HasPrefix(b, []byte{0, '<'}):
		return try(unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder())
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{'<', 0}):
		return try(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder())
	}
	return b
}

var (
	entryTag   = regexp.MustCompile(`(?i)<([a-z_][\w.-]*:)?(item|entry)[\s>/]`)
	commentRe  = regexp.MustCompile(`(?s)<!--.*?-->`)
	cdataRe    = regexp.MustCompile(`(?s)<!\[CDATA\[.*?\]\]>`)
	jsonItemsR = regexp.MustCompile(`"items"\s*:\s*\[\s*\{`)
)

// hasEntries reports whether a corpus file's markup holds at least one
// item or entry element (JSON: a non-empty items array).
func hasEntries(raw []byte) bool {
	b := decodeUnicode(raw)
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		return jsonItemsR.Match(b)
	}
	b = commentRe.ReplaceAll(b, nil)
	b = cdataRe.ReplaceAll(b, nil)
	return entryTag.Match(b)
}

// textProblem returns why s is not valid UTF-8 in NFC, or "".
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	if !norm.NFC.IsNormalString(s) {
		return "not NFC"
	}
	return ""
}

// itemTextProblems lists every stored text field of it that is not valid
// UTF-8 in NFC.
func itemTextProblems(it db.Item) []string {
	fields := map[string]string{
		"GUID": it.GUID, "Link": it.Link, "CanonicalLink": it.CanonicalLink, "Title": it.Title,
		"Summary": it.Summary, "Content": it.Content, "ImageURL": it.ImageURL, "Language": it.Language,
		"SourceTitle": it.SourceTitle, "SourceURL": it.SourceURL, "SourceSite": it.SourceSite,
		"Hash": it.Hash,
	}
	for i, a := range it.Authors {
		fields[fmt.Sprintf("Authors[%d]", i)] = a.Name + "\x00" + a.Email + "\x00" + a.URI
	}
	for i, c := range it.Categories {
		fields[fmt.Sprintf("Categories[%d]", i)] = c
	}
	for i, tg := range it.Tags {
		fields[fmt.Sprintf("Tags[%d]", i)] = tg.Name + "\x00" + tg.Slug
	}
	for i, e := range it.Enclosures {
		fields[fmt.Sprintf("Enclosures[%d]", i)] = e.URL + "\x00" + e.Type
	}
	for i, tp := range it.Topics {
		fields[fmt.Sprintf("Topics[%d]", i)] = tp
	}
	var out []string
	for name, v := range fields {
		if p := textProblem(v); p != "" {
			out = append(out, fmt.Sprintf("%s %s: %q", name, p, clip(v, 80)))
		}
	}
	return out
}

// sourceTextProblems is itemTextProblems for a stored source.
func sourceTextProblems(s db.Source) []string {
	var out []string
	for name, v := range map[string]string{
		"Title": s.Title, "SiteURL": s.SiteURL, "Language": s.Language, "URL": s.URL,
		"LastError": s.LastError, "ETag": s.ETag, "LastModified": s.LastModified,
		"HubURL": s.HubURL, "HubTopic": s.HubTopic,
	} {
		if p := textProblem(v); p != "" {
			out = append(out, fmt.Sprintf("source %s %s: %q", name, p, clip(v, 80)))
		}
	}
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// checkPublished checks that a published document of format is well-formed.
func checkPublished(format string, b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("output is not valid UTF-8")
	}
	if format == "json" {
		if !json.Valid(b) {
			return errors.New("invalid JSON")
		}
		return nil
	}
	return testenv.WellFormedXML(b)
}

// htmlText returns the text content of an HTML fragment, white space
// collapsed.
func htmlText(s string) string {
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return s
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// entryElems are the child elements that give an entry an identity or
// something to show: id/guid, link, title, a date, or text.
var entryElems = map[string]bool{
	"id": true, "guid": true, "link": true, "title": true, "description": true, "summary": true,
	"content": true, "encoded": true, "pubdate": true, "published": true, "updated": true,
	"issued": true, "modified": true, "created": true, "date": true, "body": true, "fullitem": true,
}

// entryFields returns the names of the entryElems of the first item or
// entry of a corpus file that carry text (or an href), read independently
// of bantin with encoding/xml in non-strict mode. ok is false when the
// document holds no entry that encoding/xml can read.
func entryFields(raw []byte) (fields []string, ok bool) {
	b := decodeUnicode(raw)
	if i := bytes.Index(b, []byte("?>")); bytes.HasPrefix(bytes.TrimSpace(b), []byte("<?xml")) && i >= 0 {
		b = b[i+2:] // the declaration may name a charset encoding/xml cannot read
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	depth, entryDepth := 0, -1
	var stack []string
	var text strings.Builder
	seen := map[string]bool{}
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			depth++
			name := strings.ToLower(tk.Name.Local)
			if entryDepth < 0 && (name == "item" || name == "entry") {
				entryDepth = depth
				ok = true
			} else if entryDepth >= 0 && depth == entryDepth+1 {
				text.Reset()
				for _, a := range tk.Attr {
					if strings.EqualFold(a.Name.Local, "href") && strings.TrimSpace(a.Value) != "" && entryElems[name] {
						seen[name] = true
					}
				}
			}
			stack = append(stack, name)
		case xml.CharData:
			if entryDepth >= 0 && depth > entryDepth {
				text.Write(tk)
			}
		case xml.EndElement:
			name := ""
			if len(stack) > 0 {
				name = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
			if entryDepth >= 0 && depth == entryDepth+1 && entryElems[name] && strings.TrimSpace(text.String()) != "" {
				seen[name] = true
			}
			if depth == entryDepth {
				for n := range seen {
					fields = append(fields, n)
				}
				return fields, ok
			}
			depth--
		}
	}
	for n := range seen {
		fields = append(fields, n)
	}
	return fields, ok
}
