package iri

import (
	"net/url"
	"testing"
)

func TestToURI(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"ascii unchanged":        {"https://example.com/a?b=1#c", "https://example.com/a?b=1#c"},
		"audit link":             {"http://edge.example.org/tin/hà-nội mới?q=đường phố&x=1#frag", "http://edge.example.org/tin/h%C3%A0-n%E1%BB%99i%20m%E1%BB%9Bi?q=%C4%91%C6%B0%E1%BB%9Dng%20ph%E1%BB%91&x=1#frag"},
		"audit enclosure":        {"http://edge.example.org/media/bài hát.mp3", "http://edge.example.org/media/b%C3%A0i%20h%C3%A1t.mp3"},
		"existing escapes kept":  {"https://example.com/a%20b/%c4%91 c", "https://example.com/a%20b/%c4%91%20c"},
		"lone percent":           {"https://example.com/100%/x%2", "https://example.com/100%25/x%252"},
		"idn host":               {"https://Ví-Dụ.vn/đ", "https://xn--v-d-rma6749a.vn/%C4%91"},
		"idn host with port":     {"http://bücher.example:8080/", "http://xn--bcher-kva.example:8080/"},
		"userinfo":               {"https://ngườ i@example.com/", "https://ng%C6%B0%E1%BB%9D%20i@example.com/"},
		"ipv6 host":              {"http://[::1]:80/ä", "http://[::1]:80/%C3%A4"},
		"second hash":            {"https://example.com/a#b#c", "https://example.com/a#b%23c"},
		"forbidden ascii":        {`https://example.com/a"b<c>d\e^f` + "`g{h|i}", "https://example.com/a%22b%3Cc%3Ed%5Ce%5Ef%60g%7Bh%7Ci%7D"},
		"relative reference":     {"/tin/hà nội.html", "/tin/h%C3%A0%20n%E1%BB%99i.html"},
		"protocol relative":      {"//ví-dụ.vn/a b", "//xn--v-d-rma6749a.vn/a%20b"},
		"surrounding space":      {"  https://example.com/a  ", "https://example.com/a"},
		"control characters":     {"https://example.com/a\tb\x7f", "https://example.com/a%09b%7F"},
		"invalid utf-8 byte":     {"https://example.com/\xff", "https://example.com/%FF"},
		"escaped idn host":       {"https://v%C3%AD-d%E1%BB%A5.example/a", "https://xn--v-d-rma6749a.example/a"},
		"escaped ascii host":     {"https://%61b.example/", "https://ab.example/"},
		"host idna rejects":      {"http://a b.example/", "http://a%20b.example/"},
		"empty":                  {"", ""},
		"query keeps delimiters": {"https://example.com/?a=ö&b=[1]", "https://example.com/?a=%C3%B6&b=[1]"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := ToURI(tc.in)
			if got != tc.want {
				t.Errorf("ToURI(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			if again := ToURI(got); again != got {
				t.Errorf("not idempotent: ToURI(%q) = %q", got, again)
			}
		})
	}
}

// TestToURIParses checks that converted web URLs are accepted by net/url
// and mean the same path and query as the IRI.
func TestToURIParses(t *testing.T) {
	tests := []struct{ name, in, path, query string }{
		{"path and query", "http://edge.example.org/tin/hà-nội mới?q=đường phố&x=1", "/tin/hà-nội mới", "đường phố"},
		{"escaped slash kept", "http://example.com/a%2Fb c?q=x%26y", "/a/b c", "x&y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(ToURI(tc.in))
			if err != nil {
				t.Fatalf("url.Parse(ToURI(%q)): %v", tc.in, err)
			}
			if u.Path != tc.path {
				t.Errorf("path = %q, want %q", u.Path, tc.path)
			}
			if got := u.Query().Get("q"); got != tc.query {
				t.Errorf("query q = %q, want %q", got, tc.query)
			}
		})
	}
}

func FuzzToURI(f *testing.F) {
	for _, s := range []string{"http://edge.example.org/tin/hà-nội mới?q=đường phố&x=1#frag", "//ví-dụ.vn/%", "a#b#c", "http://[::1]:x/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ToURI(s)
		if !isURI(got) {
			t.Errorf("ToURI(%q) = %q: not a URI", s, got)
		}
		if again := ToURI(got); again != got {
			t.Errorf("not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}
