package publisher

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// NewHTTPServer returns the net/http server that serves h for `bantin
// run`, `bantin serve` and Server.Serve: one set of timeouts and limits.
// Its errors (bad requests, TLS noise) are logged at warn level.
func NewHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// HTTPServer serves the connections of a listener: a Front, or the
// net/http server alone.
type HTTPServer interface {
	Serve(ln net.Listener) error
	Shutdown(ctx context.Context) error
	Close() error
}

// NewHTTP returns what serves hs's handler (which normally includes
// pub.Handler): with fastPath a Front for pub in front of hs (returned
// too, for its Stats), without it hs itself, so that plain net/http
// answers every request, and a nil Front.
func NewHTTP(pub *Server, hs *http.Server, fastPath bool) (HTTPServer, *Front) {
	if !fastPath {
		return hs, nil
	}
	f := NewFront(pub, hs)
	return f, f
}

// extraRoute is a route added with Handle, or routes added by a
// Register function.
type extraRoute struct {
	pattern  string
	h        http.Handler
	register func(*http.ServeMux)
}

// Register adds the routes register adds to a ServeMux (the web desk's
// pages) to the Server's route table, as Handle does; they must stay
// off the feed paths (/topics/, /tags/) too, which the fast path would
// answer first. Call it before Handler.
func (s *Server) Register(register func(mux *http.ServeMux)) {
	s.extraMu.Lock()
	defer s.extraMu.Unlock()
	s.extra = append(s.extra, extraRoute{register: register})
}

// Handle adds a route (an http.ServeMux pattern) to the Server's route
// table, beside its own (feeds, index, OPML, /healthz): the daemon adds
// /metrics and the WebSub hub and callback this way. Call it before
// Handler. A route's requests go to its handler, whatever the method;
// the rest to the publisher's routes. Feed paths (/topics/, /tags/)
// belong to the publisher and the fast path, which would answer them
// before any added handler: Handle panics on them, as ServeMux does on
// conflicting patterns.
func (s *Server) Handle(pattern string, h http.Handler) {
	path := pattern
	if i := strings.IndexByte(path, '/'); i > 0 {
		path = path[i:] // after "METHOD " or a host
	}
	if strings.HasPrefix(path, "/topics/") || strings.HasPrefix(path, "/tags/") || path == "/" || path == "/{$}" {
		panic(fmt.Sprintf("publisher: route %q would take the publisher's own paths", pattern))
	}
	s.extraMu.Lock()
	defer s.extraMu.Unlock()
	s.extra = append(s.extra, extraRoute{pattern: pattern, h: h})
}

// withExtraRoutes returns own (the publisher's routes) with the routes
// added by Handle in front.
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
	return mux
}
