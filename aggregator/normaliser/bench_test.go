package normaliser

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"
)

// syntheticFeed returns an RSS feed of n Vietnamese items with HTML
// descriptions, like the poller benchmark's upstream serves.
func syntheticFeed(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin tức</title><link>https://bench.example/</link><description>d</description>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><guid>https://bench.example/tin-%d.html</guid><title>Đại hội Đảng bộ Hà Nội lần thứ %d: người dân phấn khởi</title>`+
			`<link>https://bench.example/tin-%d.html?utm_source=rss</link><pubDate>Mon, 14 Sep 2026 09:%02d:00 +0700</pubDate>`+
			`<category>Thời sự</category><category>Hà Nội</category>`+
			`<description><![CDATA[<p><a href="/tin-%d.html"><img src="/img/%d.jpg" alt="ảnh"></a></p><p>%s</p>]]></description></item>`,
			i, i, i, i%60, i, i, strings.Repeat("Khai mạc trọng thể Đại hội đại biểu Đảng bộ thành phố, nhiệm kỳ mới. ", 8))
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// BenchmarkGofeedOnly is the baseline: gofeed parsing the same bytes.
func BenchmarkGofeedOnly(b *testing.B) {
	body := syntheticFeed(50)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseNormalise is the normaliser's whole cost per feed.
func BenchmarkParseNormalise(b *testing.B) {
	body := syntheticFeed(50)
	loc := MustLocation(b, "Asia/Ho_Chi_Minh")
	now := time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		p, err := Parse(body, "application/rss+xml", "https://bench.example/rss")
		if err != nil {
			b.Fatal(err)
		}
		if items := Normalise(p, Options{Location: loc, Now: now, SourceTags: []string{"Tin"}}); len(items) != 50 {
			b.Fatalf("got %d items", len(items))
		}
	}
}

// syntheticAtom returns an Atom feed of n entries shaped like
// syntheticFeed's items, half with type="html" titles.
func syntheticAtom(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Tin tức</title><id>urn:bench</id><link href="https://bench.example/"/>`)
	for i := range n {
		typ := "text"
		if i%2 == 1 {
			typ = "html"
		}
		fmt.Fprintf(&b, `<entry><id>https://bench.example/tin-%d.html</id><title type="%s">Đại hội Đảng bộ Hà Nội lần thứ %d: người dân phấn khởi</title>`+
			`<link href="https://bench.example/tin-%d.html?utm_source=rss"/><updated>2026-09-14T09:%02d:00+07:00</updated>`+
			`<category term="Thời sự"/><category term="Hà Nội"/>`+
			`<content type="html"><![CDATA[<p><a href="/tin-%d.html"><img src="/img/%d.jpg" alt="ảnh"></a></p><p>%s</p>]]></content></entry>`,
			i, typ, i, i, i%60, i, i, strings.Repeat("Khai mạc trọng thể Đại hội đại biểu Đảng bộ thành phố, nhiệm kỳ mới. ", 8))
	}
	b.WriteString(`</feed>`)
	return []byte(b.String())
}

// BenchmarkParseNormaliseAtom is the normaliser's whole cost per Atom
// feed, title-type scan included.
func BenchmarkParseNormaliseAtom(b *testing.B) {
	body := syntheticAtom(50)
	now := time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		p, err := Parse(body, "application/atom+xml", "https://bench.example/atom")
		if err != nil {
			b.Fatal(err)
		}
		if items := Normalise(p, Options{Now: now}); len(items) != 50 {
			b.Fatalf("got %d items", len(items))
		}
	}
}

// BenchmarkScanAtomTitles is the cost of reading Atom title types, which
// gofeed's Atom parser drops (compare with BenchmarkParseNormaliseAtom).
func BenchmarkScanAtomTitles(b *testing.B) {
	body := syntheticAtom(50)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, entries := scanAtomTitles(body); len(entries) != 50 {
			b.Fatalf("got %d entries", len(entries))
		}
	}
}

// BenchmarkDecodeUndeclared is the cost of charset detection for a
// ~150 KB feed that declares no charset and is not UTF-8: Western text
// runs both detectors before falling back to windows-1252, KOI8-R text
// stops at the first.
func BenchmarkDecodeUndeclared(b *testing.B) {
	for _, bc := range []struct {
		name, text, want string
		enc              *charmap.Charmap
	}{
		{"windows-1252", "Über die Brücke gehen Mädchen und Jungen schön früh. Café crème à Genève. ", "windows-1252", charmap.Windows1252},
		{"koi8-r", "Москва готовится к празднику: на улицах города установлены ёлки. ", "koi8-r", charmap.KOI8R},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := mustEncode(b, bc.enc, rssDoc("", strings.Repeat(bc.text, 1500)))
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if d := decode(body, ""); d.encoding != bc.want {
					b.Fatalf("decoded as %s, want %s", d.encoding, bc.want)
				}
			}
		})
	}
}
