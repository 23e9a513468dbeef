package publisher

import "testing"

func TestHTMLText(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":             {"Giá vàng  hôm nay", "Giá vàng hôm nay"},
		"markup dropped":    {"<p>Công tác <strong>Đại hội</strong></p><p>Hà Nội</p>", "Công tác Đại hội Hà Nội"},
		"entities once":     {"Tom &amp; Jerry &lt;b&gt; &#39;x&#39;", "Tom & Jerry <b> 'x'"},
		"script not text":   {"a <script>alert(1)</script>b", "a b"},
		"line breaks space": {"one<br>two", "one two"},
		"inline tags glue":  {"<p>thông qua <b>Luật</b>.</p>", "thông qua Luật."},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := htmlText(tc.in); got != tc.want {
				t.Errorf("htmlText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
