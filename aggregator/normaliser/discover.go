package normaliser

import (
	"bytes"
	"mime"
	"net/url"
	"slices"
	"strings"

	"bantin/internal/dedupe"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// IsHTML reports whether body is an HTML page rather than a feed. The body
// decides when it is clear (a feed root element, JSON, or an HTML doctype /
// <html> / <head>); otherwise a text/html or application/xhtml+xml
// contentType does. Servers that label feeds text/html are thus handled.
func IsHTML(body []byte, contentType string) bool {
	switch sniffMarkup(body) {
	case "feed":
		return false
	case "html":
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(strings.ToLower(contentType), ";")
		mt = strings.TrimSpace(mt)
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// sniffMarkup looks at the first element of body: "feed", "html" or "".
func sniffMarkup(body []byte) string {
	head := body
	if len(head) > 4096 {
		head = head[:4096]
	}
	d := decode(head, "")
	s := bytes.TrimSpace(d.text)
	if len(s) > 0 && (s[0] == '{' || s[0] == '[') {
		return "feed"
	}
	lower := bytes.ToLower(s)
	for len(lower) > 0 {
		i := bytes.IndexByte(lower, '<')
		if i < 0 {
			return ""
		}
		lower = lower[i:]
		switch {
		case bytes.HasPrefix(lower, []byte("<?")):
			lower = skipPast(lower, "?>")
		case bytes.HasPrefix(lower, []byte("<!--")):
			lower = skipPast(lower, "-->")
		case bytes.HasPrefix(lower, []byte("<!doctype")):
			if bytes.HasPrefix(bytes.TrimSpace(lower[len("<!doctype"):]), []byte("html")) {
				return "html"
			}
			lower = skipPast(lower, ">")
		default:
			name := lower[1:]
			if j := bytes.IndexAny(name, " \t\r\n/>"); j >= 0 {
				name = name[:j]
			}
			switch string(name) {
			case "rss", "feed", "rdf:rdf", "channel":
				return "feed"
			case "html", "head", "body", "meta", "title", "link", "script", "div", "p":
				return "html"
			}
			return ""
		}
	}
	return ""
}

func skipPast(b []byte, end string) []byte {
	i := bytes.Index(b, []byte(end))
	if i < 0 {
		return nil
	}
	return b[i+len(end):]
}

// feedTypes are the link types Discover accepts.
var feedTypes = []string{
	"application/atom+xml",
	"application/rss+xml",
	"application/feed+json",
	"application/json",
	"application/rdf+xml",
	"application/xml",
	"text/xml",
}

// Discover returns the feed URLs an HTML page advertises with
// <link rel="alternate" type="application/rss+xml|atom+xml|feed+json|json">,
// resolved against the page's <base href> and baseURL, without duplicates,
// best first: in document order, except that comment feeds and generic
// XML/JSON types come after the dedicated feed types.
func Discover(body []byte, baseURL string) []string {
	d := decode(body, "")
	z := html.NewTokenizer(bytes.NewReader(d.text))
	base := baseURL
	sawBase := false
	type found struct {
		href string
		rank int
	}
	var links []found
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		a := atom.Lookup(name)
		if a != atom.Link && a != atom.Base || !hasAttr {
			continue
		}
		attrs := map[string]string{}
		for {
			k, v, more := z.TagAttr()
			attrs[strings.ToLower(string(k))] = string(v)
			if !more {
				break
			}
		}
		if a == atom.Base {
			if h := strings.TrimSpace(attrs["href"]); h != "" && !sawBase {
				base = resolve(baseURL, h)
				sawBase = true
			}
			continue
		}
		rels := strings.Fields(strings.ToLower(attrs["rel"]))
		if !slices.Contains(rels, "alternate") {
			continue
		}
		typ, _, _ := strings.Cut(strings.ToLower(attrs["type"]), ";")
		ti := slices.Index(feedTypes, strings.TrimSpace(typ))
		href := strings.TrimSpace(attrs["href"])
		if ti < 0 || href == "" {
			continue
		}
		rank := 0
		if ti >= 3 {
			rank = 1 // generic XML/JSON: maybe not a feed
		}
		title := strings.ToLower(attrs["title"])
		if strings.Contains(title, "comment") || strings.Contains(strings.ToLower(href), "comments") {
			rank += 2
		}
		links = append(links, found{href: href, rank: rank})
	}
	slices.SortStableFunc(links, func(x, y found) int { return x.rank - y.rank })
	var out []string
	var seen dedupe.Seen[string]
	for _, l := range links {
		u := resolve(base, l.href)
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https" && pu.Scheme != "file") {
			continue
		}
		if seen.Add(u) {
			out = append(out, u)
		}
	}
	return out
}
