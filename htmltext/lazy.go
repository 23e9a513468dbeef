package htmltext

import "strings"

// LazyImageAttrs are the attributes lazy-loading scripts read an image's
// address from, in the order they are tried; the src of such an image is
// a placeholder (a 1x1 data: GIF, "blank.gif") or missing until the
// script runs, which a reader of republished HTML never does.
var LazyImageAttrs = []string{"data-src", "data-original", "data-lazy-src", "data-lazyload", "data-srcset", "data-lazy-srcset"}

// LazyImageURL returns the address the first of LazyImageAttrs that attr
// finds on an image names (a srcset's first candidate), "" when none does.
// A data: URI is no address: it is a placeholder too.
func LazyImageURL(attr func(name string) (string, bool)) string {
	for _, name := range LazyImageAttrs {
		v, ok := attr(name)
		if !ok {
			continue
		}
		if strings.HasSuffix(name, "srcset") {
			v = FirstSrcset(v)
		}
		if v = strings.TrimSpace(v); v != "" && !strings.HasPrefix(strings.ToLower(v), "data:") {
			return v
		}
	}
	return ""
}

// FirstSrcset returns the URL of a srcset's first candidate, "" when it
// has none.
func FirstSrcset(v string) string {
	first, _, _ := strings.Cut(v, ",")
	if f := strings.Fields(first); len(f) > 0 {
		return f[0]
	}
	return ""
}
