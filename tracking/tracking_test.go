package tracking

import "testing"

func TestStrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://tinviet.example.vn/a.html?utm_source=rss&utm_medium=feed", "https://tinviet.example.vn/a.html"},
		{"https://a.vn/x?id=42&utm_campaign=tet&page=2", "https://a.vn/x?id=42&page=2"},
		{"https://a.vn/x?fbclid=IwAR0&gclid=abc&mc_cid=1&mc_eid=2", "https://a.vn/x"},
		{"https://a.vn/x?UTM_Source=a&q=ha%20noi#doan-2", "https://a.vn/x?q=ha%20noi#doan-2"},
		{"https://a.vn/x?utm%5Fsource=a&b=1", "https://a.vn/x?b=1"},
		{"https://a.vn/x?zarsrc=30&gidzl=abc&utm_term=x#top", "https://a.vn/x#top"},
		{"https://a.vn/x?mtm_campaign=a&srsltid=b&ysclid=c&_hsenc=d&id=1", "https://a.vn/x?id=1"},
		// Other parameters stay as written, in their order, even when
		// they merely look like trackers.
		{"https://a.vn/search?q=utm_source&ref=home&b=2&a=1", "https://a.vn/search?q=utm_source&ref=home&b=2&a=1"},
		{"https://a.vn/x?id=1&&utm_source=a", "https://a.vn/x?id=1"},
		{"https://a.vn/x", "https://a.vn/x"},
		{"https://a.vn/x?", "https://a.vn/x?"},
		{"https://a.vn/x#?utm_source=a", "https://a.vn/x#?utm_source=a"},
	}
	for _, tc := range tests {
		if got := Strip(tc.in); got != tc.want {
			t.Errorf("Strip(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Strip(Strip(tc.in)); got != tc.want {
			t.Errorf("Strip is not idempotent on %q: %q", tc.in, got)
		}
	}
}

func TestParam(t *testing.T) {
	for _, p := range []string{"utm_source", "utm_content", "fbclid", "gclid", "mc_cid", "mc_eid", "MSCLKID", "_ga", "igshid"} {
		if !Param(p) {
			t.Errorf("Param(%q) = false", p)
		}
	}
	for _, p := range []string{"id", "q", "page", "ref", "utm", "source", "p"} {
		if Param(p) {
			t.Errorf("Param(%q) = true", p)
		}
	}
}
