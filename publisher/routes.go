package publisher

import (
	"fmt"
	"net/http"
	"strings"

	"bantin/publisher/render"
)

// The route table: every path bantin answers over HTTP is in it. The
// publisher's own routes are ownRoutes, below; the daemon adds its own
// (/metrics, the WebSub hub and callback with Handle, the editors' desk
// with Register) before it calls Handler, so that `bantin run` and `bantin
// serve` answer through one table and one http.Server (NewHTTPServer).
// The fast path (Front) answers the feed routes (Route.Feed) and nothing
// else, and takes their paths from this table (feedRoutes), as URLs are
// minted from render.Dir, which the feed routes' patterns are made of.

// Route is a route of the table.
type Route struct {
	// Pattern is its http.ServeMux pattern.
	Pattern string
	// Feed is render.KindTopic or render.KindTag for a feed route, whose
	// {file} is SLUG.FORMAT (the feed) or SLUG (its HTML page): the fast
	// path answers plain GETs and HEADs of its first pages. "" for the
	// others.
	Feed string
	// Added: added with Handle, not one of the publisher's own.
	Added bool
}

// ownRoute is one of the publisher's own routes and its handler.
type ownRoute struct {
	Route
	handler func(*Server) http.HandlerFunc
}

// feedPattern is the pattern of the feed route of kind.
func feedPattern(kind string) string { return "GET " + render.Dir(kind) + "{file}" }

// ownRoutes are the publisher's routes, in the order they are added to
// its ServeMux.
var ownRoutes = []ownRoute{
	{Route{Pattern: feedPattern(kindTopic), Feed: kindTopic}, func(s *Server) http.HandlerFunc { return s.handleFeed(kindTopic) }},
	{Route{Pattern: feedPattern(kindTag), Feed: kindTag}, func(s *Server) http.HandlerFunc { return s.handleFeed(kindTag) }},
	{Route{Pattern: "GET /{$}"}, func(s *Server) http.HandlerFunc { return s.handleIndex }},
	{Route{Pattern: "GET /opml.xml"}, func(s *Server) http.HandlerFunc { return s.handleOPML }},
	{Route{Pattern: "GET /healthz"}, func(s *Server) http.HandlerFunc { return s.handleHealth }},
	{Route{Pattern: "GET /"}, func(s *Server) http.HandlerFunc { return s.handleUnknown }},
}

// feedRoute is what the fast path needs of a feed route: the path before
// {file}, and the kind of feed.
type feedRoute struct {
	prefix []byte
	kind   string
}

// feedRoutes are the feed routes of ownRoutes, for the fast path and the
// 404 page (set by init: handlers of ownRoutes read it).
var feedRoutes []feedRoute

func init() {
	for _, r := range ownRoutes {
		if r.Feed == "" {
			continue
		}
		// The fast path answers GET and HEAD (which a GET pattern takes)
		// of paths PREFIX + SLUG.FORMAT.
		prefix, ok := strings.CutSuffix(patternPath(r.Pattern), "{file}")
		if !ok || !strings.HasSuffix(prefix, "/") || !strings.HasPrefix(r.Pattern, "GET /") {
			panic(fmt.Sprintf("publisher: feed route %q is not GET /.../{file}", r.Pattern))
		}
		feedRoutes = append(feedRoutes, feedRoute{prefix: []byte(prefix), kind: r.Feed})
	}
}

// patternPath is the path of a ServeMux pattern, without its method and
// host.
func patternPath(pattern string) string {
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		return pattern[i:]
	}
	return pattern
}

// Routes returns the route table: the publisher's own routes, then those
// added with Handle, in order (the routes a Register function adds are
// in the table but not listed: a ServeMux does not tell its patterns).
func (s *Server) Routes() []Route {
	out := make([]Route, 0, len(ownRoutes))
	for _, r := range ownRoutes {
		out = append(out, r.Route)
	}
	s.extraMu.Lock()
	defer s.extraMu.Unlock()
	for _, r := range s.extra {
		if r.register == nil {
			out = append(out, Route{Pattern: r.pattern, Added: true})
		}
	}
	return out
}

// Handler returns the HTTP handler of the whole table.
func (s *Server) Handler() http.Handler {
	own := http.NewServeMux()
	for _, r := range ownRoutes {
		own.HandleFunc(r.Pattern, r.handler(s))
	}
	return s.withExtraRoutes(own)
}

// extraRoute is a route added with Handle, or routes added by a
// Register function.
type extraRoute struct {
	pattern  string
	h        http.Handler
	register func(*http.ServeMux)
}

// Register adds the routes register adds to a ServeMux (the web desk's
// pages) to the Server's route table, as Handle does; they must stay off
// the publisher's own paths too (Handler panics otherwise). Call it
// before Handler.
func (s *Server) Register(register func(mux *http.ServeMux)) {
	s.extraMu.Lock()
	defer s.extraMu.Unlock()
	s.extra = append(s.extra, extraRoute{register: register})
}

// Handle adds a route (an http.ServeMux pattern) to the Server's route
// table, beside its own (feeds, index, OPML, /healthz): the daemon adds
// /metrics and the WebSub hub and callback this way. Call it before
// Handler. A route's requests go to its handler, whatever the method;
// the rest to the publisher's routes. The publisher's own paths, and
// the feed routes' whole directories (/topics/, /tags/), which the fast
// path would answer before any added handler, are not for adding: Handle
// panics on them, as ServeMux does on conflicting patterns.
func (s *Server) Handle(pattern string, h http.Handler) {
	if takesOwnPath(patternPath(pattern)) {
		panic(fmt.Sprintf("publisher: route %q would take the publisher's own paths", pattern))
	}
	s.extraMu.Lock()
	defer s.extraMu.Unlock()
	s.extra = append(s.extra, extraRoute{pattern: pattern, h: h})
}

// takesOwnPath reports whether an added route's path would take paths of
// ownRoutes: a path under a feed route's directory, or one of the
// others' paths ("/" and "/{$}" both stand for the index and the
// catch-all).
func takesOwnPath(path string) bool {
	for _, r := range ownRoutes {
		own := patternPath(r.Pattern)
		switch {
		case r.Feed != "":
			if strings.HasPrefix(path, strings.TrimSuffix(own, "{file}")) {
				return true
			}
		case own == "/" || own == "/{$}":
			if path == "/" || path == "/{$}" {
				return true
			}
		case path == own:
			return true
		}
	}
	return false
}

// withExtraRoutes returns own (the publisher's routes) with the routes
// added by Handle and Register in front. It panics when an added route
// takes a request of one of the publisher's own routes (probed with a
// path of each).
func (s *Server) withExtraRoutes(own *http.ServeMux) http.Handler {
	s.extraMu.Lock()
	defer s.extraMu.Unlock()
	if len(s.extra) == 0 {
		return own
	}
	// Two muxes, one table: an added pattern without a method (the
	// WebSub paths) would conflict with the publisher's "GET /" in one.
	mux := http.NewServeMux()
	for _, r := range s.extra {
		if r.register != nil {
			r.register(mux)
		} else {
			mux.Handle(r.pattern, r.h)
		}
	}
	mux.Handle("/", own)
	for _, r := range ownRoutes {
		path := strings.Replace(strings.TrimSuffix(patternPath(r.Pattern), "{$}"), "{file}", "x.rss", 1)
		req, err := http.NewRequest(http.MethodGet, path, nil)
		if err != nil {
			panic(err)
		}
		if _, p := mux.Handler(req); p != "/" {
			panic(fmt.Sprintf("publisher: added route %q takes the publisher's %q", p, r.Pattern))
		}
	}
	return mux
}
