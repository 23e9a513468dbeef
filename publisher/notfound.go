package publisher

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"bantin/config"
	"bantin/fold"
	"bantin/publisher/render"
)

// What readers read when a request fails: words, never package names or
// Go errors (those go to the log).
const (
	badCursorText   = "This page of the feed does not exist: the before= value is not one of the feed's own next-page links."
	unavailableText = "The feeds cannot be read right now. Please try again later."
	internalText    = "Something went wrong while preparing this feed. Please try again later."
)

// notFound answers 404 for a topic or tag feed that does not exist: slug
// and format as requested (format "" when the file has no extension),
// with the nearest feed suggested when one exists.
func (s *Server) notFound(w http.ResponseWriter, ctx context.Context, kind, slug, format string) {
	http.Error(w, s.notFoundText(ctx, kind, slug, format), http.StatusNotFound)
}

func (s *Server) notFoundText(ctx context.Context, kind, slug, format string) string {
	cfg := s.cfg.Load()
	var b strings.Builder
	switch {
	case format == formatHTML:
		fmt.Fprintf(&b, "Không có chủ đề hay thẻ %q (no topic or tag named %q).\n", slug, slug)
	case format == "":
		fmt.Fprintf(&b, "%q is not a feed: a feed's address ends in .rss, .atom or .json.\n", slug)
	case render.ContentType(format) == "":
		fmt.Fprintf(&b, "There is no feed format %q: a feed's address ends in .rss, .atom or .json.\n", "."+format)
	default:
		fmt.Fprintf(&b, "No topic or tag named %q.\n", slug)
	}
	s.suggest(&b, ctx, cfg, kind, slug, format)
	return b.String()
}

// handleUnknown answers 404, in words, for a path no route takes
// (/topics/x.atom/, /favicon.ico): under /topics/ or /tags/ with the feed
// the reader most likely meant.
func (s *Server) handleUnknown(w http.ResponseWriter, r *http.Request) {
	cfg := s.cfg.Load()
	var b strings.Builder
	fmt.Fprintf(&b, "There is no page at %s.\n", r.URL.EscapedPath())
	for _, k := range feedRoutes {
		if rest, ok := strings.CutPrefix(r.URL.Path, string(k.prefix)); ok {
			file := strings.Trim(rest, "/")
			file = file[strings.LastIndexByte(file, '/')+1:]
			slug, format, ok := splitFeedFile(file)
			if !ok {
				slug, format = file, ""
			}
			if slug != "" {
				s.suggest(&b, r.Context(), cfg, k.kind, slug, format)
				http.Error(w, b.String(), http.StatusNotFound)
				return
			}
		}
	}
	fmt.Fprintf(&b, "Every feed is listed at %s/", render.BaseURL(cfg))
	http.Error(w, b.String(), http.StatusNotFound)
}

// suggest writes to b the feed nearest to kind/slug, if any (in format,
// RSS when format is not one), and where every feed is listed.
func (s *Server) suggest(b *strings.Builder, ctx context.Context, cfg *config.Config, kind, slug, format string) {
	base := render.BaseURL(cfg)
	if near, nearKind := s.nearFeed(ctx, cfg, kind, slug); near != "" {
		page := format == formatHTML
		if render.ContentType(format) == "" {
			format = "rss"
		}
		u := render.FeedURL(base, nearKind, near, format)
		if page {
			u = base + render.PagePath(nearKind, near)
		}
		if near == slug {
			fmt.Fprintf(b, "The %s %q is at %s\n", nearKind, near, u)
		} else {
			fmt.Fprintf(b, "Did you mean the %s %q? %s\n", nearKind, near, u)
		}
	}
	fmt.Fprintf(b, "Every feed is listed at %s/", base)
}

// nearFeed returns the feed a reader asking for kind/slug most likely
// meant, and its kind: the same slug (as written, or folded: case,
// diacritics, đ) among the topics (or their former slugs, aliases:) or
// the tags with items, else the
// closest one in edit distance (config.Suggest), topics and tags of the
// requested kind first. "" when none is close.
func (s *Server) nearFeed(ctx context.Context, cfg *config.Config, kind, slug string) (string, string) {
	topics := make([]string, 0, len(cfg.Topics))
	for _, t := range cfg.Topics {
		topics = append(topics, t.Slug)
	}
	var tags []string
	if list, err := s.tagList(ctx); err == nil {
		for _, t := range list {
			tags = append(tags, t.Slug)
		}
	}
	kinds := []struct {
		kind  string
		slugs []string
	}{{kindTopic, topics}, {kindTag, tags}}
	if kind == kindTag {
		kinds[0], kinds[1] = kinds[1], kinds[0]
	}
	folded := fold.Slug(slug)
	for _, k := range kinds {
		for _, want := range []string{slug, folded} {
			if want != "" && slices.Contains(k.slugs, want) {
				return want, k.kind
			}
			if t, ok := cfg.TopicByAlias(want); ok && want != "" && k.kind == kindTopic {
				return t.Slug, kindTopic
			}
		}
	}
	if folded == "" || len(folded) > 200 {
		return "", ""
	}
	for _, k := range kinds {
		if near := config.Suggest(folded, k.slugs); near != "" {
			return near, k.kind
		}
	}
	return "", ""
}
