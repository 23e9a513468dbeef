package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"bantin/internal/fixture"
	"bantin/internal/testenv"
	"bantin/publisher"
	"bantin/publisher/render"
)

// published is one entry of a published document, reduced to what the
// safety checks look at.
type published struct {
	Format   string
	SourceID string            // from the entry id
	Title    string            // plain text as a reader gets it
	HTML     map[string]string // field name -> HTML
	Plain    map[string]string // other text fields that must be plain text
}

// entryIDSource extracts the source id from an id minted by
// render.EntryID ("tag:HOST,YEAR:SOURCEID/DIGEST").
func entryIDSource(id string) string {
	_, rest, ok := strings.Cut(id, ":")
	if !ok {
		return ""
	}
	_, rest, ok = strings.Cut(rest, ":")
	if !ok {
		return ""
	}
	src, _, _ := strings.Cut(rest, "/")
	return src
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Body  string `xml:",chardata"`
	Inner string `xml:",innerxml"`
}

// html returns the HTML an Atom text construct carries, or its plain text
// as HTML-escaped text.
func (a atomText) html() string {
	switch a.Type {
	case "html":
		return a.Body
	case "xhtml":
		return a.Inner
	}
	return html.EscapeString(a.Body)
}

// text returns what a reader displays for an Atom text construct.
func (a atomText) text() string {
	switch a.Type {
	case "html", "xhtml":
		return htmlText(a.html())
	}
	return a.Body
}

// entriesOf decodes the entries of a published document.
func entriesOf(format string, body []byte) ([]published, error) {
	var out []published
	switch format {
	case "atom":
		var f struct {
			Entries []struct {
				ID      string   `xml:"id"`
				Title   atomText `xml:"title"`
				Summary atomText `xml:"summary"`
				Content atomText `xml:"content"`
				Source  struct {
					Title atomText `xml:"title"`
				} `xml:"source"`
				Links []struct {
					Title string `xml:"title,attr"`
				} `xml:"link"`
				Categories []struct {
					Label string `xml:"label,attr"`
				} `xml:"category"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(body, &f); err != nil {
			return nil, err
		}
		for _, e := range f.Entries {
			p := published{Format: format, SourceID: entryIDSource(e.ID), Title: e.Title.text(),
				HTML:  map[string]string{"summary": e.Summary.html(), "content": e.Content.html()},
				Plain: map[string]string{"title": e.Title.text(), "source title": e.Source.Title.text()}}
			for i, l := range e.Links {
				p.Plain[fmt.Sprintf("link[%d] title", i)] = l.Title
			}
			for i, c := range e.Categories {
				p.Plain[fmt.Sprintf("category[%d]", i)] = c.Label
			}
			out = append(out, p)
		}
	case "rss":
		var f struct {
			Items []struct {
				GUID        string   `xml:"guid"`
				Title       string   `xml:"title"`
				Description string   `xml:"description"`
				Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
				Source      string   `xml:"source"`
				Categories  []string `xml:"category"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal(body, &f); err != nil {
			return nil, err
		}
		for _, e := range f.Items {
			p := published{Format: format, SourceID: entryIDSource(e.GUID), Title: e.Title,
				HTML:  map[string]string{"description": e.Description, "content:encoded": e.Content},
				Plain: map[string]string{"title": e.Title, "source": e.Source}}
			for i, c := range e.Categories {
				p.Plain[fmt.Sprintf("category[%d]", i)] = c
			}
			out = append(out, p)
		}
	case "json":
		var f struct {
			Items []struct {
				ID          string   `json:"id"`
				Title       string   `json:"title"`
				Summary     string   `json:"summary"`
				ContentHTML string   `json:"content_html"`
				ContentText string   `json:"content_text"`
				Tags        []string `json:"tags"`
				Bantin      struct {
					SourceTitle string `json:"source_title"`
				} `json:"_bantin"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &f); err != nil {
			return nil, err
		}
		for _, e := range f.Items {
			p := published{Format: format, SourceID: entryIDSource(e.ID), Title: e.Title,
				// summary is plain text in JSON Feed 1.1, but readers render
				// it as HTML too: it must be as safe as content_html.
				HTML:  map[string]string{"summary": e.Summary, "content_html": e.ContentHTML},
				Plain: map[string]string{"title": e.Title, "source_title": e.Bantin.SourceTitle}}
			for i, c := range e.Tags {
				p.Plain[fmt.Sprintf("tags[%d]", i)] = c
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// unsafeElements must never survive sanitising.
var unsafeElements = map[atom.Atom]bool{
	atom.Script: true, atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Form: true,
	atom.Applet: true, atom.Frame: true, atom.Frameset: true, atom.Base: true, atom.Link: true,
	atom.Noscript: false, atom.Svg: true, atom.Math: true,
}

// urlAttrs hold URLs.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "background": true, "poster": true,
	"cite": true, "longdesc": true, "usemap": true, "data": true, "codebase": true, "lowsrc": true,
	"dynsrc": true, "xlink:href": true, "srcset": true, "profile": true, "manifest": true, "icon": true,
}

// dangerousStyle matches CSS that can run script or load resources.
var dangerousStyle = regexp.MustCompile(`(?i)expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding|@import|url\s*\(`)

// urlScheme returns the lowercased scheme of an attribute value as a
// browser reads it (leading space and control characters, and tabs and
// newlines anywhere, ignored).
func urlScheme(v string) string {
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	v = strings.TrimLeft(v, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	i := strings.IndexAny(v, ":/?#")
	if i <= 0 || v[i] != ':' {
		return ""
	}
	return strings.ToLower(v[:i])
}

// htmlDangers lists what is unsafe in an HTML fragment.
func htmlDangers(fragment string) []string {
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return []string{"unparsable HTML: " + err.Error()}
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name := strings.ToLower(n.Data)
			if unsafeElements[n.DataAtom] || name == "svg" || name == "math" {
				out = append(out, "<"+name+"> element")
			}
			if n.DataAtom == atom.Style {
				var css strings.Builder
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					css.WriteString(c.Data)
				}
				if dangerousStyle.MatchString(css.String()) {
					out = append(out, "<style> with "+dangerousStyle.FindString(css.String()))
				}
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if a.Namespace != "" {
					key = a.Namespace + ":" + key
				}
				switch {
				case strings.HasPrefix(key, "on"):
					out = append(out, fmt.Sprintf("event handler %s on <%s>", key, name))
				case key == "style" && dangerousStyle.MatchString(a.Val):
					out = append(out, fmt.Sprintf("style attribute with %s on <%s>", dangerousStyle.FindString(a.Val), name))
				case n.DataAtom == atom.Meta && key == "http-equiv":
					out = append(out, "<meta http-equiv>")
				case urlAttrs[key]:
					vals := []string{a.Val}
					if key == "srcset" {
						vals = strings.Split(a.Val, ",")
					}
					for _, v := range vals {
						switch s := urlScheme(strings.TrimSpace(v)); s {
						case "javascript", "vbscript", "livescript", "mocha":
							out = append(out, fmt.Sprintf("%s: URL in %s of <%s>", s, key, name))
						case "data":
							if !(n.DataAtom == atom.Img && key == "src" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "data:image/")) {
								out = append(out, fmt.Sprintf("data: URL in %s of <%s>", key, name))
							}
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return out
}

var (
	markupRe = regexp.MustCompile(`<[A-Za-z!/?][^>]*>`)
	entityRe = regexp.MustCompile(`&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);`)
)

// plainDangers lists why a text that must be plain text is not.
func plainDangers(s string) []string {
	var out []string
	if m := markupRe.FindString(s); m != "" {
		out = append(out, "markup "+clip(m, 60))
	}
	if m := entityRe.FindString(s); m != "" {
		out = append(out, "character reference "+m+" (not decoded, or escaped twice)")
	}
	return out
}

// checkEntry returns every safety problem of one published entry.
func checkEntry(p published) []string {
	var out []string
	for _, field := range sortedKeys(p.HTML) {
		for _, d := range htmlDangers(p.HTML[field]) {
			out = append(out, fmt.Sprintf("%s %s: %s", p.Format, field, d))
		}
	}
	for _, field := range sortedKeys(p.Plain) {
		for _, d := range plainDangers(p.Plain[field]) {
			out = append(out, fmt.Sprintf("%s %s %q: %s", p.Format, field, clip(p.Plain[field], 80), d))
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestSanitizerCorpus runs feedparser's sanitizer cases through the real
// pipeline (file:// sources polled into SQLite, published by the server in
// RSS, Atom and JSON) and checks that nothing unsafe survives in any
// format, and that titles are plain text, the same in every format.
func TestSanitizerCorpus(t *testing.T) {
	corpus := corpusRoot(t)
	dir := filepath.Join(corpus, "feedparser", "wellformed", "sanitize")
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("sanitizer cases absent from the corpus: %v", err)
	}
	tmp := t.TempDir()
	dbPath := filepath.Join(tmp, "s.db")
	store := fixture.DB(t, dbPath)
	var srcs []sourceDef
	byID := map[string]string{}
	for i, n := range names {
		if n.IsDir() {
			continue
		}
		f := &corpusFile{Rel: "feedparser/wellformed/sanitize/" + n.Name(), Abs: filepath.Join(dir, n.Name())}
		id := fmt.Sprintf("s%04d", i)
		byID[id] = n.Name()
		srcs = append(srcs, sourceDef{ID: id, URL: (&url.URL{Scheme: "file", Path: f.Abs}).String(), File: f})
	}
	st := &corpusStats{}
	cfg := pollBatches(t, st, store, dbPath, tmp, "s", srcs)

	problems := map[string][]string{}          // case -> problems
	titles := map[string]map[string][]string{} // case -> format -> titles
	published := map[string]bool{}
	docs := publishVisit(t, st, cfg, store, func(path, format string, body []byte) {
		if !strings.HasPrefix(path, "/topics/") {
			// tag feeds repeat the same entries; their titles and
			// categories are checked through the topic pages.
			return
		}
		entries, err := entriesOf(format, body)
		if err != nil {
			problems[path] = append(problems[path], err.Error())
			return
		}
		for _, e := range entries {
			name := byID[e.SourceID]
			if name == "" {
				problems[path] = append(problems[path], fmt.Sprintf("entry of unknown source %q", e.SourceID))
				continue
			}
			published[name] = true
			problems[name] = append(problems[name], checkEntry(e)...)
			if titles[name] == nil {
				titles[name] = map[string][]string{}
			}
			titles[name][format] = append(titles[name][format], e.Title)
		}
	})
	for _, p := range append(st.renderProblems, st.crashes...) {
		t.Error(p)
	}
	for _, p := range st.hangs {
		t.Error(p)
	}

	// The stored titles are the reference: every format publishes them.
	stored := map[string][]string{}
	for after := int64(0); ; {
		page, err := store.ScanItems(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, it := range page {
			name := byID[it.SourceID]
			stored[name] = append(stored[name], it.Title)
			for _, d := range plainDangers(it.Title) {
				problems[name] = append(problems[name], "stored title: "+d)
			}
		}
		after = page[len(page)-1].ID
	}
	for name, want := range stored {
		sort.Strings(want)
		for format, got := range titles[name] {
			sort.Strings(got)
			if !slices.Equal(got, want) {
				problems[name] = append(problems[name], fmt.Sprintf("%s titles %q differ from the stored %q", format, got, want))
			}
		}
	}
	srcsStored, err := store.Sources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcsStored {
		if name := byID[s.ID]; name != "" {
			for _, d := range plainDangers(s.Title) {
				problems[name] = append(problems[name], "stored feed title: "+d)
			}
		}
	}

	failed := 0
	cases := make([]string, 0, len(byID))
	for _, name := range byID {
		cases = append(cases, name)
	}
	sort.Strings(cases)
	for _, name := range cases {
		if ps := problems[name]; len(ps) > 0 {
			failed++
			t.Errorf("%s: %s", name, strings.Join(ps, "; "))
		}
	}
	for k, ps := range problems {
		if strings.HasPrefix(k, "/") && len(ps) > 0 {
			failed++
			t.Errorf("%s: %s", k, strings.Join(ps, "; "))
		}
	}
	fmt.Printf("conformance sanitizer: %d cases, %d published with entries, %d documents checked, %d passed, %d failed\n",
		len(cases), len(published), docs, len(cases)-failed, failed)
}

// TestSafeMarkupSurvives: ordinary article markup (paragraphs, links,
// lists, emphasis, images, tables, figures) is kept in every format, with
// links made absolute; and titles holding markup, entities and quotes are
// plain text, decoded once, in every format and on the index page.
func TestSafeMarkupSurvives(t *testing.T) {
	safeFeed := filepath.Join(testenv.ModuleRoot(t), "testdata", "conformance", "safe.atom")
	tmp := t.TempDir()
	dbPath := filepath.Join(tmp, "p.db")
	store := fixture.DB(t, dbPath)
	st := &corpusStats{}
	src := sourceDef{ID: "safe", URL: (&url.URL{Scheme: "file", Path: safeFeed}).String(), File: &corpusFile{Rel: "safe.atom", Abs: safeFeed}}
	cfg := pollBatches(t, st, store, dbPath, tmp, "p", []sourceDef{src})

	wantElems := []atom.Atom{atom.P, atom.A, atom.Ul, atom.Ol, atom.Li, atom.Em, atom.Strong, atom.Img,
		atom.Table, atom.Tr, atom.Td, atom.Th, atom.Figure, atom.Figcaption, atom.Blockquote}
	wantTitles := map[string]bool{
		`Tom & Jerry <3 "quotes" & 'apostrophes'`: true, // html title: tags dropped, entities decoded once
		`Hà Nội: AT&T "quoted" 'single'`:          true,
	}
	seen := map[string]bool{}
	var got []string
	publishVisit(t, st, cfg, store, func(path, format string, body []byte) {
		if !strings.HasPrefix(path, "/topics/") {
			return
		}
		entries, err := entriesOf(format, body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, e := range entries {
			got = append(got, format+": "+e.Title)
			if !wantTitles[e.Title] {
				t.Errorf("%s title %q, want one of %q", format, e.Title, keysOf(wantTitles))
			}
			if markupRe.MatchString(e.Plain["source title"] + e.Plain["source"] + e.Plain["source_title"]) {
				t.Errorf("%s source title holds markup: %+v", format, e.Plain)
			}
			html := ""
			for _, v := range e.HTML {
				html += v
			}
			if !strings.Contains(html, "<figure") {
				continue // the entry whose title is checked only
			}
			seen[format] = true
			if d := htmlDangers(html); len(d) > 0 {
				t.Errorf("%s: unsafe markup in the safe fixture: %q", format, d)
			}
			have := elementsOf(html)
			for _, a := range wantElems {
				if !have[a] {
					t.Errorf("%s: <%s> did not survive: %s", format, a, clip(html, 400))
				}
			}
			for _, want := range []string{`href="https://example.org/articles/2"`, `src="https://example.org/img/a.jpg"`, `alt="Ảnh minh hoạ"`} {
				if !strings.Contains(html, want) {
					t.Errorf("%s: %s missing (links must be absolute): %s", format, want, clip(html, 400))
				}
			}
		}
	})
	for _, format := range render.Formats {
		if !seen[format] {
			t.Errorf("%s: the safe entry was not published (titles seen: %q)", format, got)
		}
	}
	for _, p := range st.renderProblems {
		t.Error(p)
	}

	// The index page lists tags by their upstream names: escaped, so the
	// DOM holds them as text and no element comes from them.
	h := publisher.New(cfg, store, nil).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: %d", rec.Code)
	}
	doc, err := html.Parse(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Iframe || n.DataAtom == atom.Img):
			t.Errorf("index page holds a <%s> element", n.Data)
		case n.Type == html.ElementNode:
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("index page: event handler %s on <%s>", a.Key, n.Data)
				}
			}
		case n.Type == html.TextNode:
			text.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, want := range []string{`<script>alert("tag")</script>`, `Tom & "Jerry"`} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("index page text lacks the tag name %q", want)
		}
	}
}

func keysOf(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// elementsOf returns the set of elements in an HTML fragment.
func elementsOf(fragment string) map[atom.Atom]bool {
	have := map[atom.Atom]bool{}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return have
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			have[n.DataAtom] = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return have
}

// TestSafetyCheckerCatches makes sure the checks above would see each
// attack they look for, so that a clean corpus run means something.
func TestSafetyCheckerCatches(t *testing.T) {
	unsafe := map[string]string{
		"script":           `<p>x</p><script>alert(1)</script>`,
		"style expression": `<style>p { width: expression(alert(1)) }</style>`,
		"style attribute":  `<p style="background:url(javascript:alert(1))">x</p>`,
		"event handler":    `<img src="a.jpg" onerror="alert(1)">`,
		"javascript href":  `<a href=" JaVa&#09;Script:alert(1)">x</a>`,
		"vbscript href":    `<a href="vbscript:msgbox(1)">x</a>`,
		"data href":        `<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`,
		"data img html":    `<img src="data:text/html,<script>alert(1)</script>">`,
		"iframe":           `<iframe src="https://example.com/"></iframe>`,
		"object":           `<object data="x.swf"></object>`,
		"embed":            `<embed src="x.swf">`,
		"form":             `<form action="https://example.com/"><input></form>`,
		"meta refresh":     `<meta http-equiv="refresh" content="0;url=https://example.com/">`,
	}
	for name, frag := range unsafe {
		if d := htmlDangers(frag); len(d) == 0 {
			t.Errorf("%s: %q not flagged", name, frag)
		}
	}
	safe := []string{
		`<p>a <a href="https://example.com/">b</a> <em>c</em> <strong>d</strong></p>`,
		`<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">`,
		`<table><tr><td>1</td></tr></table><figure><img src="/a.jpg"><figcaption>c</figcaption></figure>`,
		`<p>on the table: onion</p>`,
	}
	for _, frag := range safe {
		if d := htmlDangers(frag); len(d) > 0 {
			t.Errorf("%q flagged: %q", frag, d)
		}
	}
	for s, bad := range map[string]bool{"Tom & Jerry": false, "a <3 b": false, "<b>x</b>": true, "AT&amp;T": true, "x &#39; y": true} {
		if got := len(plainDangers(s)) > 0; got != bad {
			t.Errorf("plainDangers(%q) flagged = %v, want %v", s, got, bad)
		}
	}
}
