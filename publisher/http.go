package publisher

import (
	"context"
	"log/slog"
	"net"
	"net/http"
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
