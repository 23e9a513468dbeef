package normaliser

import (
	"io"
	"strings"

	"golang.org/x/net/html"
)

// lazyAttrs are the attributes lazy-loading scripts read an image's
// address from, in the order they are tried; the src of such an image is
// a placeholder (a 1x1 data: GIF, "blank.gif") or missing until the
// script runs, which a reader of the republished HTML never does.
var lazyAttrs = []string{"data-src", "data-original", "data-lazy-src", "data-lazyload", "data-srcset", "data-lazy-srcset"}

// promoteLazyImages gives every <img> of fragment that names its address
// in a lazy-loading attribute (lazyAttrs) that address as its src, so the
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
		for _, a := range lazyAttrs {
			if len(rest) >= len(a) && strings.EqualFold(rest[:len(a)], a) {
				return true
			}
		}
		i += j + len("data-")
	}
}

// lazySrc is the address the first lazy-loading attribute of attrs names
// ("" when none does; a srcset gives its first candidate). A data: URI is
// no address: it is a placeholder too.
func lazySrc(attrs []html.Attribute) string {
	for _, name := range lazyAttrs {
		for _, a := range attrs {
			if a.Namespace != "" || !strings.EqualFold(a.Key, name) {
				continue
			}
			v := strings.TrimSpace(a.Val)
			if strings.HasSuffix(name, "srcset") {
				first, _, _ := strings.Cut(v, ",")
				if f := strings.Fields(first); len(f) > 0 {
					v = f[0]
				} else {
					v = ""
				}
			}
			if v != "" && !strings.HasPrefix(strings.ToLower(v), "data:") {
				return v
			}
		}
	}
	return ""
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
