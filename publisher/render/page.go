package render

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"bantin/config"
	"bantin/db"
)

// HTML pages for readers: a topic's or tag's published entries as a page
// (/topics/{slug}, /tags/{slug}), paged like the feeds. They share one
// layout (templates/layout.html) with the search and desk pages of package
// web, which build theirs with PageTemplate. Every upstream string goes
// through html/template's contextual escaping; summaries are shown as
// plain text.

// Labels are the words of the pages' chrome, in the page's language.
type Labels struct {
	Topics, Tags, Subscribe, NoItems, Skip, Search, SearchPlaceholder string
	Older, Newest, Pages, Pinned, AlsoReported, Updated, Footer       string
}

// PageLabels are the Labels by language; Vietnamese first.
var PageLabels = map[string]Labels{
	"vi": {Topics: "Chủ đề", Tags: "Thẻ", Subscribe: "Đăng ký theo dõi", NoItems: "Chưa có bài.",
		Skip: "Chuyển đến nội dung", Search: "Tìm kiếm", SearchPlaceholder: "Tìm bài viết",
		Older: "Bài cũ hơn →", Newest: "← Mới nhất", Pages: "Phân trang", Pinned: "Ghim",
		AlsoReported: "Cũng đưa tin", Updated: "Cập nhật", Footer: "Bản tin tổng hợp bằng bantin."},
	"en": {Topics: "Topics", Tags: "Tags", Subscribe: "Subscribe", NoItems: "No items yet.",
		Skip: "Skip to content", Search: "Search", SearchPlaceholder: "Search articles",
		Older: "Older →", Newest: "← Newest", Pages: "Pages", Pinned: "Pinned",
		AlsoReported: "Also reported by", Updated: "Updated", Footer: "Aggregated by bantin."},
}

// LabelsFor returns the labels for a page in lang (a BCP 47 tag):
// English for English pages, Vietnamese otherwise.
func LabelsFor(lang string) Labels {
	if l, ok := PageLabels[strings.ToLower(strings.SplitN(lang, "-", 2)[0])]; ok {
		return l
	}
	return PageLabels["vi"]
}

// FeedLink is a link to a feed in one format.
type FeedLink struct {
	Label, Title, URL string
	// TypeAttr is ` type="..."` written literally (see indexLink).
	TypeAttr template.HTMLAttr
}

// FeedLinks returns the links to the three formats of the feed at base
// URL u (without extension), titled title.
func FeedLinks(u, title string) []FeedLink {
	var out []FeedLink
	for _, f := range Formats {
		out = append(out, FeedLink{Label: FormatLabels[f], Title: title + " (" + FormatLabels[f] + ")",
			URL: u + "." + f, TypeAttr: template.HTMLAttr(`type="` + MimeType(f) + `"`)})
	}
	return out
}

// PageData is what the layout shows around a page's content.
type PageData struct {
	Lang        string
	Title       string // the page's heading ("" on the index)
	SiteTitle   string
	Description string
	Home        string // base_url + "/"
	SearchURL   string
	Query       string // shown in the search box
	L           Labels
	Alternates  []FeedLink
	Body        any // the page's own data
}

// NewPageData fills the layout's fields from cfg for a page in lang.
func NewPageData(cfg *config.Config, lang, title string) PageData {
	base := BaseURL(cfg)
	if lang == "" {
		lang = "vi"
	}
	return PageData{Lang: lang, Title: title, SiteTitle: SiteTitle(cfg), Description: cfg.Site.Description,
		Home: base + "/", SearchURL: base + "/search", L: LabelsFor(lang)}
}

// SiteTitle is the desk's name: site.title, else "bantin".
func SiteTitle(cfg *config.Config) string {
	if t := strings.TrimSpace(cfg.Site.Title); t != "" {
		return t
	}
	return "bantin"
}

var layoutTmpl = template.Must(template.ParseFS(templateFS, "templates/layout.html"))

// PageTemplate returns the layout with content (templates defining
// "content" and optionally "actions", shown under each entry) added. It
// panics on a template error: call it at init.
func PageTemplate(content string) *template.Template {
	return template.Must(template.Must(layoutTmpl.Clone()).Parse(content))
}

// RenderPage writes page d with t (from PageTemplate).
func RenderPage(w io.Writer, t *template.Template, d PageData) error {
	if err := t.ExecuteTemplate(w, "layout", d); err != nil {
		return fmt.Errorf("publisher: render page: %w", err)
	}
	return nil
}

var feedPageTmpl = func() *template.Template {
	b, err := templateFS.ReadFile("templates/feedpage.html")
	if err != nil {
		panic(err)
	}
	return PageTemplate(string(b))
}()

// EntryView is one entry as the HTML pages show it.
type EntryView struct {
	ID                int64
	Title, Link       string
	Source            string
	SourceLink        string
	Date, DateISO     string // Date in the desk's time zone, with its offset
	Summary           string // plain text, at most SummaryRunes
	Image             string
	Lang              string // the entry's language when it differs from the page's
	Pinned            bool
	Also              []AlsoView
	L                 Labels
	Actions           any // for the "actions" template (the desk's buttons)
	Item              db.Item
	Related           []db.Item
	PublishedAt       time.Time
	SourceID, EntryID string
}

// AlsoView is another report of an entry's story.
type AlsoView struct{ Source, Link, Title string }

// SummaryRunes bounds the summary text shown per entry.
const SummaryRunes = 320

// EntryViews prepares entries for a page in lang.
func EntryViews(cfg *config.Config, entries []Entry, lang string) []EntryView {
	zone := Zone(cfg)
	l := LabelsFor(lang)
	base := BaseURL(cfg)
	out := make([]EntryView, 0, len(entries))
	for _, e := range entries {
		it := e.Item
		pub := Published(it)
		v := EntryView{ID: it.ID, Title: EntryTitle(it), Link: WebURL(it.Link), Source: SourceName(it),
			SourceLink: WebURL(it.SourceSite), Date: ShowTime(pub, zone), DateISO: pub.Format(time.RFC3339),
			Summary: clip(HTMLText(it.Summary), SummaryRunes), Image: WebURL(it.ImageURL), Pinned: e.Pinned, L: l,
			Item: it, Related: e.Related, PublishedAt: pub, SourceID: it.SourceID, EntryID: EntryID(base, it.SourceID, it.GUID)}
		if v.Summary == "" {
			v.Summary = clip(HTMLText(it.Content), SummaryRunes)
		}
		if v.Summary == v.Title {
			v.Summary = ""
		}
		if el := CleanLang(it.Language); el != "" && !strings.EqualFold(strings.SplitN(el, "-", 2)[0], strings.SplitN(lang, "-", 2)[0]) {
			v.Lang = el
		}
		seen := map[string]bool{v.Source: true}
		for _, r := range e.Related {
			n := SourceName(r)
			if seen[n] {
				continue
			}
			seen[n] = true
			v.Also = append(v.Also, AlsoView{Source: n, Link: WebURL(r.Link), Title: EntryTitle(r)})
		}
		out = append(out, v)
	}
	return out
}

// clip shortens s to at most n runes, at a word boundary, with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}

// PageLang is the language of the pages' chrome: Vietnamese. Entries in
// another language carry their own lang attribute (EntryView.Lang).
func PageLang(entries []Entry) string { return "vi" }

type feedPageBody struct {
	Description string
	Links       []FeedLink
	Entries     []EntryView
	Next, First string
}

// PagePath is the path of a topic's or tag's HTML page.
func PagePath(kind, slug string) string {
	return Dir(kind) + url.PathEscape(slug)
}

// RenderFeedPage renders page f of a topic or tag as HTML.
func RenderFeedPage(cfg *config.Config, kind, slug string, f *Feed) ([]byte, error) {
	base := BaseURL(cfg)
	lang := PageLang(f.Entries)
	d := NewPageData(cfg, lang, f.Title)
	d.Alternates = FeedLinks(base+PagePath(kind, slug), f.Title)
	body := feedPageBody{Links: d.Alternates, Entries: EntryViews(cfg, f.Entries, lang)}
	if f.Description != f.Title {
		body.Description = f.Description
	}
	page := base + PagePath(kind, slug)
	if f.Next != "" {
		body.Next = pageURL(page, f.Next)
	}
	if f.Cursor != "" {
		body.First = page
	}
	d.Body = body
	var buf bytes.Buffer
	if err := RenderPage(&buf, feedPageTmpl, d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
