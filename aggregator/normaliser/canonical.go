package normaliser

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"bantin/iri"
	"bantin/tracking"
)

// CanonicalLink returns raw in the form used to recognise one story reached
// through different URLs: scheme and host lower-cased, default ports (80 for
// http, 443 for https) and the fragment dropped, tracking parameters
// (tracking.Param: utm_*, fbclid, gclid, dclid, msclkid, mc_cid, mc_eid,
// yclid, igshid, _ga, ref_src, and similar) removed, the remaining query parameters sorted
// (their order never changes the resource on news sites), an empty path
// written "/". An http(s) IRI is first converted to a URI (iri.ToURI,
// after NFC) and percent-escapes are written in upper case, so one link written
// with raw Unicode, with escapes or with lower-case escapes gives one
// canonical form. The path's case is kept. Values that are not absolute
// http(s) URLs are returned trimmed, with only scheme and host lowered.
// CanonicalLink is idempotent: a form that a second pass would still change
// (a host whose invalid bytes became escapes of U+FFFD, which the next pass
// reads as a Unicode name and converts to Punycode) is carried on to its
// fixed point, in at most a few passes.
func CanonicalLink(raw string) string {
	got := canonicalOnce(raw)
	for range 4 {
		next := canonicalOnce(got)
		if next == got {
			break
		}
		got = next
	}
	return got
}

// canonicalOnce is one pass of CanonicalLink.
func canonicalOnce(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	if lower := strings.ToLower(raw); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		if utf8.ValidString(raw) {
			raw = nfc(raw)
		}
		raw = upperEscapes(iri.ToURI(raw))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" || u.Host == "" {
		// Not a web URL: returned as written (scheme lowered), never
		// re-encoded, so the result stays idempotent.
		return scheme + raw[len(u.Scheme):]
	}
	u.Scheme = scheme
	u.Host = strings.ToLower(u.Host)
	u.Fragment, u.RawFragment = "", ""
	host, port := u.Host, u.Port()
	if port != "" {
		host = strings.TrimSuffix(u.Host, ":"+port)
	} else {
		host = strings.TrimSuffix(u.Host, ":")
	}
	host = strings.TrimSuffix(host, ".")
	if port == "" || (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		u.Host = host
	} else {
		u.Host = host + ":" + port
	}
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	u.RawQuery = cleanQuery(u.RawQuery)
	u.ForceQuery = false
	// Trimmed again: dropping the fragment can leave white space at the
	// end (found by FuzzCanonicalLink).
	return strings.TrimSpace(u.String())
}

// upperEscapes writes the hex digits of s's %XX escapes in upper case
// (RFC 3986 6.2.2.1: both cases mean the same octet).
func upperEscapes(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := []byte(s)
	for ; i+2 < len(b); i++ {
		if b[i] == '%' {
			for _, j := range []int{i + 1, i + 2} {
				if b[j] >= 'a' && b[j] <= 'f' {
					b[j] -= 'a' - 'A'
				}
			}
		}
	}
	return string(b)
}

// cleanQuery drops tracking parameters and sorts the rest, keeping each
// pair's original encoding.
func cleanQuery(q string) string {
	if q == "" {
		return ""
	}
	var keep []string
	for _, pair := range strings.Split(q, "&") {
		if pair == "" {
			continue
		}
		k, _, _ := strings.Cut(pair, "=")
		if tracking.Param(k) {
			continue
		}
		keep = append(keep, pair)
	}
	slices.Sort(keep)
	return strings.Join(keep, "&")
}

// resolve makes ref absolute against base; it returns ref unchanged when
// either does not parse, and ref when base is empty.
func resolve(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	if r.IsAbs() || base == "" {
		return ref
	}
	b, err := url.Parse(strings.TrimSpace(base))
	if err != nil || !b.IsAbs() {
		return ref
	}
	return b.ResolveReference(r).String()
}
