package publisher

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"bantin/db"
	"bantin/publisher/render"
)

const nastyTitle = `<script>alert("x")</script> Tin <b>nóng</b> & "trích dẫn" 'đơn' &amp; <img src=x onerror=alert(1)>`

// TestTitlesPlainText decodes each format with a plain XML/JSON decoder:
// the title read back must be the stored plain text, byte for byte (escaped
// exactly once, never interpreted as markup).
func TestTitlesPlainText(t *testing.T) {
	f := fixtureFeed(t)
	f.Title = nastyTitle
	f.Entries[0].Item.Title = nastyTitle
	out := renderAll(t, f)

	var rss struct {
		Channel struct {
			Title string `xml:"title"`
			Items []struct {
				Title  string `xml:"title"`
				Source string `xml:"source"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	var atomDoc struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title  string `xml:"title"`
			Source struct {
				Title string `xml:"title"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	var js struct {
		Title string `json:"title"`
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := xml.Unmarshal(out[render.FormatRSS], &rss); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(out[render.FormatAtom], &atomDoc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out[render.FormatJSON], &js); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, got, want string }{
		{"rss channel", rss.Channel.Title, nastyTitle},
		{"rss item", rss.Channel.Items[0].Title, nastyTitle},
		{"rss item 2", rss.Channel.Items[1].Title, f.Entries[1].Item.Title},
		{"rss source", rss.Channel.Items[1].Source, f.Entries[1].Item.SourceTitle},
		{"atom feed", atomDoc.Title, nastyTitle},
		{"atom entry", atomDoc.Entries[0].Title, nastyTitle},
		{"atom entry 2", atomDoc.Entries[1].Title, f.Entries[1].Item.Title},
		{"atom source", atomDoc.Entries[1].Source.Title, f.Entries[1].Item.SourceTitle},
		{"json feed", js.Title, nastyTitle},
		{"json item", js.Items[0].Title, nastyTitle},
		{"json item 2", js.Items[1].Title, f.Entries[1].Item.Title},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s title = %q, want %q", c.name, c.got, c.want)
		}
	}
	// Atom titles are text constructs: no type="html" that would make
	// readers interpret the markup.
	if bytes.Contains(out[render.FormatAtom], []byte(`<title type="html"`)) {
		t.Error("atom title declared as html")
	}
}

// htmlWalk calls fn for every node of the tree.
func htmlWalk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		htmlWalk(c, fn)
	}
}

func TestIndexEscapesEverything(t *testing.T) {
	e := newEnv(t)
	it := e.item("javascript:alert(1)", nastyTitle, time.Hour, topicSlug)
	it.GUID = "nasty"
	it.Tags = []db.Tag{{Slug: "the-x", Name: `<i>Thẻ</i> "x"`}}
	e.save("a", it)
	e.save("b", e.item("https://b.example.vn/ok", "Tin thường", 2*time.Hour, topicSlug, "khac"))

	r := e.get("/")
	doc, err := html.Parse(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	var alternates []string
	var subscribe int
	lang, charset := "", ""
	htmlWalk(doc, func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			texts = append(texts, n.Data)
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.B, atom.I, atom.Img, atom.Iframe:
				t.Errorf("index contains a <%s> element", n.Data)
			}
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s> has event handler attribute %s", n.Data, a.Key)
				}
				if (a.Key == "href" || a.Key == "src") && strings.HasPrefix(strings.ToLower(a.Val), "javascript:") {
					t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
				}
			}
			switch n.DataAtom {
			case atom.Html:
				lang = attrs["lang"]
			case atom.Meta:
				if v, ok := attrs["charset"]; ok {
					charset = v
				}
			case atom.Link:
				if attrs["rel"] == "alternate" {
					alternates = append(alternates, attrs["type"]+" "+attrs["href"])
				}
			case atom.A:
				if strings.HasPrefix(attrs["href"], testBase+"/topics/") && attrs["type"] != "" {
					subscribe++
				}
			}
		}
	})
	all := strings.Join(texts, "")
	for _, want := range []string{nastyTitle, `<i>Thẻ</i> "x"`, `Đất đai <b>&amp;</b> "nhà ở"`, "Luật Đất đai & thị trường", "Tin thường", "Báo A"} {
		if !strings.Contains(all, want) {
			t.Errorf("index text lacks %q", want)
		}
	}
	if lang != "vi" {
		t.Errorf(`<html lang=%q>, want "vi"`, lang)
	}
	if !strings.EqualFold(charset, "utf-8") {
		t.Errorf("meta charset = %q, want utf-8", charset)
	}
	wantAlt := []string{
		"application/rss+xml " + testBase + "/topics/dat-dai.rss",
		"application/atom+xml " + testBase + "/topics/dat-dai.atom",
		"application/feed+json " + testBase + "/topics/dat-dai.json",
		"application/rss+xml " + testBase + "/topics/khac.rss",
		"application/atom+xml " + testBase + "/topics/khac.atom",
		"application/feed+json " + testBase + "/topics/khac.json",
	}
	if strings.Join(alternates, "\n") != strings.Join(wantAlt, "\n") {
		t.Errorf("alternate links:\n%s\nwant:\n%s", strings.Join(alternates, "\n"), strings.Join(wantAlt, "\n"))
	}
	if subscribe != 6 {
		t.Errorf("%d topic subscribe links, want 6", subscribe)
	}
}

// TestOnlyWebLinksPublished: links with other schemes (javascript:, data:,
// file:) never reach the output, in any format.
func TestOnlyWebLinksPublished(t *testing.T) {
	f := fixtureFeed(t)
	it := &f.Entries[0].Item
	it.Link = "javascript:alert(1)"
	it.Enclosures = append(it.Enclosures, db.Enclosure{URL: "data:audio/mpeg;base64,AAAA", Type: "audio/mpeg"})
	it.Authors = append(it.Authors, db.Person{Name: "X", URI: "vbscript:msgbox"})
	it.ImageURL = "data:image/png;base64,AAAA"
	f.Entries[0].Related[0].Link = "JaVaScRiPt:alert(2)"
	for format, b := range renderAll(t, f) {
		low := strings.ToLower(string(b))
		for _, bad := range []string{"javascript:", "data:", "vbscript:", "file:///srv"} {
			if strings.Contains(low, bad) {
				t.Errorf("%s output contains %q", format, bad)
			}
		}
	}
}
