package opml

import (
	"bytes"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"bantin/config"
	"bantin/fold"
)

// This file plans an import: which feeds of a list become new sources of
// a config, under which ids, and which are skipped and why. Writing the
// sources into the config file is config.AddSources's job.

// maxIDLen caps the length of source ids made from titles.
const maxIDLen = 40

var languageTagRE = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{1,8})*$`)

// Plan is what an OPML list adds to a config.
type Plan struct {
	Sources     []config.SourceEntry
	Messages    []string // one line per skipped feed or outline, in document order
	Duplicates  int
	Unsupported int
	NoURL       []Feed // outlines meant as feeds that name no feed URL
}

// PlanImport turns the feeds of doc into new sources for a config that
// has the sources existing. A feed whose URL matches an existing source's
// (see urlKey) or an earlier feed of the list is skipped; the folders of a
// repeated feed are added to the tags of its first occurrence. Feeds that
// bantin cannot poll (scrapers, non-HTTP URLs) are skipped too, and so are
// outlines meant as feeds that name no feed URL (after the feeds in
// Messages). Ids are unique against the existing sources and each other.
func PlanImport(doc *Document, existing []config.Source) *Plan {
	plan := planFeeds(Feeds(doc), existing)
	plan.NoURL = FeedsWithoutURL(doc)
	for _, f := range plan.NoURL {
		plan.Messages = append(plan.Messages, "skipped outline without a feed URL: "+outlineName(f))
	}
	return plan
}

// Summary is the line that ends an import: how many sources were
// imported and how many feeds were skipped.
func (p *Plan) Summary() string {
	s := fmt.Sprintf("imported %s, skipped %s", plural(len(p.Sources), "source"), plural(p.Duplicates, "duplicate"))
	if p.Unsupported > 0 {
		s += fmt.Sprintf(" and %d unsupported", p.Unsupported)
	}
	if len(p.NoURL) > 0 {
		s += "; skipped " + NoURLSummary(p.NoURL)
	}
	return s
}

// maxNamed caps the outlines named in a summary line.
const maxNamed = 5

// NoURLSummary is "2 outlines without a feed URL: "A" (in Tech), "B"".
func NoURLSummary(fs []Feed) string {
	names := make([]string, 0, maxNamed+1)
	for i, f := range fs {
		if i == maxNamed {
			names = append(names, fmt.Sprintf("and %d more", len(fs)-maxNamed))
			break
		}
		names = append(names, outlineName(f))
	}
	return fmt.Sprintf("%s without a feed URL: %s", plural(len(fs), "outline"), strings.Join(names, ", "))
}

// outlineName names an outline for a message: its title, quoted, and the
// folders holding it.
func outlineName(f Feed) string {
	name := "(untitled)"
	if f.Title != "" {
		name = strconv.Quote(f.Title)
	}
	if len(f.Tags) > 0 {
		name += " in " + strings.Join(f.Tags, "/")
	}
	return name
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// planFeeds is PlanImport on the feeds of a list.
func planFeeds(feeds []Feed, existing []config.Source) *Plan {
	plan := &Plan{}
	taken := map[string]bool{}
	byURL := map[string]string{} // urlKey -> existing source id
	for _, s := range existing {
		taken[s.ID] = true
		if k, ok := urlKey(s.URL); ok {
			byURL[k] = s.ID
		}
	}
	planned := map[string]int{} // urlKey -> index in plan.Sources
	for _, f := range feeds {
		raw := feedURL(f.XMLURL)
		if f.IsScraper() {
			plan.Unsupported++
			plan.Messages = append(plan.Messages, fmt.Sprintf("skipped unsupported: %s (type %q is a web page scraper, not a feed)", raw, f.Type))
			continue
		}
		key, ok := urlKey(raw)
		if !ok {
			why := "only http and https feed URLs can be imported"
			if l := strings.ToLower(raw); strings.HasPrefix(l, "http:") || strings.HasPrefix(l, "https:") {
				why = "not a valid URL"
			}
			plan.Unsupported++
			plan.Messages = append(plan.Messages, fmt.Sprintf("skipped unsupported: %s (%s)", raw, why))
			continue
		}
		if id, ok := byURL[key]; ok {
			plan.Duplicates++
			plan.Messages = append(plan.Messages, fmt.Sprintf("skipped duplicate: %s (already source %s)", raw, id))
			continue
		}
		if i, ok := planned[key]; ok {
			plan.Duplicates++
			s := &plan.Sources[i]
			msg := fmt.Sprintf("skipped duplicate: %s (listed before as %s)", raw, s.ID)
			if added := mergeTags(s, f.Tags); added > 0 {
				msg += "; its folders were added to the tags"
			}
			plan.Messages = append(plan.Messages, msg)
			continue
		}
		s := config.SourceEntry{
			ID:    newID(f.Title, raw, taken),
			URL:   fold.NFC(raw),
			Title: fold.NFC(f.Title),
		}
		mergeTags(&s, f.Tags)
		if l := strings.ToLower(f.Language); languageTagRE.MatchString(l) {
			s.Language = l
		}
		planned[key] = len(plan.Sources)
		plan.Sources = append(plan.Sources, s)
	}
	return plan
}

// mergeTags adds the tags s lacks (compared by slug) and returns how many.
func mergeTags(s *config.SourceEntry, tags []string) int {
	have := map[string]bool{}
	for _, t := range s.Tags {
		have[fold.Slug(t)] = true
	}
	n := 0
	for _, t := range tags {
		t = fold.NFC(strings.TrimSpace(t))
		k := fold.Slug(t)
		if k == "" || have[k] {
			continue
		}
		have[k] = true
		s.Tags = append(s.Tags, t)
		n++
	}
	return n
}

// feedURL trims u, escapes the spaces some exporters leave in URLs, and
// rewrites the feed: pseudo-scheme ("feed://host/x", "feed:https://host/x")
// to HTTP.
func feedURL(u string) string {
	u = strings.ReplaceAll(strings.TrimSpace(u), " ", "%20")
	if len(u) > 5 && strings.EqualFold(u[:5], "feed:") {
		rest := u[5:]
		if strings.HasPrefix(rest, "//") {
			return "http:" + rest
		}
		return rest
	}
	return u
}

// urlKey returns the form in which two feed URLs are compared: scheme and
// host lowercased, default port, fragment and trailing slashes of the path
// dropped. ok is false unless raw is an http(s) URL with a host and no
// white space.
func urlKey(raw string) (key string, ok bool) {
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", false
	}
	u.Host = strings.ToLower(u.Host)
	if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
		u.Host = u.Hostname()
	}
	u.Fragment, u.RawFragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u.String(), true
}

// newID makes a source id from the title, else from the URL's host and
// path, unique against taken (with -2, -3, ... suffixes), and records it.
func newID(title, rawURL string, taken map[string]bool) string {
	base := idFrom(title)
	if base == "" {
		if u, err := url.Parse(rawURL); err == nil {
			host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
			p := strings.TrimSuffix(u.Path, "/")
			if ext := strings.ToLower(filepath.Ext(p)); ext == ".rss" || ext == ".xml" || ext == ".atom" || ext == ".json" {
				p = p[:len(p)-len(ext)]
			}
			base = idFrom(host + "/" + p)
		}
	}
	if base == "" {
		base = "source"
	}
	id := base
	for n := 2; taken[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	taken[id] = true
	return id
}

// idFrom slugs s and keeps what a source id may hold (a-z, 0-9 and single
// dashes, letters of other scripts separating words), at most maxIDLen
// bytes cut at a word boundary when there is one.
func idFrom(s string) string {
	slug := fold.Slug(s)
	b := make([]byte, 0, len(slug))
	dash := false
	for i := 0; i < len(slug); i++ {
		c := slug[i]
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash = false
			b = append(b, c)
			continue
		}
		dash = true
	}
	if len(b) > maxIDLen {
		cut := bytes.LastIndexByte(b[:maxIDLen+1], '-')
		if cut < maxIDLen/2 {
			cut = maxIDLen
		}
		b = bytes.TrimRight(b[:cut], "-")
	}
	return string(b)
}
