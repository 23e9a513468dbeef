package publisher

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"bantin/config"
	"bantin/db"
	"bantin/publisher/render"
)

// store is the part of *db.DB the server reads; tests may substitute it.
type store interface {
	TopicItems(ctx context.Context, slug string, q db.ItemQuery) ([]db.Item, error)
	TagItems(ctx context.Context, slug string, q db.ItemQuery) ([]db.Item, error)
	Tags(ctx context.Context) ([]db.Tag, error)
	ChangeSeq(ctx context.Context) (int64, error)
	Curations(ctx context.Context, topic string) ([]db.Curation, error)
	Item(ctx context.Context, id int64) (db.Item, error)
	ItemByLink(ctx context.Context, link string) (db.Item, error)
	FeedVersion(ctx context.Context, key string) (string, time.Time, error)
	SetFeedVersion(ctx context.Context, key, etag string, since time.Time) error
}

// changeLog is what a store that records which feeds each write changed
// offers (*db.DB does): with it, a change drops only those feeds from
// the render cache, else every one.
type changeLog interface {
	FeedChanges(ctx context.Context, since int64) (int64, []string, error)
}

// changeWatcher calls changed as writes move the change sequence (*db.DB).
type changeWatcher interface {
	WatchChanges(ctx context.Context, retry time.Duration, changed func()) error
}

// versionBatcher records several feed versions in one write (*db.DB).
type versionBatcher interface {
	SetFeedVersions(ctx context.Context, vs []db.FeedVersionRecord) error
}

// Server serves the published feeds, the index page, OPML and /healthz.
// Each response body is rendered once per content change and kept until
// the database says the feed changed (its change sequence is checked at
// most once per SeqCheckInterval; the database records which feeds each
// write changed, so a write to one source's items drops only the topic
// and tag feeds that hold them, and the index and OPML only when what
// they show changed) or Reload is called; topic pages with max_age are
// also re-rendered every minute. While Run runs, changed feeds are
// re-rendered in the background and requests are answered with the
// previous bytes meanwhile (for at most MaxStale), so no reader waits
// for a render of a feed that is already cached. Every response carries
// a strong ETag (a sha256 prefix of the bytes; the gzip copy's ends in
// "-gz") and a Last-Modified that is the time the bytes were first
// served (recorded in the database for first pages, in one write per
// second at most, so it survives restarts): a re-render that yields the
// same bytes keeps it, and curation changes that do not touch item
// dates still move it. It is safe for concurrent use.
type Server struct {
	store  store
	log    *slog.Logger
	cfg    atomic.Pointer[config.Config]
	now    func() time.Time
	render singleflight.Group

	// SeqCheckInterval bounds how often a request reads the change
	// sequence; 0 means on every request. New sets 200ms.
	SeqCheckInterval time.Duration
	// HealthDetail, when set, returns a line /healthz adds after "ok"
	// (something an operator should know that does not make the instance
	// unhealthy: its config differing from its peers').
	HealthDetail func() string

	mu      sync.RWMutex
	gen     uint64        // bumped when the whole cache is dropped
	genA    atomic.Uint64 // gen, for readers without mu (the Front)
	seq     int64         // change sequence the cache reflects
	entries map[cacheKey]*rendered
	prev    map[cacheKey]*rendered // previous generation, for Last-Modified
	tags    []db.Tag               // tags with items, nil until loaded
	// inval counts invalidations; changed maps each dependency (see
	// depOf) to the count of its last one, so that a render that
	// overlapped a change of its feed is not kept as current.
	inval   uint64
	changed map[string]uint64
	// indexTopics: each topic's first entries as the index last showed
	// them (indexEntries).
	indexTopics map[string]indexEntries

	seqMu   sync.Mutex
	seqNext atomic.Int64 // unix nanos of the next change sequence check

	// Background re-rendering (Run): the keys of stale responses to
	// render again, and a wake-up for the loop.
	running   atomic.Bool
	pendingMu sync.Mutex
	pending   map[cacheKey]pendingKey
	pendingQ  []cacheKey // the keys of pending, each once, oldest first
	wake      chan struct{}

	// Feed versions waiting to be recorded (one write per flush).
	versMu      sync.Mutex
	versions    map[string]db.FeedVersionRecord
	versFlusher bool

	renders  atomic.Int64   // responses rendered (Renders)
	stale    atomic.Int64   // stale responses served (StaleServed)
	onRender func(cacheKey) // test hook, called after each render

	extraMu sync.Mutex
	extra   []extraRoute // added by Handle
}

// MaxStale bounds how long, while Run runs, a changed feed is answered
// with its previous bytes while its new version waits for the background
// renderer (normally well under a second: one render after the change
// sequence check; under a load of changes the renderer cannot keep up
// with, each stale feed waits its turn, oldest first, for a few seconds);
// beyond it, which takes a renderer that is stuck, a request renders the
// feed itself. Requests do not render cached feeds before: when they did
// (after 30 s), under load they rendered one format at a time, as often
// as they liked, and took the CPU the renderer's rest leaves the poller.
const MaxStale = 2 * time.Minute

// idleRender is how long a cached response may go unrequested and still
// be re-rendered in the background when its feed changes; after that it
// is dropped at the change and rendered again when it is asked for.
const idleRender = 10 * time.Minute

// renderRest is how many times as long as a background render took the
// renderer rests after it while it keeps up: 2 bounds it to a third of a
// core. (At 1, half a core, the poller kept 90% of its pace under
// readers.) The rest shrinks as the oldest change waiting to be rendered
// ages from restFull to restNone, and the renderer does not rest at all
// beyond: a change reaches the published feed within about a second
// while the renderer can keep up at all.
const (
	renderRest = 2
	restFull   = 200 * time.Millisecond
	restNone   = 600 * time.Millisecond
)

// restFor is how long the renderer rests after a render that took took,
// when the oldest change waiting to be rendered is age old.
func restFor(took, age time.Duration) time.Duration {
	switch {
	case age <= restFull:
		return renderRest * took
	case age >= restNone:
		return 0
	}
	return time.Duration(float64(renderRest*took) * float64(restNone-age) / float64(restNone-restFull))
}

// versionFlushDelay is how long rendered feed versions gather before
// they are recorded in one write.
const versionFlushDelay = time.Second

// seqCheck is how often New's Server reads the change sequence (a read
// of one row, and of the feeds changed when it moved): the most a change
// waits before the renderer hears of it.
const seqCheck = 200 * time.Millisecond

// maxCached bounds the cached responses; beyond it (many distinct paging
// cursors) responses are rendered per request.
const maxCached = 4096

// New returns a Server publishing cfg's topics from store.
func New(cfg *config.Config, database *db.DB, logger *slog.Logger) *Server {
	var st store // stays a nil interface for a nil *db.DB
	if database != nil {
		st = database
	}
	return newServer(cfg, st, logger)
}

func newServer(cfg *config.Config, st store, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: st, log: logger, now: time.Now, SeqCheckInterval: seqCheck, seq: -1,
		changed: map[string]uint64{}, pending: map[cacheKey]pendingKey{}, wake: make(chan struct{}, 1)}
	s.cfg.Store(cfg)
	s.resetLocked()
	return s
}

// Reload switches to cfg (topics, base_url, intervals, hubs) and drops
// every cached response.
func (s *Server) Reload(cfg *config.Config) {
	s.cfg.Store(cfg)
	s.mu.Lock()
	s.resetLocked()
	s.mu.Unlock()
}

// resetLocked drops the cache, keeping the previous responses' validators
// so that an unchanged response keeps its Last-Modified.
func (s *Server) resetLocked() {
	prev := s.prev
	if prev == nil || len(s.entries) > 0 {
		prev = s.entries
	}
	s.prev = prev
	for _, r := range s.entries {
		r.retire() // kept in prev for its validators only
	}
	s.entries = map[cacheKey]*rendered{}
	s.indexTopics = map[string]indexEntries{}
	s.tags = nil
	s.gen++
	s.genA.Store(s.gen)
	s.inval++
}

// CacheBytes returns the size of the rendered bodies the cache holds
// (identity and gzip), current and previous generation.
func (s *Server) CacheBytes() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var n int64
	for _, m := range []map[cacheKey]*rendered{s.entries, s.prev} {
		for _, r := range m {
			n += int64(len(r.body)) + int64(r.gzSize.Load())
		}
	}
	return n
}

// Renders returns how many responses the server has rendered.
func (s *Server) Renders() int64 { return s.renders.Load() }

// StaleServed returns how many requests got the previous version of a
// changed feed while its new version was rendering.
func (s *Server) StaleServed() int64 { return s.stale.Load() }

// depOf names what the response for key depends on, for invalidation:
// "topic/SLUG", "tag/SLUG", "index", "opml" (the config only) or
// "opml/tags".
func depOf(key cacheKey) string {
	switch key.kind {
	case kindTopic, kindTag:
		return key.kind + "/" + key.slug
	case "opml":
		if key.slug != "" {
			return "opml/" + key.slug
		}
	}
	return key.kind
}

// invalidateLocked marks stale the cached responses that the changed
// feeds (db.FeedChanges keys) affect: the feeds themselves, the index
// for any topic or tag, the tag OPML for the tag list. s.mu is held.
func (s *Server) invalidateLocked(keys []string, now time.Time) {
	if len(keys) == 0 {
		return
	}
	s.inval++
	deps := map[string]bool{"index": true}
	for _, k := range keys {
		switch {
		case k == "tags":
			deps["opml/tags"] = true
			s.tags = nil
		case strings.HasPrefix(k, "tag/"):
			deps[k] = true
			s.tags = nil // counts changed
		default:
			deps[k] = true
		}
	}
	for d := range deps {
		s.changed[d] = s.inval
	}
	for key, res := range s.entries {
		if deps[depOf(key)] {
			if key.cursor != "" || res.idle(now) {
				// Older pages, and responses nobody asked for lately (a
				// format no reader uses), are rendered on demand.
				delete(s.entries, key)
				res.retire()
				continue
			}
			res.markStale(now)
			s.queue(key, false)
		}
	}
}

// pendingKey is a key waiting for the background renderer.
type pendingKey struct {
	wanted bool      // a request asked for it while it waited
	since  time.Time // when it was queued (wall clock)
}

// queue asks the Run loop to render key again (no-op without Run);
// wanted says a request asked for it meanwhile (those go first).
func (s *Server) queue(key cacheKey, wanted bool) {
	if !s.running.Load() {
		return
	}
	s.pendingMu.Lock()
	if p, ok := s.pending[key]; !ok {
		s.pending[key] = pendingKey{wanted: wanted, since: time.Now()}
		s.pendingQ = append(s.pendingQ, key)
	} else if wanted && !p.wanted {
		p.wanted = true
		s.pending[key] = p
	}
	s.pendingMu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run keeps the render cache current until ctx ends: it checks the
// change sequence every SeqCheckInterval (at least every 100 ms), renders
// changed feeds that are cached again in the background (one at a time
// while it keeps up, resting after each render twice as long as it took,
// so that rendering takes at most a third of a core from the poller;
// resting less as changes wait longer, and with a second renderer once
// they wait restNone: see restFor and helpRender). Serve runs it.
func (s *Server) Run(ctx context.Context) {
	if s.store == nil {
		return
	}
	s.running.Store(true)
	defer s.running.Store(false)
	if w, ok := s.store.(changeWatcher); ok {
		// Changes by any instance, as they commit (PostgreSQL); the
		// check below every SeqCheckInterval stays as the fallback.
		go w.WatchChanges(ctx, 5*time.Second, func() {
			s.seqNext.Store(0)
			s.checkSeq(ctx, s.now())
		})
	}
	var help sync.WaitGroup
	defer help.Wait()
	help.Go(func() { s.helpRender(ctx) })
	tick := time.NewTicker(max(s.SeqCheckInterval, 100*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.checkSeq(ctx, s.now())
		case <-s.wake:
		}
		for ctx.Err() == nil {
			start := time.Now()
			if !s.renderPending(ctx) {
				break
			}
			// Rest (restFor): while the renderer keeps up, background
			// rendering takes at most a third of a core from the
			// poller, and a feed that changes meanwhile is rendered
			// once for all its changes; when changes wait longer, it
			// rests less, and not at all when they wait restNone.
			if rest := restFor(time.Since(start), s.backlogAge()); rest > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(rest):
				}
			}
			s.checkSeq(ctx, s.now()) // changes go on arriving while it renders
		}
	}
}

// helpRender renders pending keys beside the Run loop while the oldest
// has waited restNone (the Run loop then does not rest either): when
// changes come faster than one renderer can render them, two do, so
// that a change still reaches the feeds within about a second.
func (s *Server) helpRender(ctx context.Context) {
	tick := time.NewTicker(restNone / 8)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for ctx.Err() == nil && s.backlogAge() >= restNone && s.renderPending(ctx) {
		}
	}
}

// backlogAge is how long the oldest key waiting for the background
// renderer has waited (wall clock; 0 when none waits).
func (s *Server) backlogAge() time.Duration {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	if len(s.pendingQ) == 0 {
		return 0
	}
	return time.Since(s.pending[s.pendingQ[0]].since)
}

// renderPending renders the oldest pending key that a request asked for
// while it waited (else the oldest) again, with the other formats of the
// same feed that are pending (composed once for all); it reports whether
// there was one.
func (s *Server) renderPending(ctx context.Context) bool {
	s.pendingMu.Lock()
	var keys []cacheKey
	if len(s.pendingQ) > 0 {
		at := max(0, slices.IndexFunc(s.pendingQ, func(k cacheKey) bool { return s.pending[k].wanted }))
		key := s.pendingQ[at]
		keys = append(keys, key)
		if key.kind == kindTopic || key.kind == kindTag {
			for _, f := range render.Formats {
				k := key
				k.format = f
				if _, ok := s.pending[k]; ok && k != key {
					keys = append(keys, k)
				}
			}
		}
		for _, k := range keys {
			delete(s.pending, k)
		}
		// pendingQ holds each pending key once: a key taken with a
		// sibling and queued again later takes its new place.
		s.pendingQ = slices.DeleteFunc(s.pendingQ, func(k cacheKey) bool {
			_, ok := s.pending[k]
			return !ok
		})
	}
	if len(s.pendingQ) == 0 {
		s.pendingQ = nil
	}
	s.pendingMu.Unlock()
	if keys == nil {
		return false
	}
	s.mu.RLock()
	stale := keys[:0]
	for _, k := range keys {
		if res := s.entries[k]; res != nil && res.isStale() {
			stale = append(stale, k)
		}
	}
	gen, ver := s.gen, s.inval
	s.mu.RUnlock()
	if len(stale) == 0 {
		return true
	}
	var err error
	if len(stale) == 1 {
		_, err = s.renderNow(ctx, stale[0])
	} else {
		err = s.renderFormats(ctx, stale, gen, ver)
	}
	if err != nil && ctx.Err() == nil {
		s.log.Debug("background render", "kind", stale[0].kind, "slug", stale[0].slug, "err", err)
	}
	if errors.Is(err, ErrNotFound) {
		// The feed is gone (its tag has no items left, its topic left the
		// config): its previous bytes must not be served on, and requests
		// must get the 404 instead of queueing it again.
		s.mu.Lock()
		for _, k := range stale {
			if res := s.entries[k]; res != nil && res.isStale() {
				delete(s.entries, k)
				res.retire()
			}
		}
		s.mu.Unlock()
	}
	return true
}

// renderFormats renders keys, formats of one feed page, from one
// composition of it, and keeps them as renderNow does.
func (s *Server) renderFormats(ctx context.Context, keys []cacheKey, gen, ver uint64) error {
	cfg := s.cfg.Load()
	now := s.now()
	k := keys[0]
	f, maxAge, ttl, err := s.page(ctx, cfg, k.kind, k.slug, k.cursor)
	if err != nil {
		return err
	}
	for _, key := range keys {
		res, err := renderFeed(f, key.format, now, maxAge, ttl)
		if err != nil {
			return err
		}
		s.keep(ctx, key, res, gen, ver)
	}
	return nil
}

// ListenAndServe serves Handler on addr until ctx is cancelled, then shuts
// down gracefully (in-flight requests get up to 10 s).
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("publisher: listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on an existing listener (closed on return).
// Plain feed GETs take the Front's fast path unless the config's
// fast_path is false.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	front, _ := NewHTTP(s, NewHTTPServer(s.Handler(), s.log), s.cfg.Load().FastPathOn())
	errc := make(chan error, 1)
	go func() { errc <- front.Serve(ln) }()
	hubCtx, stopHubs := context.WithCancel(ctx)
	defer stopHubs()
	go s.Run(hubCtx)
	select {
	case err := <-errc:
		return fmt.Errorf("publisher: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := front.Shutdown(sctx); err != nil {
		return fmt.Errorf("publisher: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("publisher: serve: %w", err)
	}
	return nil
}

const (
	kindTopic = render.KindTopic
	kindTag   = render.KindTag
	// formatHTML is the HTML page of a topic or tag (/topics/{slug}) in
	// cache keys; no extension can be it.
	formatHTML = "/html"
)

// Errors of Page (and 404 / 400 over HTTP).
var (
	// ErrNotFound: no such topic, or no such tag with items.
	ErrNotFound = errors.New("publisher: not found")
	// ErrBadCursor: a paging cursor that does not parse.
	ErrBadCursor = errors.New("publisher: bad cursor")
)

// Page returns one page of a topic (render.KindTopic) or tag
// (render.KindTag) feed as it is published: composed (curation, dedupe,
// caps) and ready for render.Render. cursor is "" for the first page,
// else a db.Cursor string. It does not use the response cache.
func (s *Server) Page(ctx context.Context, kind, slug, cursor string) (*render.Feed, error) {
	if s.store == nil {
		return nil, fmt.Errorf("publisher: no database")
	}
	if kind != kindTopic && kind != kindTag {
		return nil, fmt.Errorf("publisher: unknown feed kind %q", kind)
	}
	f, _, _, err := s.page(ctx, s.cfg.Load(), kind, slug, cursor)
	return f, err
}

func (s *Server) handleFeed(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		slug, format, ok := splitFeedFile(file)
		html := !ok && file != "" && !strings.Contains(file, ".")
		if html {
			slug, format, ok = file, formatHTML, true // the HTML page
		}
		if !ok {
			s.notFound(w, r.Context(), kind, file, "")
			return
		}
		if !html && render.ContentType(format) == "" {
			s.notFound(w, r.Context(), kind, slug, format)
			return
		}
		cursor := ""
		if r.URL.RawQuery != "" { // most requests have none: skip parsing
			if before, ok := r.URL.Query()["before"]; ok {
				c, err := db.ParseCursor(before[0])
				if err != nil || len(before) > 1 {
					http.Error(w, badCursorText, http.StatusBadRequest)
					return
				}
				cursor = c.String()
			}
		}
		if kind == kindTopic {
			// A former slug of a renamed topic (aliases:) moved for good.
			// (The fast path finds no feed under it and hands over.)
			cfg := s.cfg.Load()
			if _, ok := cfg.Topic(slug); !ok {
				if t, ok := cfg.TopicByAlias(slug); ok {
					to := render.FeedURL(render.BaseURL(cfg), kindTopic, t.Slug, format)
					if html {
						to = render.BaseURL(cfg) + render.PagePath(kindTopic, t.Slug)
					}
					if r.URL.RawQuery != "" {
						to += "?" + r.URL.RawQuery
					}
					http.Redirect(w, r, to, http.StatusMovedPermanently)
					return
				}
			}
		}
		if html {
			pageHeaders(w)
		}
		key := cacheKey{kind: kind, slug: slug, format: format, cursor: cursor}
		s.serve(w, r, key)
	}
}

// splitFeedFile splits the last path segment of a feed URL, SLUG.FORMAT;
// false when it has no slug and extension (the format is not checked).
func splitFeedFile(file string) (slug, format string, ok bool) {
	dot := strings.LastIndexByte(file, '.')
	if dot <= 0 {
		return "", "", false
	}
	return file[:dot], file[dot+1:], true
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w)
	s.serve(w, r, cacheKey{kind: "index", format: "html"})
}

// PageCSP is the Content-Security-Policy of every HTML page: no script at
// all, styles inline, images from the web (items' images).
const PageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; frame-ancestors 'none'; base-uri 'none'"

// pageHeaders sets the security headers of an HTML page.
func pageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", PageCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

func (s *Server) handleOPML(w http.ResponseWriter, r *http.Request) {
	key := cacheKey{kind: "opml", format: "opml"}
	switch strings.ToLower(r.URL.Query().Get("tags")) {
	case "", "0", "false", "no":
	default:
		key.slug = "tags"
	}
	s.serve(w, r, key)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.store == nil {
		http.Error(w, "unhealthy: no database is open", http.StatusServiceUnavailable)
		return
	}
	// A database that cannot be written (deleted or replaced while open,
	// read-only, full disk) still answers reads: say why it is unhealthy.
	if h, ok := s.store.(interface{ Health() error }); ok {
		if err := h.Health(); err != nil {
			http.Error(w, "unhealthy: "+healthText(err), http.StatusServiceUnavailable)
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, err := s.store.ChangeSeq(ctx); err != nil {
		s.log.Warn("health check failed", "err", err)
		http.Error(w, "unhealthy: the database cannot be read", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
	if s.HealthDetail != nil {
		if d := s.HealthDetail(); d != "" {
			fmt.Fprintln(w, d)
		}
	}
}

// healthText says in words why the database is unhealthy (the error of
// db.Health without its package prefix).
func healthText(err error) string {
	if gone, ok := errors.AsType[*db.GoneError](err); ok {
		what, how := "database file", "deleted"
		if strings.HasSuffix(gone.Path, "-wal") {
			what = "database's write-ahead log"
		}
		if gone.Replaced {
			how = "replaced by another file"
		}
		return fmt.Sprintf("the %s %s was %s while bantin had it open; nothing more is written (restart bantin)", what, gone.Path, how)
	}
	return strings.TrimPrefix(err.Error(), "db: ")
}

// serve writes the cached (or freshly rendered) response for key, honouring
// conditional requests, HEAD and gzip.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, key cacheKey) {
	if s.store == nil {
		http.Error(w, unavailableText, http.StatusServiceUnavailable)
		return
	}
	res, err := s.get(r.Context(), key)
	switch {
	case errors.Is(err, ErrNotFound):
		s.notFound(w, r.Context(), key.kind, key.slug, key.format)
		return
	case errors.Is(err, ErrBadCursor):
		http.Error(w, badCursorText, http.StatusBadRequest)
		return
	case err != nil:
		s.log.Error("render failed", "kind", key.kind, "slug", key.slug, "format", key.format, "err", err)
		http.Error(w, internalText, http.StatusInternalServerError)
		return
	}
	res.write(w, r)
}

// get returns the response for key from the cache, rendering it when
// missing (one render per key at a time). A stale response (its feed
// changed) is returned as is while Run renders its new version, for at
// most MaxStale; otherwise get waits for the render.
func (s *Server) get(ctx context.Context, key cacheKey) (*rendered, error) {
	now := s.now()
	s.checkSeq(ctx, now)
	s.mu.RLock()
	res := s.entries[key]
	s.mu.RUnlock()
	if res != nil {
		res.touch(now)
		if res.fresh(now) {
			return res, nil
		}
		if s.running.Load() && res.isStale() && now.Sub(res.staleSince()) < MaxStale {
			s.queue(key, true)
			s.stale.Add(1)
			return res, nil
		}
	}
	return s.renderNow(ctx, key)
}

// current returns the response for key as the database is now (a fresh
// render when the cached one is stale), for WebSub announcements.
func (s *Server) current(ctx context.Context, key cacheKey) (*rendered, error) {
	now := s.now()
	s.mu.RLock()
	res := s.entries[key]
	s.mu.RUnlock()
	if res != nil && res.fresh(now) {
		return res, nil
	}
	res, err := s.renderNow(ctx, key)
	if err == nil && !res.fresh(s.now()) {
		// The render joined began before a change it does not show (keep
		// kept it as stale): current means with every change stored
		// before the call, so render once more (WebSub announcements
		// compare these bytes across instances).
		res, err = s.renderNow(ctx, key)
	}
	return res, err
}

// renderNow renders key (joining a render of it already under way) and
// keeps the result in the cache: as current unless its feed changed
// while it rendered, then as stale (still the newest bytes there are).
func (s *Server) renderNow(ctx context.Context, key cacheKey) (*rendered, error) {
	v, err, _ := s.render.Do(key.String(), func() (any, error) {
		s.mu.RLock()
		gen, ver := s.gen, s.inval
		s.mu.RUnlock()
		ctx := context.WithoutCancel(ctx)
		res, err := s.build(ctx, key)
		if err != nil {
			return nil, err
		}
		return s.keep(ctx, key, res, gen, ver), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*rendered), nil
}

// keep stores res, just rendered for key from a database state at or
// after cache generation gen and invalidation count ver: as current
// unless key's feed changed since (then as stale: still the newest bytes
// there are), not at all when the whole cache was dropped since. It
// returns res.
func (s *Server) keep(ctx context.Context, key cacheKey, res *rendered, gen, ver uint64) *rendered {
	s.renders.Add(1)
	if s.onRender != nil {
		s.onRender(key)
	}
	if key.cursor == "" {
		s.keepLastModified(ctx, key, res)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.entries[key]
	if old != nil && old.isStale() && old.staleSince().Sub(old.rendered) < time.Minute {
		// A feed that changed within a minute of its previous version
		// is compressed faster: its bytes will not live long. (The time
		// between the two renders says nothing when the renderer is
		// behind.)
		res.gzLevel = gzip.BestSpeed
	}
	if s.gen != gen {
		return res // the whole cache was dropped meanwhile: serve, do not keep
	}
	if s.changed[depOf(key)] > ver {
		res.markStale(s.now())
		s.queue(key, false)
	}
	if len(s.entries) < maxCached || key.cursor == "" || old != nil {
		s.entries[key] = res
		if old != nil && old != res {
			old.retire()
		}
	}
	return res
}

// String is the key as one string (singleflight's key).
func (k cacheKey) String() string {
	return k.kind + "\x00" + k.slug + "\x00" + k.format + "\x00" + k.cursor
}

// keepLastModified gives res, just rendered, the Last-Modified of the
// same bytes served before, from the response it replaces, this
// process's previous cache generation or the database (so it survives
// restarts); new bytes are recorded there in the background, gathered
// into one write per versionFlushDelay (a busy or read-only database only
// costs the stability of Last-Modified, never a response).
func (s *Server) keepLastModified(ctx context.Context, key cacheKey, res *rendered) {
	s.mu.RLock()
	p := s.entries[key]
	if p == nil {
		p = s.prev[key]
	}
	s.mu.RUnlock()
	if p != nil && p.etag == res.etag {
		res.setLastModified(p.lastMod)
		return
	}
	// New bytes in the second of the version they replace share its
	// Last-Modified: a reader's If-Modified-Since cannot tell them apart.
	res.sameSecond = p != nil && !res.lastMod.After(p.lastMod)
	name := key.kind + "/" + key.slug + "." + key.format
	if p == nil {
		etag, since, err := s.store.FeedVersion(ctx, name)
		if err != nil {
			s.log.Debug("read feed version", "key", name, "err", err)
			return
		}
		if etag == res.etag && !since.IsZero() && !since.After(res.lastMod) {
			res.setLastModified(since)
			return
		}
		res.sameSecond = etag != "" && !res.lastMod.After(since)
	}
	// Replicas sharing one database (PostgreSQL) agree on the first
	// recorded time of these bytes, so that Last-Modified is the same
	// whichever replica answers.
	if sh, ok := s.store.(sharedVersions); ok && sh.Postgres() {
		if first, err := sh.RecordFeedVersion(ctx, name, res.etag, res.lastMod); err == nil && !first.IsZero() {
			res.setLastModified(first)
		} else if err != nil {
			s.log.Debug("record feed version", "key", name, "err", err)
		}
		return
	}
	s.versMu.Lock()
	defer s.versMu.Unlock()
	if s.versions == nil {
		s.versions = map[string]db.FeedVersionRecord{}
	}
	s.versions[name] = db.FeedVersionRecord{Key: name, ETag: res.etag, Since: res.lastMod}
	if !s.versFlusher {
		s.versFlusher = true
		time.AfterFunc(versionFlushDelay, s.flushVersions)
	}
}

// sharedVersions is the store of replicas that share their database.
type sharedVersions interface {
	Postgres() bool
	RecordFeedVersion(ctx context.Context, key, etag string, since time.Time) (time.Time, error)
}

// flushVersions records the gathered feed versions in one write.
func (s *Server) flushVersions() {
	s.versMu.Lock()
	vs := make([]db.FeedVersionRecord, 0, len(s.versions))
	for _, v := range s.versions {
		vs = append(vs, v)
	}
	s.versions = nil
	s.versFlusher = false
	s.versMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	if b, ok := s.store.(versionBatcher); ok {
		err = b.SetFeedVersions(ctx, vs)
	} else {
		for _, v := range vs {
			if err = s.store.SetFeedVersion(ctx, v.Key, v.ETag, v.Since); err != nil {
				break
			}
		}
	}
	if err != nil {
		s.log.Debug("record feed versions", "count", len(vs), "err", err)
	}
}

// checkSeq brings the cache up to date with the database's change
// sequence. At most one request per SeqCheckInterval reads it; the others
// go on.
func (s *Server) checkSeq(ctx context.Context, now time.Time) {
	if s.SeqCheckInterval > 0 && now.UnixNano() < s.seqNext.Load() {
		return
	}
	if !s.seqMu.TryLock() {
		return
	}
	defer s.seqMu.Unlock()
	if s.SeqCheckInterval > 0 && now.UnixNano() < s.seqNext.Load() {
		return
	}
	s.seqNext.Store(now.Add(s.SeqCheckInterval).UnixNano())
	if _, err := s.syncSeqLocked(ctx); err != nil {
		s.log.Warn("read change sequence", "err", err)
	}
}

// syncSeqLocked reads the change sequence and, when it moved, marks stale
// the cached responses of the feeds that changed (all of them when the
// store cannot tell which); it returns the sequence the cache now
// reflects. s.seqMu is held.
func (s *Server) syncSeqLocked(ctx context.Context) (int64, error) {
	s.mu.RLock()
	since := s.seq
	s.mu.RUnlock()
	var seq int64
	var keys []string
	var err error
	cl, perFeed := s.store.(changeLog)
	if perFeed && since >= 0 {
		seq, keys, err = cl.FeedChanges(ctx, since)
	} else {
		seq, err = s.store.ChangeSeq(ctx)
	}
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq == s.seq {
		return seq, nil
	}
	if perFeed && s.seq >= 0 && seq > s.seq {
		s.invalidateLocked(keys, s.now())
	} else {
		s.resetLocked()
	}
	s.seq = seq
	return seq, nil
}

// build renders the response for key.
func (s *Server) build(ctx context.Context, key cacheKey) (*rendered, error) {
	cfg := s.cfg.Load()
	now := s.now()
	switch key.kind {
	case kindTopic, kindTag:
		f, maxAge, ttl, err := s.page(ctx, cfg, key.kind, key.slug, key.cursor)
		if err != nil {
			return nil, err
		}
		if key.format == formatHTML {
			body, err := render.RenderFeedPage(cfg, key.kind, key.slug, f)
			if err != nil {
				return nil, err
			}
			res := newRendered(body, "text/html; charset=utf-8", now, 0)
			if ttl > 0 {
				res.expires = now.Add(ttl)
			}
			return res, nil
		}
		return renderFeed(f, key.format, now, maxAge, ttl)
	case "index":
		body, err := s.renderIndex(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return newRendered(body, "text/html; charset=utf-8", now, 0), nil
	case "opml":
		body, err := s.renderOPML(ctx, cfg, key.slug == "tags")
		if err != nil {
			return nil, err
		}
		return newRendered(body, "text/x-opml; charset=utf-8", now, 300), nil
	}
	return nil, ErrNotFound
}

// renderFeed renders f in format as a response valid for ttl (0: until
// the next change).
func renderFeed(f *render.Feed, format string, now time.Time, maxAge int, ttl time.Duration) (*rendered, error) {
	body, err := render.Render(f, format)
	if err != nil {
		return nil, err
	}
	res := newRendered(body, render.ContentType(format), now, maxAge)
	res.setLink(f.SelfURL(format), f.Hubs)
	if ttl > 0 {
		res.expires = now.Add(ttl)
	}
	return res, nil
}

func findTopic(cfg *config.Config, slug string) (config.Topic, bool) {
	for _, t := range cfg.Topics {
		if t.Slug == slug {
			return t, true
		}
	}
	return config.Topic{}, false
}

// tagList returns the tags with items (cached until the next change of a
// tag).
func (s *Server) tagList(ctx context.Context) ([]db.Tag, error) {
	s.mu.RLock()
	tags, ver := s.tags, s.inval
	s.mu.RUnlock()
	if tags != nil {
		return tags, nil
	}
	tags, err := s.store.Tags(ctx)
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = []db.Tag{}
	}
	s.mu.Lock()
	if s.inval == ver { // not invalidated meanwhile
		s.tags = tags
	}
	s.mu.Unlock()
	return tags, nil
}

// page composes one page of a topic or tag feed. It returns the feed, the
// Cache-Control max-age in seconds, and how long the page stays valid
// without a database change (0: until the next change; topics with
// max_age age out by themselves).
func (s *Server) page(ctx context.Context, cfg *config.Config, kind, slug, cursor string) (*render.Feed, int, time.Duration, error) {
	base := render.BaseURL(cfg)
	f := &render.Feed{
		BaseURL:  base,
		SiteLink: base + render.PagePath(kind, slug),
		ID:       render.FeedID(base, kind, slug),
		Cursor:   cursor,
		Self:     map[string]string{},
	}
	if cursor == "" {
		// Hubs take subscriptions to first pages only: an older page,
		// its own self, names none (nor a Link header).
		f.Hubs = feedHubs(cfg)
	}
	for _, format := range render.Formats {
		f.Self[format] = render.FeedURL(base, kind, slug, format)
	}
	var before *db.Cursor
	if cursor != "" {
		c, err := db.ParseCursor(cursor)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("%w: %w", ErrBadCursor, err)
		}
		before = &c
	}
	var ttl time.Duration
	switch kind {
	case kindTopic:
		t, ok := findTopic(cfg, slug)
		if !ok {
			return nil, 0, 0, fmt.Errorf("%w: topic %q", ErrNotFound, slug)
		}
		f.Title, f.Description = t.Title, t.Description
		if t.MaxAge > 0 {
			ttl = time.Minute
		}
		c, next, err := s.composeTopic(ctx, t, before)
		if err != nil {
			return nil, 0, 0, err
		}
		f.Entries, f.Next = c.Entries(), next
	case kindTag:
		tags, err := s.tagList(ctx)
		if err != nil {
			return nil, 0, 0, err
		}
		var tag *db.Tag
		for i := range tags {
			if tags[i].Slug == slug {
				tag = &tags[i]
			}
		}
		if tag == nil {
			return nil, 0, 0, fmt.Errorf("%w: tag %q", ErrNotFound, slug)
		}
		f.Title = tag.Name
		f.Description = "Tag: " + tag.Name
		items, err := s.store.TagItems(ctx, slug, db.ItemQuery{Limit: db.DefaultLimit + 1, Before: before})
		if err != nil {
			return nil, 0, 0, err
		}
		if len(items) > db.DefaultLimit {
			items = items[:db.DefaultLimit]
			f.Next = db.CursorOf(items[len(items)-1]).String()
		}
		for _, it := range items {
			if fromConfigured(cfg, it) {
				f.Entries = append(f.Entries, render.Entry{Item: it})
			}
		}
	}
	if f.Title == "" {
		f.Title = slug
	}
	if f.Description == "" {
		f.Description = f.Title
	}
	return f, maxAgeFor(cfg, f.Entries), ttl, nil
}

// composeTopic streams the topic's members from the store into a Composer
// until the page is full, and returns the Composer (its Entries are the
// page, its Fates what became of each candidate) and the next cursor.
func (s *Server) composeTopic(ctx context.Context, t config.Topic, before *db.Cursor) (*render.Composer, string, error) {
	curations, err := s.store.Curations(ctx, t.Slug)
	if err != nil {
		return nil, "", err
	}
	for _, alias := range t.Aliases { // curations not yet moved to the renamed topic
		more, err := s.store.Curations(ctx, alias)
		if err != nil {
			return nil, "", err
		}
		curations = append(curations, more...)
	}
	c := render.NewComposer(t, curations, s.now(), before == nil)
	cfg := s.cfg.Load()
	if before == nil {
		for _, id := range c.PinnedIDs() {
			it, err := s.store.Item(ctx, id)
			if errors.Is(err, db.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, "", err
			}
			if !fromConfigured(cfg, it) {
				c.SourceRemoved(it)
				continue
			}
			c.AddPinned(it)
		}
		for _, link := range t.Pin {
			it, err := s.store.ItemByLink(ctx, link)
			if errors.Is(err, db.ErrNotFound) && render.LinkKey(link) != link {
				it, err = s.store.ItemByLink(ctx, render.LinkKey(link))
			}
			if errors.Is(err, db.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, "", err
			}
			if !fromConfigured(cfg, it) {
				c.SourceRemoved(it)
				continue
			}
			c.AddPinned(it)
		}
	}
	limit := t.Limit
	if limit <= 0 {
		limit = db.DefaultLimit
	}
	// The first batch is a little more than the page (dedupe folds some
	// candidates, hidden and capped ones drop out); each further round
	// reads twice as many.
	batch := limit + limit/4 + 10 + len(t.Pin) + len(curations)
	const maxRounds = 8
	var last *db.Item
	stopped := false
	for round := 0; round < maxRounds && !stopped; round++ {
		items, err := s.store.TopicItems(ctx, t.Slug, db.ItemQuery{Limit: batch, Before: before, SkipHidden: true})
		if err != nil {
			return nil, "", err
		}
		for i := range items {
			if !fromConfigured(cfg, items[i]) {
				c.SourceRemoved(items[i])
				continue
			}
			if !c.Add(items[i]) {
				stopped = true
				break
			}
			last = &items[i]
		}
		if c.AgedOut() {
			return c, "", nil
		}
		if len(items) < batch {
			break
		}
		if !stopped {
			cur := db.CursorOf(items[len(items)-1])
			before = &cur
			if round == maxRounds-1 {
				stopped = true // more may follow: page on from here
			}
			batch *= 2
		}
	}
	next := ""
	if stopped && last != nil {
		next = db.CursorOf(*last).String()
	}
	if it, ok := c.NewestCapped(); ok {
		// The next page (the archive: no cap) starts at the newest item
		// the cap left out, repeating this page's entries older than it,
		// rather than leaving the capped items out of every page.
		next = db.Cursor{Published: it.Published, ID: it.ID + 1}.String()
	}
	return c, next, nil
}

// fromConfigured reports whether it comes from a source of cfg: the items
// of a source removed from the config stay stored but are published
// nowhere (also when pinned), until the source comes back.
func fromConfigured(cfg *config.Config, it db.Item) bool {
	_, ok := cfg.Source(it.SourceID)
	return ok
}

// maxAgeFor is the Cache-Control max-age (seconds) of a feed: the shortest
// poll interval of the sources of its entries (else defaults.interval),
// clamped to [60 s, 1 h].
func maxAgeFor(cfg *config.Config, entries []render.Entry) int {
	shortest := time.Duration(0)
	consider := func(id string) {
		if src, ok := cfg.Source(id); ok {
			if d := src.Interval.D(); d > 0 && (shortest == 0 || d < shortest) {
				shortest = d
			}
		}
	}
	for _, e := range entries {
		consider(e.Item.SourceID)
		for _, r := range e.Related {
			consider(r.SourceID)
		}
	}
	if shortest == 0 {
		shortest = cfg.Defaults.Interval.D()
	}
	if shortest == 0 {
		shortest = 15 * time.Minute
	}
	return int(min(max(shortest, time.Minute), time.Hour) / time.Second)
}
