package normaliser

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
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
