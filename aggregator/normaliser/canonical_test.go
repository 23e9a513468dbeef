package normaliser

import "testing"

func TestCanonicalLink(t *testing.T) {
	tests := map[string]struct{ raw, want string }{
		"already canonical":     {"https://vnexpress.net/a-1.html", "https://vnexpress.net/a-1.html"},
		"scheme and host case":  {"HTTPS://VnExpress.NET/Path/To/A.html", "https://vnexpress.net/Path/To/A.html"},
		"default https port":    {"https://example.com:443/a", "https://example.com/a"},
		"default http port":     {"http://example.com:80/a", "http://example.com/a"},
		"other port kept":       {"https://example.com:8443/a", "https://example.com:8443/a"},
		"fragment dropped":      {"https://example.com/a#comments", "https://example.com/a"},
		"utm dropped":           {"https://example.com/a?utm_source=rss&utm_medium=feed&UTM_Campaign=x", "https://example.com/a"},
		"click ids dropped":     {"https://example.com/a?fbclid=1&gclid=2&dclid=3&msclkid=4&yclid=5&igshid=6&_ga=7&mc_cid=8&mc_eid=9&ref_src=twsrc", "https://example.com/a"},
		"params sorted":         {"https://example.com/a?z=1&b=2&a=3", "https://example.com/a?a=3&b=2&z=1"},
		"mixed":                 {"HTTP://Example.com:80/x?id=7&utm_term=y&fbclid=z#top", "http://example.com/x?id=7"},
		"empty path":            {"https://Example.com", "https://example.com/"},
		"empty query":           {"https://example.com/a?", "https://example.com/a"},
		"path case kept":        {"https://example.com/ABC?Q=Z", "https://example.com/ABC?Q=Z"},
		"trailing dot host":     {"https://example.com./a", "https://example.com/a"},
		"encoded path kept":     {"https://example.com/a%20b/%C4%91", "https://example.com/a%20b/%C4%91"},
		"spaces trimmed":        {"  https://example.com/a  ", "https://example.com/a"},
		"empty":                 {"", ""},
		"not a url":             {"not a url", "not a url"},
		"mailto":                {"MAILTO:x@example.com", "mailto:x@example.com"},
		"relative kept":         {"/a?utm_source=x", "/a?utm_source=x"},
		"userinfo kept":         {"https://u@Example.com/a", "https://u@example.com/a"},
		"space before fragment": {"http://0?A\x93 #000000", "http://0/?A\x93"},
		"zalo tracking dropped": {"https://baomoi.vn/a.epi?zarsrc=30&gidzl=abc&id=1", "https://baomoi.vn/a.epi?id=1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := CanonicalLink(tc.raw)
			if got != tc.want {
				t.Errorf("CanonicalLink(%q) = %q, want %q", tc.raw, got, tc.want)
			}
			if again := CanonicalLink(got); again != got {
				t.Errorf("not idempotent: CanonicalLink(%q) = %q", got, again)
			}
		})
	}
}

func TestCanonicalLinkSameStory(t *testing.T) {
	a := CanonicalLink("https://tuoitre.vn/bai-viet-1.htm?utm_source=facebook&fbclid=IwAR0")
	b := CanonicalLink("HTTPS://TUOITRE.VN:443/bai-viet-1.htm#binh-luan")
	if a != b {
		t.Errorf("canonical links differ: %q vs %q", a, b)
	}
}
