package config

import (
	"slices"
	"strings"
	"testing"
)

// TestContentKeys: full_text (per source and in defaults), type: html with
// items:, follow: and article: selectors, " @attr" suffixes.
func TestContentKeys(t *testing.T) {
	c := mustParse(t, `defaults:
  full_text: match
sources:
  - {id: a, url: "https://a.example/rss"}
  - {id: b, url: "https://b.example/rss", full_text: publish, content_selector: ".detail-content", exclude_selector: ".share, .related"}
  - {id: c, url: "https://c.example/rss", full_text: off}
  - id: kdt-thoi-su-page
    type: html
    url: https://kinhtedothi.vn/thoi-su
    items: {each: "ul.list-news > li", title: "h3 a", link: "h3 a @href", date: ".time",
            summary: ".sapo", image: "img @src"}
    follow: true
    article: {content: ".detail-content", date: ".date-time", author: ".author"}
`, "t.yaml")
	want := []string{FullTextMatch, FullTextPublish, FullTextOff, FullTextMatch}
	for i, s := range c.Sources {
		if s.FullText != want[i] {
			t.Errorf("source %s: full_text %q, want %q", s.ID, s.FullText, want[i])
		}
	}
	b := c.Sources[1]
	if b.ContentSelector.CSS != ".detail-content" || b.ExcludeSelector.CSS != ".share, .related" || !b.PublishesArticle() {
		t.Errorf("source b: %+v", b.SourceContent)
	}
	h := c.Sources[3]
	if h.Type != TypeHTML || !h.Follow || !h.WantsArticle() || !h.PublishesArticle() {
		t.Errorf("html source: %+v", h.SourceContent)
	}
	it := h.Items
	if it.Each.CSS != "ul.list-news > li" || it.Link.CSS != "h3 a" || it.Link.Attr != "href" ||
		it.Image.CSS != "img" || it.Image.Attr != "src" || it.Title.Attr != "" || it.Date.Raw != ".time" {
		t.Errorf("items: %+v", it)
	}
	if it.Link.Pos.Line != 10 {
		t.Errorf("items.link at %v, want line 10", it.Link.Pos)
	}
	if h.ArticleContent().CSS != ".detail-content" || h.Article.Author.CSS != ".author" {
		t.Errorf("article: %+v", h.Article)
	}
	// A missing link selector takes the item's first link.
	c = mustParse(t, `sources: [{id: p, type: html, url: "https://p.example/", items: {each: "li"}}]`, "t.yaml")
	if l := c.Sources[0].Items.Link; l.CSS != "a[href]" || l.Attr != "href" {
		t.Errorf("default link selector %+v", l)
	}
	// ... and the title the text of the link's element.
	c = mustParse(t, `sources: [{id: p, type: html, url: "https://p.example/", items: {each: "li", link: "h3 a @href"}}]`, "t.yaml")
	if l := c.Sources[0].Items.Title; l.CSS != "h3 a" || l.Attr != "" {
		t.Errorf("default title selector %+v", l)
	}
}

// TestContentKeyErrors: a selector that does not parse, and keys that do
// not fit the source's type, are errors at FILE:LINE:COL.
func TestContentKeyErrors(t *testing.T) {
	errs := parseErrors(t, `sources:
  - id: a
    type: html
    url: https://a.example/
    items: {each: "ul.list-news > li", title: "h3 a[", link: "a @href"}
  - {id: b, url: "https://b.example/rss", content_selector: "div >> p"}
  - {id: c, url: "https://c.example/rss", items: {each: li}, follow: true}
  - {id: d, type: html, url: "https://d.example/"}
  - {id: e, url: "https://e.example/rss", full_text: always, type: xml}
`)
	for _, want := range []string{
		`t.yaml:5:47: items.title: invalid CSS selector "h3 a["`,
		`t.yaml:6:61: content_selector: invalid CSS selector "div >> p"`,
		`t.yaml:7:5: source "c": items: is only for type: html sources`,
		`t.yaml:7:5: source "c": follow: is only for type: html sources`,
		`t.yaml:8:5: source "d": a type: html source needs items: with each:`,
		`t.yaml:9:54: full_text "always": give match`,
		`t.yaml:9:68: type "xml": a source is a feed`,
	} {
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, want) }) {
			t.Errorf("missing error %q in:\n%s", want, strings.Join(errs, "\n"))
		}
	}
}
