package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gorilla/feeds"
)

// The JSON Feed output starts from gorilla/feeds' JSONFeed and wraps it:
// feed_url, language, next_url, hubs and the 1.1 authors are set on
// gorilla's struct; items are wrapped to add the _bantin extension, every
// enclosure as an attachment, and to always publish "items" (gorilla omits
// an empty list, which the 1.1 schema rejects).

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

type jsonFeed struct {
	*feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

type jsonItem struct {
	*feeds.JSONItem
	// ContentHTML and ContentText shadow gorilla's. JSON Feed 1.1
	// requires content_html or content_text on every item: an item that
	// has no body upstream (no content, no summary) publishes a link to
	// the story (linkLine), or without a link an empty content_text,
	// which says there is no text. (Repeating the title there made
	// readers show it twice.)
	ContentHTML string  `json:"content_html,omitempty"`
	ContentText *string `json:"content_text,omitempty"`
	// Language is the item's language (JSON Feed 1.1), when known.
	Language string `json:"language,omitempty"`
	// Attachments shadows gorilla's, which names the size "size" instead
	// of the spec's "size_in_bytes".
	Attachments []jsonAttachment `json:"attachments,omitempty"`
	Bantin      *jsonBantin      `json:"_bantin,omitempty"`
}

type jsonAttachment struct {
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	Title    string `json:"title,omitempty"`
	Size     int64  `json:"size_in_bytes,omitempty"`
}

// jsonBantin is the _bantin item extension: where the item came from and,
// for a story reported by several sources, the others.
type jsonBantin struct {
	SourceID       string        `json:"source_id"`
	SourceTitle    string        `json:"source_title,omitempty"`
	SourceURL      string        `json:"source_url,omitempty"`
	Pinned         bool          `json:"pinned,omitempty"`
	AlsoReportedBy []jsonRelated `json:"also_reported_by,omitempty"`
}

type jsonRelated struct {
	Source string `json:"source"`
	Title  string `json:"title,omitempty"`
	URL    string `json:"url,omitempty"`
}

func renderJSON(f *Feed) ([]byte, error) {
	base := gorillaFeed(f)
	g := (&feeds.JSON{Feed: base}).JSONFeed()
	g.Version = jsonFeedVersion
	// feed_url identifies the feed (JSON Feed 1.1): the first page's URL
	// on every page; next_url does the paging.
	g.FeedUrl = f.Self[FormatJSON]
	g.NextUrl = f.nextURL(FormatJSON)
	g.Language = f.language()
	for _, h := range f.Hubs {
		g.Hubs = append(g.Hubs, &feeds.JSONHub{Type: "WebSub", Url: h})
	}
	gItems := g.Items
	g.Items = nil

	out := &jsonFeed{JSONFeed: g, Items: []*jsonItem{}}
	for i, gi := range gItems {
		out.Items = append(out.Items, jsonItemFrom(f.Entries[i], gi))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("publisher: render json: %w", err)
	}
	// Indented as enc.SetIndent("", "  ") would, faster (indentJSON).
	return indentJSON(make([]byte, 0, buf.Len()+buf.Len()/4), buf.Bytes(), "  "), nil
}

func jsonItemFrom(e Entry, gi *feeds.JSONItem) *jsonItem {
	it := e.Item
	// Dates as RFC 3339 in UTC to the second, like the other formats.
	pub, upd := Published(it), itemUpdated(it)
	gi.PublishedDate, gi.ModifiedDate = &pub, &upd
	gi.ExternalUrl = ""
	gi.Summary = HTMLText(it.Summary) // plain text in JSON Feed
	gi.Image = WebURL(it.ImageURL)
	var text *string
	if strings.TrimSpace(gi.ContentHTML) == "" {
		gi.ContentHTML, gi.ContentText = linkLine(it), ""
		if gi.ContentHTML == "" {
			text = new(string)
		}
	}
	gi.Author, gi.Authors = nil, nil
	for _, p := range entryAuthors(it) {
		gi.Authors = append(gi.Authors, &feeds.JSONAuthor{Name: p.Name, Url: p.URI})
	}
	if len(gi.Authors) > 0 {
		gi.Author = gi.Authors[0] // JSON Feed 1.0 readers
	}
	for _, t := range SortedTags(it) {
		gi.Tags = append(gi.Tags, t.Name)
	}
	var atts []jsonAttachment
	for _, enc := range it.Enclosures {
		u := WebURL(enc.URL)
		if u == "" {
			continue
		}
		gi.Attachments = append(gi.Attachments, feeds.JSONAttachment{Url: u, MIMEType: EnclosureType(enc)})
		atts = append(atts, jsonAttachment{URL: u, MIMEType: EnclosureType(enc), Size: max(enc.Length, 0)})
	}
	x := &jsonItem{JSONItem: gi, ContentHTML: gi.ContentHTML, ContentText: text, Language: CleanLang(it.Language), Attachments: atts, Bantin: &jsonBantin{
		SourceID:    it.SourceID,
		SourceTitle: it.SourceTitle,
		Pinned:      e.Pinned,
	}}
	x.Bantin.SourceURL = WebURL(it.SourceURL)
	for _, r := range e.Related {
		x.Bantin.AlsoReportedBy = append(x.Bantin.AlsoReportedBy, jsonRelated{Source: SourceName(r), Title: r.Title, URL: ItemLink(r.Link)})
	}
	return x
}
