package normaliser

import (
	"io"
	"strings"

	"golang.org/x/net/html"

	"bantin/htmltext"
)

// promoteLazyImages gives every <img> of fragment that names its address
// in a lazy-loading attribute (htmltext.LazyImageAttrs) that address as its src, so the
// sanitiser, which drops data-* attributes, keeps the picture rather than
// the placeholder. Fragments without such an attribute are returned as
// they are, at the cost of one scan.
func promoteLazyImages(fragment string) string {
	if !mayHaveLazyImage(fragment) {
		return fragment
	}
	var b strings.Builder
	b.Grow(len(fragment))
	z := html.NewTokenizer(strings.NewReader(fragment))
	changed := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(raw)
			continue
		}
		raw = append([]byte(nil), raw...) // Token reuses the buffer
		tok := z.Token()
		if tok.Data != "img" {
			b.Write(raw)
			continue
		}
		if lazy := lazySrc(tok.Attr); lazy != "" {
			tok.Attr = withSrc(tok.Attr, lazy)
			b.WriteString(tok.String())
			changed = true
			continue
		}
		b.Write(raw)
	}
	if !changed || z.Err() != io.EOF {
		return fragment
	}
	return b.String()
}

// mayHaveLazyImage is a quick test for a lazy-loading attribute (in
// lower or upper case).
func mayHaveLazyImage(s string) bool {
	if !strings.Contains(s, "data-") {
		if !strings.Contains(s, "DATA-") {
			return false
		}
		s = strings.ToLower(s)
	}
	for i := 0; ; {
		j := strings.Index(s[i:], "data-")
		if j < 0 {
			return false
		}
		rest := s[i+j:]
		for _, a := range htmltext.LazyImageAttrs {
			if len(rest) >= len(a) && strings.EqualFold(rest[:len(a)], a) {
				return true
			}
		}
		i += j + len("data-")
	}
}

// lazySrc is the address the lazy-loading attributes of attrs name (see
// htmltext.LazyImageURL), "" when none does.
func lazySrc(attrs []html.Attribute) string {
	return htmltext.LazyImageURL(func(name string) (string, bool) {
		for _, a := range attrs {
			if a.Namespace == "" && strings.EqualFold(a.Key, name) {
				return a.Val, true
			}
		}
		return "", false
	})
}

// withSrc returns attrs with src set to src (replaced, or added).
func withSrc(attrs []html.Attribute, src string) []html.Attribute {
	for i, a := range attrs {
		if a.Namespace == "" && strings.EqualFold(a.Key, "src") {
			attrs[i].Val = src
			return attrs
		}
	}
	return append(attrs, html.Attribute{Key: "src", Val: src})
}
