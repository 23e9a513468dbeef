package publisher

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"bantin/config"
	"bantin/publisher/render"
)

// The Server is the site of the WebSub hub and announcer (websub.Feeds):
// the methods below tell them the site's feeds, by name ("topic/SLUG",
// "tag/SLUG") and by URL, and their current first pages.

// feedHubs is the hub list feeds advertise: websub.hubs, plus the
// built-in hub when websub.builtin is on.
func feedHubs(cfg *config.Config) []string {
	if !cfg.WebSub.Builtin {
		return cfg.WebSub.Hubs
	}
	own := render.BaseURL(cfg) + config.BuiltinHubPath
	if slices.Contains(cfg.WebSub.Hubs, own) {
		return cfg.WebSub.Hubs
	}
	return append(slices.Clip(cfg.WebSub.Hubs), own)
}

// Config returns the configuration the Server publishes (the last
// Reload's).
func (s *Server) Config() *config.Config { return s.cfg.Load() }

// BaseURL is the site's base URL: base_url without a trailing slash, or
// where it listens.
func (s *Server) BaseURL() string { return render.BaseURL(s.cfg.Load()) }

// SyncChanges makes the render cache reflect the database's change
// sequence now and returns it.
func (s *Server) SyncChanges(ctx context.Context) (int64, error) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	return s.syncSeqLocked(ctx)
}

// FeedNames lists the configured topics and the tags with items, as
// "topic/SLUG" and "tag/SLUG".
func (s *Server) FeedNames(ctx context.Context) ([]string, error) {
	var names []string
	for _, t := range s.cfg.Load().Topics {
		names = append(names, kindTopic+"/"+t.Slug)
	}
	tags, err := s.tagList(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		names = append(names, kindTag+"/"+t.Slug)
	}
	return names, nil
}

// FeedURLs lists the URLs of feed name's first page, one per format.
func (s *Server) FeedURLs(name string) []string {
	kind, slug, _ := strings.Cut(name, "/")
	base := render.BaseURL(s.cfg.Load())
	urls := make([]string, 0, len(render.Formats))
	for _, format := range render.Formats {
		urls = append(urls, render.FeedURL(base, kind, slug, format))
	}
	return urls
}

// ParseFeedURL maps the URL of one of the site's first pages to its feed
// name and format and to its URL now (a former URL of a renamed topic
// stands for the topic).
func (s *Server) ParseFeedURL(u string) (name, format, canon string, ok bool) {
	key, canon, ok := hubTopic(s.cfg.Load(), u)
	if !ok {
		return "", "", "", false
	}
	return key.kind + "/" + key.slug, key.format, canon, true
}

// FirstPage returns the first page of feed name in format as the
// database is now, with its Content-Type and ETag; a nil body when there
// is no such feed.
func (s *Server) FirstPage(ctx context.Context, name, format string) ([]byte, http.Header, error) {
	kind, slug, _ := strings.Cut(name, "/")
	if kind != kindTopic && kind != kindTag || render.ContentType(format) == "" {
		return nil, nil, nil
	}
	res, err := s.current(ctx, cacheKey{kind: kind, slug: slug, format: format})
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	return res.body, http.Header{"Content-Type": {res.contentType}, "Etag": {res.etag}}, nil
}

// topicKey maps one of our first-page feed URLs to its cache key.
func topicKey(cfg *config.Config, topic string) (cacheKey, bool) {
	base := render.BaseURL(cfg)
	rest, ok := strings.CutPrefix(topic, base)
	if !ok {
		return cacheKey{}, false
	}
	kind := ""
	for _, r := range feedRoutes { // the route table's feed routes
		if file, ok := strings.CutPrefix(rest, string(r.prefix)); ok {
			kind, rest = r.kind, file
			break
		}
	}
	if kind == "" {
		return cacheKey{}, false
	}
	dot := strings.LastIndexByte(rest, '.')
	if dot <= 0 || strings.ContainsAny(rest, "/?#") {
		return cacheKey{}, false
	}
	slug, err := url.PathUnescape(rest[:dot])
	format := rest[dot+1:]
	if err != nil || render.ContentType(format) == "" || render.FeedURL(base, kind, slug, format) != topic {
		return cacheKey{}, false
	}
	return cacheKey{kind: kind, slug: slug, format: format}, true
}

// hubTopic maps a topic URL of a subscription to the feed it stands for
// and that feed's URL now: a former slug of a renamed topic (aliases:)
// stands for the topic, under its new URL.
func hubTopic(cfg *config.Config, topic string) (key cacheKey, canon string, ok bool) {
	key, ok = topicKey(cfg, topic)
	if !ok || key.kind != kindTopic {
		return key, topic, ok
	}
	if t, renamed, found := cfg.ResolveTopic(key.slug); found && renamed {
		key.slug = t.Slug
		return key, render.FeedURL(render.BaseURL(cfg), kindTopic, t.Slug, key.format), true
	}
	return key, topic, true
}
