package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"bantin/db"
)

// benchFeed is a topic feed of n entries of about 1 KB of text, as the
// live benchmark publishes them.
func benchFeed(n int) *Feed {
	base := "http://127.0.0.1:8080"
	f := &Feed{Title: "Chủ đề 1", Description: "Chủ đề 1", ID: FeedID(base, KindTopic, "chu-de-1"), BaseURL: base,
		SiteLink: base + "/", Self: map[string]string{}}
	for _, format := range Formats {
		f.Self[format] = FeedURL(base, KindTopic, "chu-de-1", format)
	}
	words := strings.Fields("Hà Nội thành phố đại hội Đảng bộ kinh tế ngân hàng lãi suất chứng khoán giá vàng <b>tăng</b> & giảm")
	for i := range n {
		var body strings.Builder
		for k := range 120 {
			body.WriteString(words[(i+k*7)%len(words)] + " ")
		}
		pub := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC).Add(-time.Duration(i) * time.Minute)
		f.Entries = append(f.Entries, Entry{Item: db.Item{ID: int64(i + 1), SourceID: fmt.Sprintf("s%05d", i), GUID: fmt.Sprintf("l%d-%d", i, i),
			Link: fmt.Sprintf("https://nguon%d.example/bai/%d.html", i, i), Title: fmt.Sprintf("Tin %d: giá vàng tăng", i),
			Summary: "<p>" + body.String() + "</p>", Language: "vi", Published: pub, Updated: pub, FirstSeen: pub,
			Categories: []string{"Kinh tế"}, SourceTitle: fmt.Sprintf("Nguồn tin %d", i)}})
	}
	return f
}

// BenchmarkRender renders a 50-entry feed in each format (`go test
// ./publisher/render -run '^$' -bench Render`).
func BenchmarkRender(b *testing.B) {
	f := benchFeed(50)
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if _, err := Render(f, format); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIndentJSON indents a 50-entry JSON Feed as encoding/json's
// indenting encoder did and as indentJSON does.
func BenchmarkIndentJSON(b *testing.B) {
	body, err := Render(benchFeed(50), FormatJSON)
	if err != nil {
		b.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		b.Fatal(err)
	}
	b.Run("json.Indent", func(b *testing.B) {
		var out bytes.Buffer
		for b.Loop() {
			out.Reset()
			json.Indent(&out, compact.Bytes(), "", "  ")
		}
	})
	b.Run("indentJSON", func(b *testing.B) {
		var out []byte
		for b.Loop() {
			out = indentJSON(out[:0], compact.Bytes(), "  ")
		}
	})
}
