package opml

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func parseFile(t *testing.T, name string) *Document {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "opml", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return doc
}

// TestParseReaderExports checks the fixtures shaped like the exports of
// Feedly, Inoreader, Miniflux, FreshRSS and newsboat, plus two encodings.
func TestOPMLParseReaderExports(t *testing.T) {
	type want struct {
		title, version string
		feeds          []Feed
	}
	tests := []struct {
		file string
		want want
	}{
		{"feedly.opml", want{"Nguyễn Văn An subscriptions in feedly Cloud", "1.0", []Feed{
			{Title: "VnExpress - Tin mới nhất", XMLURL: "https://vnexpress.net/rss/tin-moi-nhat.rss", HTMLURL: "https://vnexpress.net", Type: "rss", Tags: []string{"Thời sự"}},
			{Title: "Tuổi Trẻ Online: Thời sự", XMLURL: "https://tuoitre.vn/rss/thoi-su.rss", HTMLURL: "https://tuoitre.vn/thoi-su.htm", Type: "rss", Tags: []string{"Thời sự"}},
			{Title: `Báo "Nhân Dân" #1`, XMLURL: "https://nhandan.vn/rss/home.rss", HTMLURL: "https://nhandan.vn/", Type: "rss", Tags: []string{"Thời sự"}},
			{Title: "The Verge", XMLURL: "https://www.theverge.com/rss/index.xml", HTMLURL: "https://www.theverge.com/", Type: "rss", Tags: []string{"Tech"}},
			{Title: "Ars Technica - All content", XMLURL: "https://feeds.arstechnica.com/arstechnica/index", HTMLURL: "https://arstechnica.com", Type: "rss", Tags: []string{"Tech"}},
			{Title: "VnExpress - Kinh doanh", XMLURL: "https://vnexpress.net/rss/kinh-doanh.rss", HTMLURL: "https://vnexpress.net", Type: "rss", Tags: []string{"Kinh tế"}},
			{Title: "The Verge", XMLURL: "https://www.theverge.com/rss/index.xml", HTMLURL: "https://www.theverge.com/", Type: "rss", Tags: []string{"Kinh tế"}},
		}}},
		{"inoreader.xml", want{"Subscriptions of an.nguyen from Inoreader [https://www.inoreader.com]", "1.0", []Feed{
			{Title: "Hacker News", XMLURL: "https://news.ycombinator.com/rss", HTMLURL: "https://news.ycombinator.com/", Type: "rss", Tags: []string{"Tech"}},
			{Title: "Go Blog", XMLURL: "https://go.dev/blog/feed.atom", HTMLURL: "https://go.dev/blog", Type: "rss", Tags: []string{"Tech"}},
			{Title: "Thanh Niên - Thời sự", XMLURL: "https://thanhnien.vn/rss/thoi-su.rss", HTMLURL: "https://thanhnien.vn/", Type: "rss", Tags: []string{"Việt Nam"}},
			{Title: "Dân trí", XMLURL: "HTTPS://DANTRI.COM.VN/rss/home.rss", HTMLURL: "https://dantri.com.vn/", Type: "rss", Tags: []string{"Việt Nam"}},
			{Title: "xkcd.com", XMLURL: "https://xkcd.com/atom.xml", HTMLURL: "https://xkcd.com/", Type: "rss"},
		}}},
		{"miniflux.opml", want{"Miniflux", "2.0", []Feed{
			{Title: "Miniflux", XMLURL: "https://miniflux.app/feed.xml", HTMLURL: "https://miniflux.app/", Tags: []string{"All"}},
			{Title: "Người Lao Động: Kinh tế", XMLURL: "https://nld.com.vn/kinh-te.rss", HTMLURL: "https://nld.com.vn/kinh-te.htm", Tags: []string{"Báo chí"}},
			{Title: "VietnamPlus", XMLURL: "https://www.vietnamplus.vn/rss/home.rss", HTMLURL: "https://www.vietnamplus.vn/", Tags: []string{"Báo chí"}},
			{Title: "東京新聞", XMLURL: "https://www.tokyo-np.co.jp/rss/index.xml", HTMLURL: "https://www.tokyo-np.co.jp/", Tags: []string{"Báo chí"}},
		}}},
		{"freshrss.opml.xml", want{"FreshRSS", "2.0", []Feed{
			{Title: "FreshRSS releases", XMLURL: "https://github.com/FreshRSS/FreshRSS/releases.atom", HTMLURL: "https://github.com/FreshRSS/FreshRSS/", Type: "rss", Tags: []string{"Chưa phân loại"}},
			{Title: "Bóng đá: V-League & AFF Cup", XMLURL: "https://bongdaplus.vn/rss/trang-chu.rss", HTMLURL: "https://bongdaplus.vn/", Type: "rss", Tags: []string{"Thể thao"}},
			{Title: "Trang tin thể thao (scraped)", XMLURL: "https://thethao.example.vn/", HTMLURL: "https://thethao.example.vn/", Type: "HTML+XPath", Tags: []string{"Thể thao"}},
			{Title: "Thể Thao 247", XMLURL: "https://thethao247.vn/trang-chu.rss/", HTMLURL: "https://thethao247.vn/", Type: "rss", Tags: []string{"Thể thao"}},
		}}},
		{"newsboat.opml", want{"newsboat - Exported Feeds", "1.0", []Feed{
			{Title: "LWN.net", XMLURL: "https://lwn.net/headlines/rss", HTMLURL: "https://lwn.net", Type: "rss"},
			{Title: "VnExpress - Thế giới", XMLURL: "https://vnexpress.net/rss/the-gioi.rss", HTMLURL: "https://vnexpress.net/the-gioi", Type: "rss"},
			{XMLURL: "https://blog.example.org/feed/", HTMLURL: "https://blog.example.org/", Type: "rss"},
			{Title: "Weather", XMLURL: "exec:~/bin/weather-feed.sh", Type: "rss"},
			{Title: "The Verge", XMLURL: "https://www.theverge.com/rss/index.xml/", HTMLURL: "https://www.theverge.com/", Type: "rss"},
		}}},
		{"windows-1258.opml", want{"Báo Cũ", "2.0", []Feed{
			{Title: "Báo Cũ – Thời sự", XMLURL: "https://baocu.example.vn/rss/thoi-su", HTMLURL: "https://baocu.example.vn/", Type: "rss", Tags: []string{"Tin tức cũ"}},
		}}},
		{"utf16.opml", want{"", "1.1", []Feed{
			{Title: "Hà Nội Mới", XMLURL: "https://hanoimoi.example.vn/atom.xml", Type: "atom", Tags: []string{"Hà Nội"}},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc := parseFile(t, tt.file)
			if doc.Title != tt.want.title {
				t.Errorf("Title = %q, want %q", doc.Title, tt.want.title)
			}
			if doc.Version != tt.want.version {
				t.Errorf("Version = %q, want %q", doc.Version, tt.want.version)
			}
			got := Feeds(doc)
			if len(got) != len(tt.want.feeds) {
				t.Fatalf("got %d feeds, want %d:\n%+v", len(got), len(tt.want.feeds), got)
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], tt.want.feeds[i]) {
					t.Errorf("feed %d:\n got %+v\nwant %+v", i, got[i], tt.want.feeds[i])
				}
				for _, s := range append([]string{got[i].Title}, got[i].Tags...) {
					if !norm.NFC.IsNormalString(s) {
						t.Errorf("feed %d: %q is not NFC", i, s)
					}
				}
			}
		})
	}
}

func TestOPMLParseFreshRSSExtensionAttrs(t *testing.T) {
	doc := parseFile(t, "freshrss.opml.xml")
	o := doc.Outlines[1].Outlines[0]
	var got string
	for _, a := range o.Attrs {
		if a.Name.Space == "https://freshrss.org/opml" && a.Name.Local == "cssFullContent" {
			got = a.Value
		}
	}
	if got != "div.article-content" {
		t.Errorf("frss:cssFullContent = %q, want %q", got, "div.article-content")
	}
	if o.Text != "Bóng đá: V-League & AFF Cup" {
		t.Errorf("Text = %q", o.Text)
	}
	feeds := Feeds(doc)
	var scrapers []string
	for _, f := range feeds {
		if f.IsScraper() {
			scrapers = append(scrapers, f.Title)
		}
	}
	if want := []string{"Trang tin thể thao (scraped)"}; !reflect.DeepEqual(scrapers, want) {
		t.Errorf("scrapers = %q, want %q", scrapers, want)
	}
}

func TestOPMLFeedsStructure(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Feed
	}{
		{
			name: "nested folders give every folder name outermost first",
			in: `<opml version="2.0"><body>
				<outline text="Tin tức"><outline title="Trong nước" text="ignored">
					<outline text="Hà Nội"><outline type="rss" text="A" xmlUrl="https://a.example/feed"/></outline>
				</outline></outline></body></opml>`,
			want: []Feed{{Title: "A", XMLURL: "https://a.example/feed", Type: "rss", Tags: []string{"Tin tức", "Trong nước", "Hà Nội"}}},
		},
		{
			name: "sibling folders do not leak into each other",
			in: `<opml><body><outline text="X"><outline xmlUrl="https://x.example/"/></outline>
				<outline text="Y"><outline xmlUrl="https://y.example/"/></outline><outline xmlUrl="https://z.example/"/></body></opml>`,
			want: []Feed{
				{XMLURL: "https://x.example/", Tags: []string{"X"}},
				{XMLURL: "https://y.example/", Tags: []string{"Y"}},
				{XMLURL: "https://z.example/"},
			},
		},
		{
			name: "category attribute paths become tags, repeats dropped case-insensitively",
			in: `<opml version="2.0"><body><outline text="Tech">
				<outline type="rss" text="B" xmlUrl="https://b.example/rss" category="/tech/Go, Linux,,/Kinh tế"/></outline></body></opml>`,
			want: []Feed{{Title: "B", XMLURL: "https://b.example/rss", Type: "rss", Tags: []string{"Tech", "Go", "Linux", "Kinh tế"}}},
		},
		{
			name: "attribute names in any case, html entities, white space collapsed",
			in: `<opml><body><outline TEXT="  Caf&eacute;
				&amp;amp;  Tr&agrave; " XMLURL=" https://c.example/rss " htmlurl="https://c.example/" Language="vi"/></body></opml>`,
			want: []Feed{{Title: "Café & Trà", XMLURL: "https://c.example/rss", HTMLURL: "https://c.example/", Language: "vi"}},
		},
		{
			name: "title preferred over text, decomposed input to NFC",
			in:   "<opml><body><outline text=\"t\" title=\"Vie\u0302\u0323t\" xmlUrl=\"https://d.example/\"/></body></opml>",
			want: []Feed{{Title: "Việt", XMLURL: "https://d.example/"}},
		},
		{
			name: "link and include outlines and empty folders are not feeds",
			in: `<opml><body><outline text="Empty"/><outline type="link" text="L" url="https://l.example/" xmlUrl="https://l.example/"/>
				<outline type="include" url="https://i.example/list.opml"/><outline text="F"><outline text="G"/></outline></body></opml>`,
			want: nil,
		},
		{
			name: "outlines below a feed outline are found with the same folders",
			in: `<opml><body><outline text="Dir"><outline text="P" xmlUrl="https://p.example/">
				<outline text="Q" xmlUrl="https://q.example/"/></outline></outline></body></opml>`,
			want: []Feed{
				{Title: "P", XMLURL: "https://p.example/", Tags: []string{"Dir"}},
				{Title: "Q", XMLURL: "https://q.example/", Tags: []string{"Dir"}},
			},
		},
		{
			name: "bare ampersands from sloppy exporters are kept",
			in:   `<opml><body><outline text="Tom & Jerry" xmlUrl="https://f.example/rss?a=1&b=2"/></body></opml>`,
			want: []Feed{{Title: "Tom & Jerry", XMLURL: "https://f.example/rss?a=1&b=2"}},
		},
		{
			name: "unknown elements and a missing head are fine",
			in:   `<?xml version="1.0"?><!-- c --><opml version="2.0"><foo><bar/></foo><body><x/><outline xmlUrl="https://e.example/"/></body></opml>`,
			want: []Feed{{XMLURL: "https://e.example/"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := Feeds(doc); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Feeds:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestOPMLParseErrors(t *testing.T) {
	deep := "<opml><body>" + strings.Repeat("<outline text='x'>", MaxDepth+1) + strings.Repeat("</outline>", MaxDepth+1) + "</body></opml>"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "opml: empty document"},
		{"not xml", "hello", "opml: not an XML document"},
		{"rss instead of opml", `<rss version="2.0"><channel/></rss>`, "opml: not an OPML document (root element <rss>)"},
		{"no body", `<opml version="2.0"><head><title>x</title></head></opml>`, "opml: document has no <body>"},
		{"truncated", `<opml><body><outline text="a">`, "opml: XML syntax error on line 1: unexpected EOF"},
		{"truncated after body", `<opml><body></body>`, "opml: XML syntax error on line 1: unexpected EOF"},
		{"bad attribute", `<opml><body><outline text="a></body></opml>`, "opml: XML syntax error on line 1:"},
		{"unknown encoding", `<?xml version="1.0" encoding="x-nope"?><opml><body/></opml>`, `opml: unsupported encoding "x-nope"`},
		{"too deep", deep, "opml: outlines nest deeper than 64 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want containing %q", err, tt.want)
			}
		})
	}
}

func TestOPMLParseTooLarge(t *testing.T) {
	r := strings.NewReader("<opml><body>" + strings.Repeat(" ", MaxSize) + "</body></opml>")
	if _, err := Parse(r); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse error = %v, want ErrTooLarge", err)
	}
}

func TestOPMLFeedsNil(t *testing.T) {
	if got := Feeds(nil); got != nil {
		t.Errorf("Feeds(nil) = %v, want nil", got)
	}
}

// FuzzOPMLParse checks that Parse never panics and that every feed it
// returns has a URL and NFC text.
func FuzzOPMLParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "opml", "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<opml><body><outline text="a"><outline xmlUrl="x" category="/a/b,c"/></outline></body></opml>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, feed := range Feeds(doc) {
			if feed.XMLURL == "" {
				t.Errorf("feed without URL: %+v", feed)
			}
			for _, s := range append([]string{feed.Title, feed.XMLURL}, feed.Tags...) {
				if !norm.NFC.IsNormalString(s) {
					t.Errorf("%q is not NFC", s)
				}
			}
			for _, tag := range feed.Tags {
				if tag == "" || strings.TrimSpace(tag) != tag {
					t.Errorf("bad tag %q", tag)
				}
			}
		}
	})
}
