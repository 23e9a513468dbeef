// Package iri converts IRIs (RFC 3987: URLs as people write them, with
// non-ASCII letters and spaces) into URIs (RFC 3986), the only form feed
// formats allow in link, href, url and src values.
package iri

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ToURI returns s as a URI: a non-ASCII host name (raw, or percent-encoded
// UTF-8 as net/url writes it) becomes its IDNA (punycode) form; in the user info, path, query and fragment every byte
// that may not appear in a URI (non-ASCII bytes of the UTF-8 text, white
// space, control characters, `"<>\^`{|}`, a '%' that starts no escape,
// a second '#') is percent-encoded. Existing %XX escapes are kept as they
// are, so ToURI is idempotent and never encodes twice. Relative references
// are converted the same way; s is trimmed of surrounding white space.
// Callers should put s in NFC first, so that both normal forms of one IRI
// give the same URI.
func ToURI(s string) string {
	s = strings.TrimSpace(s)
	if isURI(s) && !strings.Contains(authority(s), "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	rest := s
	if n := schemeLen(s); n > 0 {
		b.WriteString(s[:n+1])
		rest = s[n+1:]
	}
	if strings.HasPrefix(rest, "//") {
		auth := rest[2:]
		rest = ""
		if i := strings.IndexAny(auth, "/?#"); i >= 0 {
			auth, rest = auth[:i], auth[i:]
		}
		b.WriteString("//")
		writeAuthority(&b, auth)
	}
	escape(&b, rest, false)
	return b.String()
}

// isURI reports whether s needs no conversion: every byte is allowed in a
// URI, every '%' starts an escape and there is at most one '#'.
func isURI(s string) bool {
	hash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if !isEscape(s, i) {
				return false
			}
		case c == '#':
			if hash {
				return false
			}
			hash = true
		case mustEscape(c):
			return false
		}
	}
	return true
}

// authority returns the authority part of s ("" when s has none).
func authority(s string) string {
	rest := s[schemeLen(s):]
	rest = strings.TrimPrefix(rest, ":")
	if !strings.HasPrefix(rest, "//") {
		return ""
	}
	rest = rest[2:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// schemeLen returns the length of s's scheme (before the ':'), or 0 when
// s starts with none (RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )).
func schemeLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return i
		default:
			return 0
		}
	}
	return 0
}

// writeAuthority writes "userinfo@host:port" with the host in IDNA form and
// the user info escaped.
func writeAuthority(b *strings.Builder, auth string) {
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		escape(b, auth[:i], true)
		b.WriteByte('@')
		auth = auth[i+1:]
	}
	host, port := auth, ""
	if i := strings.LastIndexByte(auth, ':'); i >= 0 && !strings.Contains(auth[i:], "]") {
		host, port = auth[:i], auth[i:]
	}
	b.WriteString(asciiHost(host))
	escape(b, port, true)
}

// asciiHost returns host in ASCII: its percent-escapes decoded when they
// spell plain host characters (net/url percent-encodes the UTF-8 of a
// non-ASCII name), then unchanged when that is ASCII, else its IDNA lookup
// form (Punycode labels, lower case), else (a name IDNA rejects)
// percent-encoded, which RFC 3986 allows in a host name. Applying it to
// its own result changes nothing.
func asciiHost(host string) string {
	h := host
	if strings.Contains(h, "%") {
		if dec, err := url.PathUnescape(h); err == nil && utf8.ValidString(dec) && plainHost(dec) {
			h = dec
		}
	}
	ascii := true
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			ascii = false
			break
		}
	}
	switch {
	case ascii && isURI(h):
		return h
	case !ascii && !strings.Contains(h, "%"):
		for _, p := range []*idna.Profile{idna.Lookup, idna.Punycode} {
			if a, err := p.ToASCII(h); err == nil && isURI(a) && !strings.Contains(a, "%") {
				return a
			}
		}
	}
	var b strings.Builder
	escape(&b, h, true)
	return b.String()
}

// plainHost reports whether a decoded host holds no delimiter, space,
// escape or control character (so decoding its escapes changed no
// structure).
func plainHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if c := h[i]; c <= ' ' || c == 0x7f || strings.IndexByte("/?#[]@:%\\", c) >= 0 {
			return false
		}
	}
	return true
}

// escape writes s percent-encoding what a URI may not hold. In a component
// (part true) every '#' is encoded; otherwise the first '#' starts the
// fragment and only later ones are.
func escape(b *strings.Builder, s string, part bool) {
	hash := part
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && isEscape(s, i):
			b.WriteByte(c)
		case c == '#' && !hash:
			hash = true
			b.WriteByte(c)
		case c == '%' || c == '#' || mustEscape(c):
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		default:
			b.WriteByte(c)
		}
	}
}

const hexDigits = "0123456789ABCDEF"

// mustEscape reports whether byte c may not appear literally in a URI.
func mustEscape(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return true
	}
	switch c {
	case '"', '<', '>', '\\', '^', '`', '{', '|', '}':
		return true
	}
	return false
}

// isEscape reports whether s[i] (a '%') starts a %XX escape.
func isEscape(s string, i int) bool {
	return i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
