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
		"space before fragment": {"http://0?A\x93 #000000", "http://0/?A%93%20"},
		"iri to uri":            {"http://Edge.example.org/tin/hà-nội mới?q=đường phố&x=1#frag", "http://edge.example.org/tin/h%C3%A0-n%E1%BB%99i%20m%E1%BB%9Bi?q=%C4%91%C6%B0%E1%BB%9Dng%20ph%E1%BB%91&x=1"},
		"escape case upper":     {"https://example.com/h%c3%a0?q=%c4%91", "https://example.com/h%C3%A0?q=%C4%91"},
		"idn host":              {"https://Ví-Dụ.vn/a", "https://xn--v-d-rma6749a.vn/a"},
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

// TestCanonicalLinkIRI: one link written as an IRI (NFC or NFD), as a
// URI, or with lower-case escapes has one canonical form, so dedupe still
// sees it as one story.
func TestCanonicalLinkIRI(t *testing.T) {
	want := CanonicalLink("https://tin.example.vn/hà-nội/bài viết?q=đường")
	for name, raw := range map[string]string{
		"uri":            "https://tin.example.vn/h%C3%A0-n%E1%BB%99i/b%C3%A0i%20vi%E1%BA%BFt?q=%C4%91%C6%B0%E1%BB%9Dng",
		"lower escapes":  "https://tin.example.vn/h%c3%a0-n%e1%bb%99i/b%c3%a0i%20vi%e1%ba%bft?q=%c4%91%c6%b0%e1%bb%9dng",
		"nfd":            "https://tin.example.vn/ha\u0300-no\u0323\u0302i/ba\u0300i vie\u0302\u0301t?q=\u0111u\u031bo\u031b\u0300ng",
		"tracking, frag": "https://tin.example.vn/hà-nội/bài viết?utm_source=x&q=đường#top",
	} {
		if got := CanonicalLink(raw); got != want {
			t.Errorf("%s: CanonicalLink(%q) = %q, want %q", name, raw, got, want)
		}
	}
}

func TestCanonicalLinkSameStory(t *testing.T) {
	a := CanonicalLink("https://tuoitre.vn/bai-viet-1.htm?utm_source=facebook&fbclid=IwAR0")
	b := CanonicalLink("HTTPS://TUOITRE.VN:443/bai-viet-1.htm#binh-luan")
	if a != b {
		t.Errorf("canonical links differ: %q vs %q", a, b)
	}
}
