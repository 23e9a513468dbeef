package publisher

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"bantin/htmltext"
	"bantin/publisher/render"
)

// Tests of what published feeds contain (issue 12, points 1-7).

type atomDoc struct {
	Authors []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Updated string `xml:"updated"`
	Entries []struct {
		Updated string `xml:"updated"`
		Authors []struct {
			Name string `xml:"name"`
			URI  string `xml:"uri"`
		} `xml:"author"`
		Summary string `xml:"summary"`
		Content string `xml:"content"`
		Source  struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
		} `xml:"source"`
	} `xml:"entry"`
}

func decodeAtom(t *testing.T, b []byte) atomDoc {
	t.Helper()
	var d atomDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("atom: %v\n%s", err, b)
	}
	return d
}

type jsonDoc struct {
	Author  any `json:"author"`
	Authors any `json:"authors"`
	Items   []struct {
		Title       string  `json:"title"`
		ContentHTML *string `json:"content_html"`
		ContentText *string `json:"content_text"`
		Authors     []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"authors"`
	} `json:"items"`
	Description string `json:"description"`
}

func decodeJSON(t *testing.T, b []byte) jsonDoc {
	t.Helper()
	var d jsonDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("json: %v\n%s", err, b)
	}
	return d
}

// TestAtomSourceHasUpdated: RFC 4287 4.2.11 asks atom:source for id,
// title and updated; the W3C validator warns on every entry without.
func TestAtomSourceHasUpdated(t *testing.T) {
	f := fixtureFeed(t)
	d := decodeAtom(t, renderAll(t, f)[render.FormatAtom])
	for i, e := range d.Entries {
		if e.Source.ID == "" || e.Source.Title == "" {
			t.Errorf("entry %d: source id %q, title %q", i, e.Source.ID, e.Source.Title)
		}
		if _, err := time.Parse(time.RFC3339, e.Source.Updated); err != nil || e.Source.Updated != e.Updated {
			t.Errorf("entry %d: source updated %q, want the entry's %q", i, e.Source.Updated, e.Updated)
		}
	}
}

// TestStoredHTMLPublishedBalanced: rows stored before the normaliser
// balanced HTML publish well-formed HTML in every format.
func TestStoredHTMLPublishedBalanced(t *testing.T) {
	f := fixtureFeed(t)
	f.Entries = f.Entries[1:2]
	f.Entries[0].Item.Summary = `<p>Tóm tắt <b>đậm</p>`
	f.Entries[0].Item.Content = `<p>Dòng một</br>Dòng hai</p></p><p>Tiếp</p>`
	const wantSummary = `<p>Tóm tắt <b>đậm</b></p>`
	const wantContent = `<p>Dòng một<br>Dòng hai</p><p></p><p>Tiếp</p>`
	out := renderAll(t, f)
	var rss struct {
		Items []struct {
			Description string `xml:"description"`
			Content     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(out[render.FormatRSS], &rss); err != nil {
		t.Fatal(err)
	}
	a := decodeAtom(t, out[render.FormatAtom])
	j := decodeJSON(t, out[render.FormatJSON])
	got := map[string]string{
		"rss description":     rss.Items[0].Description,
		"rss content:encoded": rss.Items[0].Content,
		"atom summary":        a.Entries[0].Summary,
		"atom content":        a.Entries[0].Content,
		"json content_html":   *j.Items[0].ContentHTML,
	}
	for name, html := range got {
		want := wantContent
		if strings.Contains(name, "summary") || strings.Contains(name, "description") {
			want = wantSummary
		}
		if html != want {
			t.Errorf("%s = %q, want %q", name, html, want)
		}
		if !htmltext.WellFormed(html) {
			t.Errorf("%s is not well-formed: %q", name, html)
		}
	}
}

// TestNoFeedLevelAuthor: no feed names "bantin" as its author (Atom and
// JSON Feed make a feed's author the author of every entry that names
// none); such entries name their source.
func TestNoFeedLevelAuthor(t *testing.T) {
	f := fixtureFeed(t)
	out := renderAll(t, f)
	a := decodeAtom(t, out[render.FormatAtom])
	if len(a.Authors) > 0 {
		t.Errorf("atom feed author %v", a.Authors)
	}
	j := decodeJSON(t, out[render.FormatJSON])
	if j.Author != nil || j.Authors != nil {
		t.Errorf("json feed author %v, authors %v", j.Author, j.Authors)
	}
	for i, e := range f.Entries {
		if len(e.Item.Authors) > 0 {
			continue
		}
		want := render.SourceName(e.Item)
		if got := a.Entries[i].Authors; len(got) != 1 || got[0].Name != want || got[0].URI != render.WebURL(e.Item.SourceSite) {
			t.Errorf("atom entry %d authors %+v, want its source %q", i, got, want)
		}
		if got := j.Items[i].Authors; len(got) != 1 || got[0].Name != want {
			t.Errorf("json item %d authors %+v, want its source %q", i, got, want)
		}
	}
	for _, format := range render.Formats {
		pf, err := gofeed.NewParser().Parse(bytes.NewReader(out[format]))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range pf.Items {
			for _, p := range it.Authors {
				if p.Name == "bantin" {
					t.Errorf("%s: item %q credited to bantin", format, it.Title)
				}
			}
		}
	}
}

// TestBodylessItems: an item with no content and no summary upstream
// publishes a link to the story in Atom and JSON (which look for text),
// never its title again; without a link, JSON's content_text is empty.
func TestBodylessItems(t *testing.T) {
	f := fixtureFeed(t)
	f.Entries = f.Entries[1:3]
	for i := range f.Entries {
		f.Entries[i].Item.Summary, f.Entries[i].Item.Content = "", ""
	}
	f.Entries[0].Item.Link = "https://www.tinviet.example.vn/giao-thong/cau.html?utm_source=rss"
	f.Entries[1].Item.Link = ""
	const line = `<p><a href="https://www.tinviet.example.vn/giao-thong/cau.html">tinviet.example.vn</a></p>`
	out := renderAll(t, f)
	j := decodeJSON(t, out[render.FormatJSON])
	if it := j.Items[0]; it.ContentHTML == nil || *it.ContentHTML != line || it.ContentText != nil {
		t.Errorf("json item with a link: content_html %v, content_text %v; want %q only", it.ContentHTML, it.ContentText, line)
	}
	if it := j.Items[1]; it.ContentHTML != nil || it.ContentText == nil || *it.ContentText != "" {
		t.Errorf("json item without a link: content_html %v, content_text %v; want an empty content_text", it.ContentHTML, it.ContentText)
	}
	a := decodeAtom(t, out[render.FormatAtom])
	if got := a.Entries[0].Content; got != line {
		t.Errorf("atom entry with a link: content %q, want %q", got, line)
	}
	if !bytes.Contains(out[render.FormatJSON], []byte(`"content_text": ""`)) {
		t.Errorf("json: no empty content_text:\n%s", out[render.FormatJSON])
	}
}

// TestChannelDescriptionPlainText: a topic's description is plain text
// and reads the same in all three formats: Atom subtitle and JSON
// description as text, RSS channel description as HTML, as RSS readers
// take it (and as item descriptions are), with '&' and '<' written as
// the RSS Profile asks.
func TestChannelDescriptionPlainText(t *testing.T) {
	for _, desc := range []string{
		`Tin về Hà Nội & thủ đô`,
		`Technology <Tech> & "Code" &amp; AT&T <3 </p>`,
	} {
		f := fixtureFeed(t)
		f.Description = desc
		out := renderAll(t, f)
		var rss struct {
			Description string `xml:"channel>description"`
		}
		if err := xml.Unmarshal(out[render.FormatRSS], &rss); err != nil {
			t.Fatal(err)
		}
		if got := htmltext.Text(rss.Description); got != desc {
			t.Errorf("rss description read as HTML = %q, want %q (raw %q)", got, desc, rss.Description)
		}
		if strings.Contains(desc, "&") && !bytes.Contains(out[render.FormatRSS], []byte("&#x26;")) {
			t.Errorf("rss: '&' not written as &#x26;:\n%s", out[render.FormatRSS])
		}
		var atom struct {
			Subtitle string `xml:"subtitle"`
		}
		if err := xml.Unmarshal(out[render.FormatAtom], &atom); err != nil {
			t.Fatal(err)
		}
		if atom.Subtitle != desc {
			t.Errorf("atom subtitle = %q, want %q", atom.Subtitle, desc)
		}
		if j := decodeJSON(t, out[render.FormatJSON]); j.Description != desc {
			t.Errorf("json description = %q, want %q", j.Description, desc)
		}
	}
}

// TestTrackingParametersRemoved: published links (entry links, the other
// reports of a story) lose utm_*, fbclid, gclid, mc_cid, mc_eid and the
// like; other query parameters stay, in order.
func TestTrackingParametersRemoved(t *testing.T) {
	f := fixtureFeed(t)
	f.Entries[0].Item.Link = "https://vnexpress.net/a.html?id=7&utm_source=rss&utm_medium=feed&fbclid=X&p=2"
	f.Entries[0].Related[0].Link = "https://thanhnien.vn/b.htm?gclid=1&mc_cid=2&mc_eid=3"
	out := renderAll(t, f)
	for _, format := range render.Formats {
		pf, err := gofeed.NewParser().Parse(bytes.NewReader(out[format]))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := pf.Items[0].Link, "https://vnexpress.net/a.html?id=7&p=2"; got != want {
			t.Errorf("%s: link %q, want %q", format, got, want)
		}
		for _, tracker := range []string{"utm_", "fbclid", "gclid", "mc_cid", "mc_eid"} {
			if bytes.Contains(out[format], []byte(tracker)) {
				t.Errorf("%s: %s published", format, tracker)
			}
		}
	}
	if !bytes.Contains(out[render.FormatAtom], []byte(`href="https://thanhnien.vn/b.htm" rel="related"`)) {
		t.Errorf("atom: related link not cleaned:\n%s", out[render.FormatAtom])
	}
}

// TestEmptyFeedDates: an empty feed has no RSS lastBuildDate and a
// plausible Atom updated (validators call the Unix epoch implausible).
func TestEmptyFeedDates(t *testing.T) {
	f := fixtureFeed(t)
	f.Entries, f.Next = nil, ""
	out := renderAll(t, f)
	if bytes.Contains(out[render.FormatRSS], []byte("lastBuildDate")) {
		t.Errorf("rss: empty feed has a lastBuildDate:\n%s", out[render.FormatRSS])
	}
	if a := decodeAtom(t, out[render.FormatAtom]); a.Updated != "2026-01-01T00:00:00Z" {
		t.Errorf("atom: empty feed updated %q", a.Updated)
	}
}

// TestIndexLinksWithoutTrackers: the index page links items without
// their tracking parameters too.
func TestIndexLinksWithoutTrackers(t *testing.T) {
	e := newEnv(t)
	e.save("a", e.item("https://a.example.vn/1.html?id=3&utm_source=rss&fbclid=X", "Giá xăng giảm", time.Hour, topicSlug))
	body := e.get("/").body
	if !bytes.Contains(body, []byte(`href="https://a.example.vn/1.html?id=3"`)) || bytes.Contains(body, []byte("utm_source")) {
		t.Errorf("index links:\n%s", body)
	}
}
