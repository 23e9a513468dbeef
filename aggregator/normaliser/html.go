package normaliser

import (
	"bytes"
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
// event handlers; URLs http, https and mailto, rel="nofollow" on links)
// plus data: URLs for raster images (never SVG, never on links: the
// absolutising pass drops data: outside img src). A Policy is safe for
// concurrent use once built.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemeWithCustomPolicy("data", func(u *url.URL) bool {
		return u.RawQuery == "" && u.Fragment == "" && dataImageRe.MatchString(u.Opaque)
	})
	p.RequireNoReferrerOnFullyQualifiedLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}()

var dataImageRe = regexp.MustCompile(`^image/(gif|jpeg|jpg|png|webp|avif)(;[a-z0-9=.-]+)*;base64,[A-Za-z0-9+/=\s]*$`)

// urlAttrs are the attributes whose values are URLs to make absolute.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true, "longdesc": true}

// sanitise returns fragment as safe HTML with relative URLs made absolute
// against base, in NFC.
func sanitise(fragment, base string) string {
	fragment = strings.TrimSpace(fragment)
	if fragment == "" {
		return ""
	}
	out := policy.Sanitize(absolutise(fragment, base))
	return nfc(strings.TrimSpace(out))
}

// absolutise rewrites href/src/srcset/... in fragment to absolute URLs
// against base and drops data: URLs anywhere but <img src>. Text and other
// markup pass through for the sanitiser to judge.
func absolutise(fragment, base string) string {
	if !strings.Contains(fragment, "=") {
		return fragment
	}
	z := nethtml.NewTokenizer(strings.NewReader(fragment))
	var buf bytes.Buffer
	buf.Grow(len(fragment) + 64)
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			break
		}
		if tt != nethtml.StartTagToken && tt != nethtml.SelfClosingTagToken {
			buf.Write(z.Raw())
			continue
		}
		tok := z.Token()
		for i := range tok.Attr {
			a := &tok.Attr[i]
			key := strings.ToLower(a.Key)
			switch {
			case urlAttrs[key]:
				v := strings.TrimSpace(a.Val)
				if strings.HasPrefix(strings.ToLower(v), "data:") {
					if !(tok.DataAtom == atom.Img && key == "src") {
						a.Val = ""
					}
					continue
				}
				a.Val = resolve(base, v)
			case key == "srcset":
				a.Val = resolveSrcset(base, a.Val)
			}
		}
		buf.WriteString(tok.String())
	}
	return buf.String()
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
