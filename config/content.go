package config

import (
	"reflect"
	"regexp"
	"strings"

	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"
)

// This file holds the keys that say how a source's articles and pages are
// read: full_text for summary-only feeds, and type: html sources that turn
// a listing page into items.

// Full-text modes (Source.FullText).
const (
	FullTextOff     = ""        // the feed's body only
	FullTextMatch   = "match"   // rules see the article page's text; feeds publish the feed's body
	FullTextPublish = "publish" // the article page's text is also published
)

// Source types (Source.Type).
const (
	TypeFeed = ""     // RSS, Atom or JSON Feed (an HTML page advertising one is followed)
	TypeHTML = "html" // a listing page read with items: selectors
)

// SourceContent is the part of a Source that says how its articles and
// pages are read (with Settings.FullText). It is embedded in Source.
type SourceContent struct {
	// Type is TypeFeed or TypeHTML.
	Type string `yaml:"type"`
	// ContentSelector picks the article's main content on its page; empty:
	// readability finds it.
	ContentSelector Selector `yaml:"content_selector"`
	// ExcludeSelector removes parts of the content (share bars, related news).
	ExcludeSelector Selector `yaml:"exclude_selector"`
	// Items reads the items of a TypeHTML listing page.
	Items *ItemSelectors `yaml:"items"`
	// Follow fetches each item's page of a TypeHTML source for its content,
	// and its date, author and categories when the listing lacks them.
	Follow bool `yaml:"follow"`
	// Article reads the fields of an article page (Follow); an empty
	// Content falls back to ContentSelector, then readability.
	Article *ArticleSelectors `yaml:"article"`
}

// WantsArticle reports whether each item's page is fetched.
func (s *Source) WantsArticle() bool {
	return s.FullText != FullTextOff || s.Type == TypeHTML && s.Follow
}

// PublishesArticle reports whether the article's text replaces the
// item's published content.
func (s *Source) PublishesArticle() bool {
	return s.FullText == FullTextPublish || s.Type == TypeHTML && s.Follow
}

// ArticleContent returns the selector of the article's main content
// (article.content, else content_selector; zero: readability).
func (s *SourceContent) ArticleContent() Selector {
	if s.Article != nil && !s.Article.Content.IsZero() {
		return s.Article.Content
	}
	return s.ContentSelector
}

// Selector is a CSS selector, optionally followed by " @attr": the
// attribute's value is taken instead of the element's text. A selector
// that is only "@attr" takes the attribute of the element itself (the
// item element, for items: fields).
type Selector struct {
	CSS  string // "" with Attr set: the element itself
	Attr string // "" for the text
	// Raw is the selector as written.
	Raw string
	Pos Pos
}

// IsZero reports whether no selector was given.
func (s Selector) IsZero() bool { return s.Raw == "" }

// String returns the selector as written.
func (s Selector) String() string { return s.Raw }

// ItemSelectors are the items: selectors of a TypeHTML source; every one
// but Each is relative to the item element.
type ItemSelectors struct {
	Each     Selector `yaml:"each"`
	Title    Selector `yaml:"title"`
	Link     Selector `yaml:"link"`
	Date     Selector `yaml:"date"`
	Summary  Selector `yaml:"summary"`
	Image    Selector `yaml:"image"`
	Author   Selector `yaml:"author"`
	Category Selector `yaml:"category"`
}

// ArticleSelectors are the article: selectors, relative to the page.
type ArticleSelectors struct {
	Content  Selector `yaml:"content"`
	Title    Selector `yaml:"title"`
	Date     Selector `yaml:"date"`
	Author   Selector `yaml:"author"`
	Category Selector `yaml:"category"`
	Image    Selector `yaml:"image"`
}

// Content keys misplaced in a source.
func init() {
	misplacedHints["in source"]["each"] = "it belongs under items:"
	misplacedHints["in source"]["link"] = "it belongs under items:"
}

// attrSuffix splits "h3 a @href" into the selector and the attribute.
var attrSuffix = regexp.MustCompile(`^(.*?)\s*@([A-Za-z_:][-A-Za-z0-9_:.]*)$`)

// ParseSelector parses a selector as written in the config ("h3 a",
// "h3 a @href", "@href"). The CSS part is checked with the same parser
// that applies it.
func ParseSelector(raw string) (Selector, error) {
	s := Selector{Raw: strings.TrimSpace(raw)}
	s.CSS = s.Raw
	if m := attrSuffix.FindStringSubmatch(s.Raw); m != nil {
		s.CSS, s.Attr = strings.TrimSpace(m[1]), strings.ToLower(m[2])
	}
	if s.CSS == "" && s.Attr == "" {
		return s, errEmptySelector
	}
	if s.CSS != "" {
		if _, err := cascadia.ParseGroup(s.CSS); err != nil {
			return s, err
		}
	}
	return s, nil
}

type selectorError string

func (e selectorError) Error() string { return string(e) }

const errEmptySelector = selectorError("empty selector")

// selector decodes one selector value.
func (d *decoder) selector(n *yaml.Node, key string) (Selector, bool) {
	raw, ok := d.str(n, key)
	if !ok {
		return Selector{}, false
	}
	n = resolve(n)
	s, err := ParseSelector(raw)
	if err != nil {
		d.errorf(n, "%s: invalid CSS selector %q: %v", key, raw, err)
		return Selector{}, false
	}
	s.Pos = d.pos(n)
	return s, true
}

// sourceContent decodes a content key of a source (SourceContent).
func (d *decoder) sourceContent(p pair, s *Source) {
	switch p.key {
	case "type":
		if v, ok := d.str(p.v, p.key); ok {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "", "feed":
				s.Type = TypeFeed
			case "html":
				s.Type = TypeHTML
			default:
				d.errorf(resolve(p.v), "type %q: a source is a feed (the default) or html (a listing page read with items:)", v)
			}
		}
	case "content_selector":
		s.ContentSelector, _ = d.selector(p.v, p.key)
	case "exclude_selector":
		s.ExcludeSelector, _ = d.selector(p.v, p.key)
	case "follow":
		s.Follow, _ = d.boolean(p.v, p.key)
	case "items":
		s.Items = &ItemSelectors{}
		d.selectors(p.v, "items", reflect.ValueOf(s.Items).Elem(), itemKeys)
	case "article":
		s.Article = &ArticleSelectors{}
		d.selectors(p.v, "article", reflect.ValueOf(s.Article).Elem(), articleKeys)
	}
}

// selectors decodes the mapping under key (items:, article:) into the
// Selector fields of the struct v, each named by its YAML key.
func (d *decoder) selectors(n *yaml.Node, key string, v reflect.Value, keys []string) {
	for _, q := range d.mapping(n, "in "+key, keys) {
		sel, _ := d.selector(q.v, key+"."+q.key)
		fieldOf(v, q.key).Set(reflect.ValueOf(sel))
	}
}

// fullText decodes a full_text value: match, publish, or off (false).
func (d *decoder) fullText(n *yaml.Node) (string, bool) {
	v, ok := d.str(n, "full_text")
	if !ok {
		return "", false
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "match":
		return FullTextMatch, true
	case "publish":
		return FullTextPublish, true
	case "off", "false", "no", "":
		return FullTextOff, true
	}
	d.errorf(resolve(n), "full_text %q: give match (rules see the article's text), publish (it is also published) or off", v)
	return "", false
}

// finishContent checks that a source's content keys fit together.
func (d *decoder) finishContent(s *Source) {
	name := quoteOr(s.ID, "without id")
	if s.Type != TypeHTML {
		if s.Items != nil {
			d.errorAt(s.Pos, "source %s: items: is only for type: html sources (add type: html)", name)
		}
		if s.Follow {
			d.errorAt(s.Pos, "source %s: follow: is only for type: html sources; a feed's articles are fetched with full_text: match or publish", name)
		}
		if s.Article != nil {
			d.errorAt(s.Pos, "source %s: article: is only for type: html sources; a feed's articles take content_selector:", name)
		}
		return
	}
	if s.Items == nil || s.Items.Each.IsZero() {
		d.errorAt(s.Pos, "source %s: a type: html source needs items: with each: (the CSS selector of one item on the listing page)", name)
		return
	}
	s.Items.FillDefaults()
}

// FillDefaults gives a link and a title selector to items: that lack
// them: the item's identity is its link, by default its first link, and
// its title the text of the link's element.
func (it *ItemSelectors) FillDefaults() {
	if it.Link.IsZero() {
		it.Link = Selector{CSS: "a[href]", Attr: "href", Raw: "a[href] @href"}
	}
	if it.Title.IsZero() && it.Link.CSS != "" {
		it.Title = Selector{CSS: it.Link.CSS, Raw: it.Link.CSS}
	}
}
