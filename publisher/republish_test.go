package publisher

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"bantin/aggregator/normaliser"
	"bantin/db"
	"bantin/internal/testenv"
	"bantin/iri"
	"bantin/publisher/render"
)

// The tests in this file follow upstream items through the normaliser and
// Render and read the result back with a real feed parser: what a reader
// of bantin's feeds sees.

var republishNow = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// normalised parses testdata/normaliser/name as the poller does.
func normalised(t *testing.T, name, contentType, feedURL string) []db.Item {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "testdata", "normaliser", name))
	if err != nil {
		t.Fatal(err)
	}
	return normalisedBody(t, body, contentType, feedURL)
}

// normalisedBody parses an upstream feed body as the poller does.
func normalisedBody(t *testing.T, body []byte, contentType, feedURL string) []db.Item {
	t.Helper()
	p, err := normaliser.Parse(body, contentType, feedURL)
	if err != nil {
		t.Fatalf("Parse(%s): %v", feedURL, err)
	}
	items := normaliser.Normalise(p, normaliser.Options{SourceID: "upstream", Now: republishNow})
	for i := range items {
		items[i].SourceTitle = p.Feed.Title
		items[i].SourceURL = feedURL
		items[i].SourceSite = p.Feed.Link
	}
	return items
}

// tagFeed is a tag page holding items.
func tagFeed(items []db.Item) *render.Feed {
	f := &render.Feed{
		Title:    "Republished",
		ID:       render.FeedID(testBase, "tag", "republished"),
		BaseURL:  testBase,
		SiteLink: testBase + "/",
		Self: map[string]string{
			render.FormatRSS:  testBase + "/tags/republished.rss",
			render.FormatAtom: testBase + "/tags/republished.atom",
			render.FormatJSON: testBase + "/tags/republished.json",
		},
	}
	for _, it := range items {
		f.Entries = append(f.Entries, render.Entry{Item: it})
	}
	return f
}

// readBack parses every format of f with gofeed and returns its items by
// upstream GUID, per format.
func readBack(t *testing.T, f *render.Feed) map[string]map[string]*gofeed.Item {
	t.Helper()
	ids := map[string]string{}
	for _, e := range f.Entries {
		ids[render.EntryID(f.BaseURL, e.Item.SourceID, e.Item.GUID)] = e.Item.GUID
	}
	out := map[string]map[string]*gofeed.Item{}
	for format, b := range renderAll(t, f) {
		pf, err := gofeed.NewParser().Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: gofeed: %v\n%s", format, err, b)
		}
		out[format] = map[string]*gofeed.Item{}
		for _, it := range pf.Items {
			out[format][ids[it.GUID]] = it
		}
	}
	return out
}

// TestRepublishedPlainText: upstream bodies that are plain text by spec
// (Atom type="text", JSON Feed content_text) show readers of every output
// format exactly the upstream text: nothing that looks like a tag is
// dropped or becomes an element, and references are not decoded twice.
func TestRepublishedPlainText(t *testing.T) {
	items := normalised(t, "plaintext.atom", "", "https://text.example.org/feed")
	items = append(items, normalised(t, "plaintext.json", "application/feed+json", "https://text.example.org/feed.json")...)
	got := readBack(t, tagFeed(items))
	tests := []struct {
		name, guid, shows string
	}{
		{"atom text content", "urn:example:plaintext:1", "The <p> tag is literal."},
		{"atom default-type content", "urn:example:plaintext:2", "First line second line <br> stays text Second paragraph & more"},
		{"atom text content in CDATA", "urn:example:plaintext:3", "Use <b> for bold & <i> for italics"},
		{"atom xhtml content", "urn:example:plaintext:4", "XHTML markup"},
		{"json content_text", "j1", "In Java write List<String> names; if a < b && c > d"},
		{"json content_html wins", "j2", "HTML wins"},
	}
	for _, tc := range tests {
		for _, format := range render.Formats {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				it := got[format][tc.guid]
				if it == nil {
					t.Fatalf("no item %q", tc.guid)
				}
				body := firstNonEmptyString(it.Content, it.Description)
				if shows := render.HTMLText(body); shows != tc.shows {
					t.Errorf("body %q shows\n got %q\nwant %q", body, shows, tc.shows)
				}
			})
		}
	}
	// The Atom summary of entry 1 is text too: the RSS description and
	// the JSON summary carry it.
	const summary = "a < b and vector<int> v; &copy;"
	if d := got[render.FormatRSS]["urn:example:plaintext:1"].Description; render.HTMLText(d) != summary {
		t.Errorf("rss description %q shows %q, want %q", d, render.HTMLText(d), summary)
	}
	if d := got[render.FormatJSON]["urn:example:plaintext:1"].Description; d != summary {
		t.Errorf("json summary = %q, want %q", d, summary)
	}
}

func firstNonEmptyString(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// TestRepublishedCategories: RSS categories holding escaped references or
// markup are published as the text they stand for, in every format.
func TestRepublishedCategories(t *testing.T) {
	got := readBack(t, tagFeed(normalised(t, "metadata.rss", "", "https://meta.example.org/rss")))
	want := []string{"AT&T", "Hà Nội", "HtmlCat", "Loïc Le Meur"} // ordered by slug
	for _, format := range render.Formats {
		t.Run(format, func(t *testing.T) {
			it := got[format]["m1"]
			if it == nil {
				t.Fatal("no item m1")
			}
			if !slices.Equal(it.Categories, want) {
				t.Errorf("categories = %q, want %q", it.Categories, want)
			}
		})
	}
}

// legacyItem is a row stored before the normaliser checked what it
// copies: an invalid enclosure type and e-mail, IRI links, no title, no
// text and no link.
func legacyItems() []db.Item {
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	return []db.Item{
		{
			SourceID: "old", GUID: "iri", Title: "IRIs and bad metadata",
			Link:       "http://edge.example.org/tin/hà-nội mới?q=đường phố&x=1#frag",
			Summary:    "<p>Old row</p>",
			Authors:    []db.Person{{Name: "", Email: "not-an-email"}, {Name: "Named", Email: "also not"}},
			Enclosures: []db.Enclosure{{URL: "http://edge.example.org/media/bài hát.mp3", Type: "mp3", Length: 10}},
			ImageURL:   "https://ví-dụ.example/ảnh.jpg",
			Published:  t0, Updated: t0,
			SourceTitle: "Old source", SourceURL: "https://ví-dụ.example/rss feed.xml", SourceSite: "https://ví-dụ.example/trang chủ",
		},
		{
			SourceID: "old", GUID: "empty", Published: t0, Updated: t0,
			SourceTitle: "Old source", SourceURL: "https://old.example/rss",
		},
	}
}

// TestRenderRepairsStoredData: rows stored with invalid metadata are
// published valid: enclosure types type/subtype, no invalid e-mail, URIs
// for every URL, a title and no empty body.
func TestRenderRepairsStoredData(t *testing.T) {
	f := tagFeed(legacyItems())
	got := readBack(t, f)
	const (
		link      = "http://edge.example.org/tin/h%C3%A0-n%E1%BB%99i%20m%E1%BB%9Bi?q=%C4%91%C6%B0%E1%BB%9Dng%20ph%E1%BB%91&x=1#frag"
		enclosure = "http://edge.example.org/media/b%C3%A0i%20h%C3%A1t.mp3"
	)
	for _, format := range render.Formats {
		t.Run(format, func(t *testing.T) {
			it := got[format]["iri"]
			if it == nil {
				t.Fatal("no item iri")
			}
			if it.Link != link {
				t.Errorf("link = %q, want %q", it.Link, link)
			}
			if len(it.Enclosures) != 1 || it.Enclosures[0].URL != enclosure || it.Enclosures[0].Type != "application/octet-stream" {
				t.Errorf("enclosures = %+v, want %s application/octet-stream", it.Enclosures, enclosure)
			}
			for _, a := range it.Authors {
				if a.Email != "" || a.Name == "not-an-email" || a.Name == "also not" {
					t.Errorf("author %+v: invalid e-mail published", a)
				}
			}
			empty := got[format]["empty"]
			if empty == nil {
				t.Fatal("no item empty")
			}
			if want := "Old source – 2025-03-01"; empty.Title != want {
				t.Errorf("untitled item title = %q, want %q", empty.Title, want)
			}
		})
	}
	out := renderAll(t, f)
	for format, b := range out {
		for _, u := range publishedURLs(format, b) {
			if iri.ToURI(u) != u {
				t.Errorf("%s: published URL %q is not a URI", format, u)
			}
		}
	}
	if bytes.Contains(out[render.FormatAtom], []byte(`<content type="text"></content>`)) {
		t.Errorf("atom: empty content element published")
	}
	if bytes.Contains(out[render.FormatRSS], []byte("<description></description>")) {
		t.Errorf("rss: empty description published")
	}
	if bytes.Contains(out[render.FormatJSON], []byte(`"content_html": ""`)) {
		t.Errorf("json: empty content_html published")
	}
}

var (
	xmlURLRe  = regexp.MustCompile(`(?:href|url)="([^"]*)"|<link>([^<]*)</link>`)
	jsonURLRe = regexp.MustCompile(`"(?:url|image|external_url|feed_url|home_page_url|next_url|source_url)": "([^"]*)"`)
)

// publishedURLs returns the URL values of a rendered feed.
func publishedURLs(format string, b []byte) []string {
	re := xmlURLRe
	if format == render.FormatJSON {
		re = jsonURLRe
	}
	var out []string
	for _, m := range re.FindAllSubmatch(b, -1) {
		for _, g := range m[1:] {
			if len(g) > 0 {
				out = append(out, strings.ReplaceAll(string(g), "&amp;", "&"))
			}
		}
	}
	return out
}

// TestRepublishedUntitled: items without title or text get a title in
// every format (RSS items keep a title or description, Atom entries a
// non-empty title and content where content is required).
func TestRepublishedUntitled(t *testing.T) {
	f := tagFeed(normalised(t, "untitled.rss", "", "https://untitled.example.org/rss"))
	got := readBack(t, f)
	want := map[string]string{
		"only-link":      "hà-nội-mới.html",
		"only-enclosure": "tập 12.mp3",
		"img-title":      "anh",
		"root-link":      "https://untitled.example.org/",
		"bare-enclosure": "Untitled things – 2021-05-30",
		"text-only":      "Just a description & no title",
		"nothing":        "", // "": dropped by the normaliser (no title, link or enclosure)
		"unlinked-text":  "",
	}
	for guid, title := range want {
		for _, format := range render.Formats {
			t.Run(guid+"/"+format, func(t *testing.T) {
				it := got[format][guid]
				if title == "" {
					if it != nil {
						t.Errorf("placeholder %q published as %q", guid, it.Title)
					}
					return
				}
				if it == nil {
					t.Fatalf("no item %q", guid)
				}
				if it.Title != title {
					t.Errorf("title = %q, want %q", it.Title, title)
				}
			})
		}
	}
	out := renderAll(t, f)
	if bytes.Contains(out[render.FormatAtom], []byte("<title></title>")) || bytes.Contains(out[render.FormatAtom], []byte(`<content type="text"></content>`)) {
		t.Errorf("atom: empty title or content published:\n%s", out[render.FormatAtom])
	}
	if n, m := bytes.Count(out[render.FormatRSS], []byte("<item>")), bytes.Count(out[render.FormatRSS], []byte("<title>")); m != n+1 {
		t.Errorf("rss: %d items, %d item titles", n, m-1)
	}
}

// TestRepublishedPlaceholderDropped: a placeholder item (no title, link,
// guid or date, as VnExpress once served) is not published; had it been
// stored, its fetch-time date would have put it first in every feed.
func TestRepublishedPlaceholderDropped(t *testing.T) {
	const body = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tin mới nhất - VnExpress RSS</title><link>https://vnexpress.example/</link>
<item><title>Sơn Tùng M-TP khoe vé lịch lãm</title><pubDate>Tue, 14 Nov 2017 17:30:00 +0700</pubDate>
<link>https://vnexpress.example/son-tung-3670328.html</link><guid>https://vnexpress.example/son-tung-3670328.html</guid></item>
<item><title/><description><![CDATA[ No Description ]]></description></item>
<item><title>Giá vàng đi ngang</title><pubDate>Tue, 14 Nov 2017 16:00:00 +0700</pubDate>
<link>https://vnexpress.example/gia-vang-3670300.html</link></item>
</channel></rss>`
	f := tagFeed(normalisedBody(t, []byte(body), "", "https://vnexpress.example/rss/tin-moi-nhat.rss"))
	out := renderAll(t, f)
	want := []string{"Sơn Tùng M-TP khoe vé lịch lãm", "Giá vàng đi ngang"}
	for _, format := range render.Formats {
		t.Run(format, func(t *testing.T) {
			_, items := parseBack(t, out[format])
			var titles []string
			for _, it := range items {
				titles = append(titles, it.Title)
			}
			if !slices.Equal(titles, want) {
				t.Errorf("titles = %q, want %q", titles, want)
			}
		})
	}
}

// TestRepublishedAuthorsNotFromContacts: an RSS channel's managingEditor
// (sggponline@sggp.org.vn) is a contact: items without a byline never
// publish it (no dc:creator in RSS; in Atom and JSON, which name an
// author for every entry, the source's name "SGGP"), while an item's own
// byline and an RSS channel's dc:creator are published.
func TestRepublishedAuthorsNotFromContacts(t *testing.T) {
	feed := func(channel string) string {
		return `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>SGGP</title>
<link>https://www.sggp.example/</link><managingEditor>sggponline@sggp.org.vn</managingEditor>` + channel + `
<item><title>Tin không ký tên</title><link>https://www.sggp.example/1.html</link><pubDate>Sun, 26 Apr 2020 10:11:00 +0700</pubDate></item>
<item><title>Tin có ký tên</title><link>https://www.sggp.example/2.html</link><dc:creator>Minh Anh</dc:creator><pubDate>Sun, 26 Apr 2020 09:00:00 +0700</pubDate></item>
</channel></rss>`
	}
	tests := map[string]struct {
		channel string
		want    []string // authors shown, by item
	}{
		"managingEditor only":            {"", []string{"", "Minh Anh"}},
		"webMaster too":                  {"<webMaster>web@sggp.org.vn</webMaster>", []string{"", "Minh Anh"}},
		"channel dc:creator is a byline": {"<dc:creator>Ban Kinh tế</dc:creator>", []string{"Ban Kinh tế", "Minh Anh"}},
	}
	for name, tc := range tests {
		f := tagFeed(normalisedBody(t, []byte(feed(tc.channel)), "", "https://www.sggp.example/rss/kinh-te.rss"))
		out := renderAll(t, f)
		for _, format := range render.Formats {
			t.Run(name+"/"+format, func(t *testing.T) {
				_, items := parseBack(t, out[format])
				var got []string
				for _, it := range items {
					got = append(got, it.Authors)
				}
				want := slices.Clone(tc.want)
				if format != render.FormatRSS && want[0] == "" {
					want[0] = "SGGP"
				}
				if !slices.Equal(got, want) {
					t.Errorf("authors = %q, want %q", got, want)
				}
				if bytes.Contains(out[format], []byte("sggponline")) {
					t.Errorf("the managingEditor address is published:\n%s", out[format])
				}
			})
		}
	}
}
