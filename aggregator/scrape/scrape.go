// Package scrape reads web pages with CSS selectors: the items of a
// listing page (type: html sources) and the main content and byline of an
// article page (full_text, follow). It is pure: pages come in as UTF-8
// text, values go out raw (HTML fragments and text as found, links made
// absolute); the normaliser sanitises them as it does feed content.
package scrape

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"bantin/config"
	"bantin/htmltext"
)

// ErrNoItems: the items.each selector matched nothing on the page.
var ErrNoItems = errors.New("scrape: no items")

// ErrNoContent: no main content was found on an article page.
var ErrNoContent = errors.New("scrape: no content")

// Field is a value read from a page and what produced it: the selector as
// configured, or "readability".
type Field struct {
	Value string
	From  string
}

// Entry is one item of a listing page. Summary is an HTML fragment, the
// other fields text; Link and Image are absolute.
type Entry struct {
	Title, Link, Date, Summary, Image, Author Field
	Categories                                []string
	CategoriesFrom                            string
}

// Page is a parsed HTML document and the URL it came from.
type Page struct {
	doc  *goquery.Document
	base *url.URL // for relative links: the page URL, or its <base href>
	URL  string
}

// maxDepth is the deepest nesting of elements Parse reads (see
// htmltext.DeeperThan): real pages nest a few dozen deep; the HTML
// parser's time grows with the square of the depth (100,000 nested <div>s:
// 3 s; a 10 MB page of them: hours).
const maxDepth = 512

// Parse parses an HTML page (UTF-8) fetched from pageURL.
func Parse(text, pageURL string) (*Page, error) {
	if htmltext.DeeperThan(text, maxDepth) {
		return nil, fmt.Errorf("scrape: %s nests elements more than %d deep (a broken or hostile page): not parsed", pageURL, maxDepth)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("scrape: parse %s: %w", pageURL, err)
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("scrape: page URL %q: %w", pageURL, err)
	}
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := base.Parse(strings.TrimSpace(href)); err == nil && (b.Scheme == "http" || b.Scheme == "https") {
			base = b
		}
	}
	return &Page{doc: doc, base: base, URL: pageURL}, nil
}

// Items reads the items of a listing page. An each selector that matches
// nothing is ErrNoItems, naming the selector; items without a link (their
// identity) are left out, and a page where none has one is an error too.
func (p *Page) Items(sel *config.ItemSelectors) ([]Entry, error) {
	out, _, err := p.ItemsCounting(sel)
	return out, err
}

// ItemsCounting is Items, and also reports how many of the elements the
// each selector matches were left out for having no link, so that the
// poller can say so.
func (p *Page) ItemsCounting(sel *config.ItemSelectors) (out []Entry, linkless int, err error) {
	nodes := p.doc.Find(sel.Each.CSS)
	if nodes.Length() == 0 {
		return nil, 0, fmt.Errorf("%w: items.each %q matches nothing on %s", ErrNoItems, sel.Each.Raw, p.URL)
	}
	seen := map[string]bool{}
	nodes.Each(func(_ int, s *goquery.Selection) {
		e := Entry{
			Title:   p.text(s, sel.Title),
			Link:    p.link(s, sel.Link),
			Date:    p.text(s, sel.Date),
			Summary: p.html(s, sel.Summary),
			Image:   p.link(s, sel.Image),
			Author:  p.text(s, sel.Author),
		}
		e.Categories, e.CategoriesFrom = p.texts(s, sel.Category)
		if e.Link.Value == "" {
			linkless++
			return
		}
		if seen[e.Link.Value] {
			return // the same item listed twice
		}
		seen[e.Link.Value] = true
		out = append(out, e)
	})
	if len(out) == 0 {
		return nil, 0, fmt.Errorf("%w: items.link %q finds no link in any of the %d elements items.each %q matches on %s",
			ErrNoItems, sel.Link.Raw, nodes.Length(), sel.Each.Raw, p.URL)
	}
	return out, linkless, nil
}

// Article is what an article page holds. Content is the main content as
// an HTML fragment (not yet sanitised); the other fields are text, Image
// absolute.
type Article struct {
	Content, Title, Date, Author, Image Field
	Categories                          []string
	CategoriesFrom                      string
}

// Article reads an article page: exclude removes parts first (share bars,
// related news); the content is what the content selector matches, or
// what readability finds when it is zero. The other fields come from a's
// selectors (a may be nil), else from readability's reading of the page's
// metadata.
func (p *Page) Article(content, exclude config.Selector, a *config.ArticleSelectors) (Article, error) {
	if exclude.CSS != "" {
		p.doc.Find(exclude.CSS).Remove()
	}
	if a == nil {
		a = &config.ArticleSelectors{}
	}
	root := p.doc.Selection
	out := Article{
		Title:  p.text(root, a.Title),
		Date:   p.text(root, a.Date),
		Author: p.text(root, a.Author),
		Image:  p.link(root, a.Image),
	}
	out.Categories, out.CategoriesFrom = p.texts(root, a.Category)
	if !content.IsZero() {
		var b strings.Builder
		p.doc.Find(content.CSS).Each(func(_ int, s *goquery.Selection) {
			if h, err := s.Html(); err == nil {
				b.WriteString(h)
			}
		})
		if strings.TrimSpace(b.String()) == "" {
			return out, fmt.Errorf("%w: content selector %q matches nothing on %s", ErrNoContent, content.Raw, p.URL)
		}
		out.Content = Field{Value: b.String(), From: content.Raw}
		return out, nil
	}
	// readability works on a copy of the document (FromDocument clones
	// it): the page stays as the selectors read it.
	art, err := readability.FromDocument(p.doc.Nodes[0], p.base)
	if err != nil || art.Node == nil {
		if err == nil {
			err = errors.New("nothing readable")
		}
		return out, fmt.Errorf("%w: readability on %s: %v", ErrNoContent, p.URL, err)
	}
	var b strings.Builder
	if err := html.Render(&b, art.Node); err != nil {
		return out, fmt.Errorf("scrape: render %s: %w", p.URL, err)
	}
	out.Content = Field{Value: b.String(), From: "readability"}
	fill := func(f *Field, v string) {
		if f.Value == "" && strings.TrimSpace(v) != "" {
			*f = Field{Value: strings.TrimSpace(v), From: "readability"}
		}
	}
	fill(&out.Title, art.Title())
	fill(&out.Author, art.Byline())
	if out.Date.Value == "" {
		if t, err := art.PublishedTime(); err == nil {
			out.Date = Field{Value: t.Format("2006-01-02T15:04:05Z07:00"), From: "readability"}
		}
	}
	if out.Image.Value == "" {
		if u := p.abs(art.ImageURL()); u != "" {
			out.Image = Field{Value: u, From: "readability"}
		}
	}
	return out, nil
}

// find returns what sel picks within s: the elements its CSS matches, or
// s itself when the selector is only "@attr".
func find(s *goquery.Selection, sel config.Selector) *goquery.Selection {
	if sel.CSS == "" {
		return s
	}
	return s.Find(sel.CSS)
}

// text reads the first match of sel: its attribute, else its text with
// white space collapsed.
func (p *Page) text(s *goquery.Selection, sel config.Selector) Field {
	if sel.IsZero() {
		return Field{}
	}
	for _, n := range find(s, sel).EachIter() {
		if v := value(n, sel); v != "" {
			return Field{Value: v, From: sel.Raw}
		}
	}
	return Field{}
}

// texts reads every match of sel (categories).
func (p *Page) texts(s *goquery.Selection, sel config.Selector) ([]string, string) {
	if sel.IsZero() {
		return nil, ""
	}
	var out []string
	for _, n := range find(s, sel).EachIter() {
		if v := value(n, sel); v != "" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, ""
	}
	return out, sel.Raw
}

// html reads the inner HTML of the first match of sel (its attribute when
// the selector names one).
func (p *Page) html(s *goquery.Selection, sel config.Selector) Field {
	if sel.IsZero() {
		return Field{}
	}
	if sel.Attr != "" {
		return p.text(s, sel)
	}
	for _, n := range find(s, sel).EachIter() {
		if h, err := n.Html(); err == nil && strings.TrimSpace(h) != "" {
			return Field{Value: strings.TrimSpace(h), From: sel.Raw}
		}
	}
	return Field{}
}

// link reads a URL: the selector's attribute, else href (a), src (img) or
// the first of data-src/srcset, else the text; made absolute. "@src" of a
// lazy-loaded image whose src is a data: placeholder (or missing) reads
// its data-src, data-original, data-lazy-src or data-srcset.
func (p *Page) link(s *goquery.Selection, sel config.Selector) Field {
	if sel.IsZero() {
		return Field{}
	}
	for _, n := range find(s, sel).EachIter() {
		v := ""
		if sel.Attr != "" {
			v = strings.TrimSpace(n.AttrOr(sel.Attr, ""))
			if sel.Attr == "srcset" {
				v = htmltext.FirstSrcset(v)
			}
		} else {
			for _, a := range []string{"href", "src", "data-src", "data-original"} {
				if v = strings.TrimSpace(n.AttrOr(a, "")); v != "" {
					break
				}
			}
			if v == "" {
				v = collapse(n.Text())
			}
		}
		if u := p.abs(v); u != "" {
			return Field{Value: u, From: sel.Raw}
		}
		if sel.Attr == "src" {
			// A lazy-loaded image: src is a data: placeholder (or
			// missing) until a script copies the address in.
			if u := p.abs(htmltext.LazyImageURL(n.Attr)); u != "" {
				return Field{Value: u, From: sel.Raw}
			}
		}
	}
	return Field{}
}

// abs resolves ref against the page; "" unless the result is http(s).
func (p *Page) abs(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ""
	}
	u, err := p.base.Parse(ref)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

func value(n *goquery.Selection, sel config.Selector) string {
	if sel.Attr != "" {
		return collapse(n.AttrOr(sel.Attr, ""))
	}
	return collapse(n.Text())
}

// collapse trims s and turns runs of white space into one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Title returns the text of the page's <title>.
func (p *Page) Title() string { return collapse(p.doc.Find("title").First().Text()) }

// Lang returns the language the page declares (<html lang>), lower case.
func (p *Page) Lang() string {
	return strings.ToLower(strings.TrimSpace(p.doc.Find("html").First().AttrOr("lang", "")))
}
