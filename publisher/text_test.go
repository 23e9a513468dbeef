package publisher

import (
	"encoding/json"
	"testing"
	"time"

	"bantin/db"
	"bantin/publisher/render"
)

func TestHTMLText(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":             {"Giá vàng  hôm nay", "Giá vàng hôm nay"},
		"markup dropped":    {"<p>Công tác <strong>Đại hội</strong></p><p>Hà Nội</p>", "Công tác Đại hội Hà Nội"},
		"entities once":     {"Tom &amp; Jerry &lt;b&gt; &#39;x&#39;", "Tom & Jerry <b> 'x'"},
		"script not text":   {"a <script>alert(1)</script>b", "a b"},
		"line breaks space": {"one<br>two", "one two"},
		"inline tags glue":  {"<p>thông qua <b>Luật</b>.</p>", "thông qua Luật."},
		"description list":  {"xây tặng<dl><dt>Làng</dt><dd>Rồng</dd></dl>Người dân", "xây tặng Làng Rồng Người dân"},
		"details summary":   {"Xem<details><summary>Chi tiết</summary>Thêm</details>hết", "Xem Chi tiết Thêm hết"},
		"sectioning":        {"a<header>b</header><aside>c</aside><nav>d</nav><main>e</main><footer>f</footer>g", "a b c d e f g"},
		"table caption":     {"Bảng<table><caption>Giá</caption><tr><td>1</td></tr></table>x", "Bảng Giá 1 x"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := render.HTMLText(tc.in); got != tc.want {
				t.Errorf("htmlText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestPlainTextSeparatesBlocks: the plain text derived from HTML (the
// JSON Feed summary; the title of an item stored without one, in every
// format) keeps words apart at block elements of every kind.
func TestPlainTextSeparatesBlocks(t *testing.T) {
	tests := map[string]struct{ summary, want string }{
		"description list": {"<p>xây tặng<dl><dt>Làng</dt><dd>Rồng</dd></dl>Người dân</p>", "xây tặng Làng Rồng Người dân"},
		"address":          {"Liên hệ<address>Số 1 Hà Nội</address>Tòa soạn", "Liên hệ Số 1 Hà Nội Tòa soạn"},
		"figure caption":   {"Ảnh<figure><figcaption>Lễ khai mạc</figcaption></figure>Sáng nay", "Ảnh Lễ khai mạc Sáng nay"},
		"fieldset legend":  {"Biểu mẫu<fieldset><legend>Họ tên</legend></fieldset>Gửi", "Biểu mẫu Họ tên Gửi"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			it := db.Item{ID: 1, SourceID: "sggp", GUID: name, Link: "https://www.sggp.org.vn/a.html",
				Summary: tc.summary, Published: time.Date(2020, 4, 26, 3, 11, 0, 0, time.UTC)}
			f := tagFeed([]db.Item{it})
			out := renderAll(t, f)
			for _, format := range render.Formats {
				pf, _ := parseBack(t, out[format])
				if got := pf.Items[0].Title; got != tc.want {
					t.Errorf("%s title = %q, want %q", format, got, tc.want)
				}
			}
			var doc struct {
				Items []struct{ Summary string } `json:"items"`
			}
			if err := json.Unmarshal(out[render.FormatJSON], &doc); err != nil {
				t.Fatal(err)
			}
			if got := doc.Items[0].Summary; got != tc.want {
				t.Errorf("json summary = %q, want %q", got, tc.want)
			}
		})
	}
}
