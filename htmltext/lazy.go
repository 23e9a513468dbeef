package htmltext

import (
	"net/url"
	"strings"
)

// LazyImageAttrs are the attributes lazy-loading scripts read an image's
// address from, in the order they are tried; the src of such an image is
// a placeholder (a 1x1 data: GIF, "blank.gif") or missing until the
// script runs, which a reader of republished HTML never does.
var LazyImageAttrs = []string{"data-src", "data-original", "data-lazy-src", "data-lazyload", "data-srcset", "data-lazy-srcset"}

// LazyImageURL returns the address the first of LazyImageAttrs that attr
// finds on an image names (a srcset's first candidate), "" when none does.
// Only a web address counts (http, https, or relative): a data: URI is a
// placeholder too, and so are "about:blank", "javascript:void(0)" and
// "#", which some pages put in the first attribute and the address in
// the next.
func LazyImageURL(attr func(name string) (string, bool)) string {
	for _, name := range LazyImageAttrs {
		v, ok := attr(name)
		if !ok {
			continue
		}
		if strings.HasSuffix(name, "srcset") {
			v = FirstSrcset(v)
		}
		if v = strings.TrimSpace(v); webRef(v) {
			return v
		}
	}
	return ""
}

// webRef reports whether v can be an image's web address: an http or
// https URL, or a relative reference other than a bare fragment.
func webRef(v string) bool {
	if v == "" || v[0] == '#' {
		return false
	}
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https")
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
