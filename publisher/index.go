package publisher

import (
	"bytes"
	"context"
	"embed"
	"encoding/xml"
	"fmt"
	"html/template"
	"strings"
	"time"

	"bantin/config"
	"bantin/publisher/render"
)

//go:embed templates/*.html
var templateFS embed.FS

var indexTmpl = template.Must(template.ParseFS(templateFS, "templates/index.html"))

// indexItems is how many latest items the index shows per topic.
const indexItems = 5

type indexLink struct {
	Label, Type, URL string
	// TypeAttr is ` type="..."` written literally: html/template would
	// escape the "+" of the MIME type, which naive autodiscovery misreads.
	// The value is one of our constants, never upstream text.
	TypeAttr template.HTMLAttr
}

type indexItem struct {
	Title, Link, Source, Lang, Date, DateISO string
}

type indexTopic struct {
	Slug, Title, Description, Page string
	Links                          []indexLink
	Items                          []indexItem
}

type indexTag struct {
	Slug, Name, Page string
	Count            int
	Links            []indexLink
}

type indexLabels struct {
	Topics, Tags, Subscribe, NoItems, Skip string
	Search, Updated                        string
}

var labels = map[string]indexLabels{
	"en": {Topics: "Topics", Tags: "Tags", Subscribe: "Subscribe", NoItems: "No items yet.", Skip: "Skip to content", Search: "Search", Updated: "Updated"},
	"vi": {Topics: "Chủ đề", Tags: "Thẻ", Subscribe: "Đăng ký", NoItems: "Chưa có bài.", Skip: "Chuyển đến nội dung", Search: "Tìm kiếm", Updated: "Cập nhật"},
}

type indexData struct {
	Lang, Title    string
	Description    string
	Search         string // the search page
	Updated        string // when the newest entry shown was first seen
	UpdatedISO     string
	L              indexLabels
	OPML, OPMLTags string
	Topics         []indexTopic
	Tags           []indexTag
}

func feedLinks(base, kind, slug string) []indexLink {
	var out []indexLink
	for _, f := range render.Formats {
		out = append(out, indexLink{Label: render.FormatLabels[f], Type: render.MimeType(f), URL: render.FeedURL(base, kind, slug, f),
			TypeAttr: template.HTMLAttr(`type="` + render.MimeType(f) + `"`)})
	}
	return out
}

// renderIndex renders the HTML index: every topic with its description,
// latest items and subscribe links, then the tags with counts. Every
// upstream string goes through html/template's contextual escaping.
func (s *Server) renderIndex(ctx context.Context, cfg *config.Config) ([]byte, error) {
	base := render.BaseURL(cfg)
	zone := render.Zone(cfg)
	d := indexData{Title: render.SiteTitle(cfg), Description: cfg.Site.Description, Search: base + "/search",
		OPML: base + "/opml.xml", OPMLTags: base + "/opml.xml?tags=1"}
	var updated time.Time
	vi, total := 0, 0
	for _, t := range cfg.Topics {
		entries, err := s.indexEntries(ctx, cfg, t)
		if err != nil {
			return nil, err
		}
		title := t.Title
		if title == "" {
			title = t.Slug
		}
		it := indexTopic{Slug: t.Slug, Title: title, Description: t.Description, Links: feedLinks(base, kindTopic, t.Slug),
			Page: base + render.PagePath(kindTopic, t.Slug)}
		for i, e := range entries {
			if e.Item.FirstSeen.After(updated) {
				updated = e.Item.FirstSeen
			}
			if l := render.CleanLang(e.Item.Language); l != "" {
				total++
				if strings.EqualFold(strings.SplitN(l, "-", 2)[0], "vi") {
					vi++
				}
			}
			if i >= indexItems {
				continue
			}
			title := e.Item.Title
			if strings.TrimSpace(title) == "" {
				title = "(untitled)"
			}
			link := render.ItemLink(e.Item.Link) // without tracking parameters
			pub := render.Published(e.Item)
			it.Items = append(it.Items, indexItem{
				Title: title, Link: link, Source: render.SourceName(e.Item), Lang: render.CleanLang(e.Item.Language),
				Date: render.ShowTime(pub, zone), DateISO: pub.UTC().Format(time.RFC3339),
			})
		}
		d.Topics = append(d.Topics, it)
	}
	tags, err := s.tagList(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		d.Tags = append(d.Tags, indexTag{Slug: t.Slug, Name: t.Name, Count: t.Count, Links: feedLinks(base, kindTag, t.Slug),
			Page: base + render.PagePath(kindTag, t.Slug)})
	}
	if !updated.IsZero() {
		d.Updated, d.UpdatedISO = render.ShowTime(updated, zone), updated.UTC().Format(time.RFC3339)
	}
	d.Lang = "en"
	if total > 0 && vi*2 > total {
		d.Lang = "vi"
	}
	d.L = labels[d.Lang]
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("publisher: render index: %w", err)
	}
	return buf.Bytes(), nil
}

// OPML 2.0 document. The head has no <docs>, which OPML 2.0 allows but
// the W3C feed validator reports as an error.
type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Title   string      `xml:"head>title"`
	Owner   string      `xml:"head>ownerId,omitempty"`
	Body    []opmlEntry `xml:"body>outline"`
}

type opmlEntry struct {
	Type        string `xml:"type,attr"`
	Text        string `xml:"text,attr"`
	Title       string `xml:"title,attr"`
	Description string `xml:"description,attr,omitempty"`
	XMLURL      string `xml:"xmlUrl,attr"`
	HTMLURL     string `xml:"htmlUrl,attr"`
	Language    string `xml:"language,attr,omitempty"`
	Version     string `xml:"version,attr"`
}

// renderOPML lists every topic feed (RSS) or, with tags, every tag feed.
func (s *Server) renderOPML(ctx context.Context, cfg *config.Config, tags bool) ([]byte, error) {
	base := render.BaseURL(cfg)
	// Named after the desk (site: title), as its pages are: "bantin
	// topics" without one.
	doc := opmlDoc{Version: "2.0", Title: render.SiteTitle(cfg) + " topics", Owner: base + "/"}
	if tags {
		doc.Title = render.SiteTitle(cfg) + " tags"
		list, err := s.tagList(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			doc.Body = append(doc.Body, opmlEntry{Type: "rss", Text: t.Name, Title: t.Name,
				XMLURL: render.FeedURL(base, kindTag, t.Slug, render.FormatRSS), HTMLURL: base + render.PagePath(kindTag, t.Slug), Version: "RSS2"})
		}
	} else {
		for _, t := range cfg.Topics {
			title := t.Title
			if title == "" {
				title = t.Slug
			}
			doc.Body = append(doc.Body, opmlEntry{Type: "rss", Text: title, Title: title, Description: t.Description,
				XMLURL: render.FeedURL(base, kindTopic, t.Slug, render.FormatRSS), HTMLURL: base + render.PagePath(kindTopic, t.Slug), Version: "RSS2"})
		}
	}
	return render.XMLDocument(doc, "opml")
}

// indexEntries is the composition of a topic's first entries that an index
// render made, kept for the next while the topic does not change.
type indexEntries struct {
	cfg      *config.Config
	gen, ver uint64 // Server.gen and Server.inval before it was composed
	entries  []render.Entry
}

// indexEntries returns the first entries of topic t (the same as its
// feed's first entries) for the index: composed again only when the
// topic changed since the last index render composed them (the index is
// rendered again at any change of any topic, and one topic changes at a
// time). Topics with max_age, whose entries age out by themselves, are
// composed every time.
func (s *Server) indexEntries(ctx context.Context, cfg *config.Config, t config.Topic) ([]render.Entry, error) {
	s.mu.RLock()
	c, ok := s.indexTopics[t.Slug]
	if ok && c.cfg == cfg && c.gen == s.gen && s.changed[kindTopic+"/"+t.Slug] <= c.ver && t.MaxAge == 0 {
		s.mu.RUnlock()
		return c.entries, nil
	}
	gen, ver := s.gen, s.inval
	s.mu.RUnlock()
	// Only the first entries are shown: compose just those, not the
	// whole page, so the page stays quick with hundreds of topics.
	short := t
	short.Limit = indexItems
	comp, _, err := s.composeTopic(ctx, short, nil)
	if err != nil {
		return nil, err
	}
	entries := comp.Entries()
	if t.MaxAge == 0 {
		s.mu.Lock()
		if s.gen == gen {
			s.indexTopics[t.Slug] = indexEntries{cfg: cfg, gen: gen, ver: ver, entries: entries}
		}
		s.mu.Unlock()
	}
	return entries, nil
}
