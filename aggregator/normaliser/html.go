package normaliser

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// policy is the sanitiser for republished HTML: bluemonday's UGC policy
// (paragraphs, links, lists, emphasis, images, figures, tables, quotes,
// code, headings; no script, style, iframe, object, embed, form, meta or
// event handlers, no srcset; URLs http, https and mailto, rel="nofollow
// noreferrer" on links)
// plus data: URLs for raster images (never SVG, never on links: the
// absolutising pass drops data: outside img src). A Policy is safe for
// concurrent use once built.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemeWithCustomPolicy("data", func(u *url.URL) bool {
		return u.RawQuery == "" && u.Fragment == "" && dataImageRe.MatchString(u.Opaque)
	})
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}()

var dataImageRe = regexp.MustCompile(`^image/(gif|jpeg|jpg|png|webp|avif)(;[a-z0-9=.-]+)*;base64,[A-Za-z0-9+/=\s]*$`)

// sanitise returns fragment as safe HTML with relative URLs made absolute
// against base, in NFC.
func sanitise(fragment, base string) string {
	fragment = strings.TrimSpace(fragment)
	if fragment == "" {
		return ""
	}
	if !strings.ContainsAny(fragment, "<>&\"'") {
		return nfc(fragment) // plain text: nothing to sanitise or escape
	}
	out := absolutise(policy.Sanitize(fragment), base)
	return nfc(strings.TrimSpace(out))
}

// urlAttrs are the URL-valued attributes.
var urlAttrs = map[string]bool{"href": true, "src": true, "srcset": true, "cite": true, "poster": true, "longdesc": true}

// absolutise rewrites the URL attributes of sanitised HTML to absolute URLs
// against base, and drops data: URLs anywhere but <img src>. It relies on
// the sanitiser's output form: attribute values double-quoted and escaped,
// and '"' escaped in text, so `name="` can only occur inside a tag.
func absolutise(clean, base string) string {
	if !strings.Contains(clean, `="`) {
		return clean
	}
	var b strings.Builder
	b.Grow(len(clean) + 64)
	done := 0 // clean[:done] is written
	pos := 0
	for {
		i := strings.Index(clean[pos:], `="`)
		if i < 0 {
			break
		}
		i += pos
		start := i + 2
		end := strings.IndexByte(clean[start:], '"')
		if end < 0 {
			break
		}
		end += start
		pos = end + 1
		n := i
		for n > 0 && (clean[n-1] >= 'a' && clean[n-1] <= 'z' || clean[n-1] == '-') {
			n--
		}
		attr := clean[n:i]
		if !urlAttrs[attr] || n == 0 || clean[n-1] != ' ' {
			continue
		}
		val := html.UnescapeString(clean[start:end])
		switch {
		case attr == "srcset":
			val = resolveSrcset(base, val)
		case strings.HasPrefix(strings.ToLower(strings.TrimSpace(val)), "data:"):
			if !(attr == "src" && tagName(clean[:n]) == "img") {
				b.WriteString(clean[done : n-1]) // drop ` attr="data:..."`
				done = end + 1
				continue
			}
		default:
			val = resolve(base, val)
		}
		b.WriteString(clean[done:start])
		b.WriteString(html.EscapeString(val))
		done = end
	}
	b.WriteString(clean[done:])
	return b.String()
}

// tagName returns the name of the tag open at the end of s.
func tagName(s string) string {
	i := strings.LastIndexByte(s, '<')
	if i < 0 {
		return ""
	}
	name := s[i+1:]
	if j := strings.IndexAny(name, " \t\n/>"); j >= 0 {
		name = name[:j]
	}
	return strings.ToLower(name)
}

func resolveSrcset(base, v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		f[0] = resolve(base, f[0])
		parts[i] = strings.Join(f, " ")
	}
	return strings.Join(parts, ", ")
}

// tagRe recognises markup in a title (as opposed to a lone "<" in text).
var tagRe = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9:-]*(\s[^<>]*)?/?>|<!--`)

// plainText renders s (text that may hold HTML markup and character
// references) as plain text: tags removed (script/style content dropped),
// references decoded exactly once, white space collapsed, NFC.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return nfc(collapseSpace(s))
	}
	if !tagRe.MatchString(s) {
		return nfc(collapseSpace(html.UnescapeString(s)))
	}
	z := nethtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			return nfc(collapseSpace(b.String()))
		case nethtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Template:
				if tt == nethtml.StartTagToken {
					skip++
				} else if tt == nethtml.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Br, atom.P, atom.Div, atom.Li, atom.Tr, atom.Td, atom.Th,
				atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Hr:
				b.WriteByte(' ')
			}
		}
	}
}

// collapseSpace trims s and turns every run of white space (including
// no-break spaces and zero-width junk) into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			space = true
			continue
		}
		if unicode.IsControl(r) {
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// excerpt returns the first words of the plain text of an HTML fragment,
// at most n runes, for items that have no title.
func excerpt(fragment string, n int) string {
	t := plainText(fragment)
	r := []rune(t)
	if len(r) <= n {
		return t
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:-") + "…"
}
