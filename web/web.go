// Package web serves the pages beyond the published feeds: search for
// readers (/search, and /search.rss, .atom, .json to subscribe to a
// search) and, when editors are configured, the editors' desk (/desk):
// sign-in, each topic's preview with pin / unpin / hide / unhide, what no
// topic took and the rules that nearly did, and trying a rule. Pages are
// server-rendered (html/template, no JavaScript) in the publisher's
// layout.
package web

import (
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"bantin/aggregator/classifier"
	"bantin/config"
	"bantin/db"
	"bantin/publisher/render"
)

//go:embed templates/*.html
var templateFS embed.FS

func pageTemplate(name string) *pageTmpl {
	b, err := templateFS.ReadFile("templates/" + name)
	if err != nil {
		panic(err)
	}
	return &pageTmpl{render.PageTemplate(string(b))}
}

// Web serves search and the desk. It is safe for concurrent use.
type Web struct {
	store *db.DB
	log   *slog.Logger
	now   func() time.Time
	state atomic.Pointer[state]

	sessions *sessions
	limiter  *limiter
}

// state is what a config gives: the config and its compiled topics.
type state struct {
	cfg *config.Config
	cl  *classifier.Classifier
}

// New returns the web pages for cfg over store.
func New(cfg *config.Config, store *db.DB, logger *slog.Logger) (*Web, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Web{store: store, log: logger, now: time.Now, sessions: newSessions(), limiter: newLimiter()}
	if err := w.Reload(cfg); err != nil {
		return nil, err
	}
	return w, nil
}

// Reload switches to cfg: topics, editors (sessions of editors no longer
// listed, or whose password changed, end), site.
func (w *Web) Reload(cfg *config.Config) error {
	cl, err := classifier.Compile(cfg.Topics)
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	w.state.Store(&state{cfg: cfg, cl: cl})
	w.sessions.keepOnly(cfg.Editors)
	return nil
}

func (w *Web) st() *state { return w.state.Load() }

// Register adds the routes to mux.
func (w *Web) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /search", w.handleSearch)
	for _, f := range render.Formats {
		mux.HandleFunc("GET /search."+f, w.handleSearchFeed(f))
	}
	mux.HandleFunc("GET /desk", w.editorsOnly(w.handleDesk))
	mux.HandleFunc("GET /desk/login", w.editorsOnly(w.handleLoginPage))
	mux.HandleFunc("POST /desk/login", w.editorsOnly(w.handleLogin))
	mux.HandleFunc("POST /desk/logout", w.editorsOnly(w.handleLogout))
	mux.HandleFunc("POST /desk/topics/{slug}/{action}", w.editorsOnly(w.handleCurate))
	mux.HandleFunc("POST /desk/try", w.editorsOnly(w.handleTry))
	mux.HandleFunc("GET /desk/explain", w.editorsOnly(w.handleExplain))
	mux.HandleFunc("/desk/", w.editorsOnly(http.NotFound))
}

// Handler returns a handler with the routes only (for tests).
func (w *Web) Handler() http.Handler {
	mux := http.NewServeMux()
	w.Register(mux)
	return mux
}

// editorsOnly answers 404 when no editor is configured: then no desk page
// exists.
func (w *Web) editorsOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if len(w.st().cfg.Editors) == 0 {
			http.NotFound(rw, r)
			return
		}
		h(rw, r)
	}
}
