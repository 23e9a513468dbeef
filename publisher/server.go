package publisher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"bantin/config"
	"bantin/db"
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

// Server serves the published feeds, the index page, OPML and /healthz.
// Each response body is rendered once per content change and kept, with a
// gzip copy, until the database's change sequence moves (checked at most
// once per SeqCheckInterval) or Reload is called; topic pages with max_age
// are also re-rendered every minute. Every response carries a strong ETag
// (a sha256 prefix of the bytes; the gzip copy's ends in "-gz") and a
// Last-Modified that is the time the bytes were first served (recorded in
// the database for first pages, so it survives restarts): a re-render that
// yields the same bytes keeps it, and curation changes that do not touch
// item dates still move it. It is safe for concurrent use.
type Server struct {
	store  store
	log    *slog.Logger
	cfg    atomic.Pointer[config.Config]
	now    func() time.Time
	render singleflight.Group

	// SeqCheckInterval bounds how often a request reads the change
	// sequence; 0 means on every request. New sets 1s.
	SeqCheckInterval time.Duration
	// HealthDetail, when set, returns a line /healthz adds after "ok"
	// (something an operator should know that does not make the instance
	// unhealthy: its config differing from its peers').
	HealthDetail func() string

	mu      sync.RWMutex
	gen     uint64        // bumped on every invalidation
	genA    atomic.Uint64 // gen, for readers without mu (the Front)
	seq     int64         // change sequence the cache reflects
	entries map[cacheKey]*rendered
	prev    map[cacheKey]*rendered // previous generation, for Last-Modified
	tags    []db.Tag               // tags with items, nil until loaded

	seqMu   sync.Mutex
	seqNext atomic.Int64 // unix nanos of the next change sequence check

	hubs hubState
}

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
	s := &Server{store: st, log: logger, now: time.Now, SeqCheckInterval: time.Second, seq: -1}
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
	s.entries = map[cacheKey]*rendered{}
	s.tags = nil
	s.gen++
	s.genA.Store(s.gen)
}

// Handler returns the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	return mux
}

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /topics/{file}", s.handleFeed(kindTopic))
	mux.HandleFunc("GET /tags/{file}", s.handleFeed(kindTag))
	mux.HandleFunc("GET /{$}", s.handleIndex)
	mux.HandleFunc("GET /opml.xml", s.handleOPML)
	mux.HandleFunc("GET /healthz", s.handleHealth)
}

// ListenAndServe serves Handler on addr until ctx is cancelled, then shuts
// down gracefully (in-flight requests get up to 10 s). While serving it
// announces changed feeds to the configured WebSub hubs (NotifyHubs every
// HubInterval).
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("publisher: listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on an existing listener (closed on return).
// Plain feed GETs take the Front's fast path.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	front := NewFront(s, hs)
	errc := make(chan error, 1)
	go func() { errc <- front.Serve(ln) }()
	hubCtx, stopHubs := context.WithCancel(ctx)
	defer stopHubs()
	go s.RunHubs(hubCtx)
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
	kindTopic = "topic"
	kindTag   = "tag"
)

// Errors of Page (and 404 / 400 over HTTP).
var (
	// ErrNotFound: no such topic, or no such tag with items.
	ErrNotFound = errors.New("publisher: not found")
	// ErrBadCursor: a paging cursor that does not parse.
	ErrBadCursor = errors.New("publisher: bad cursor")
)

// Kinds of feed for Page.
const (
	KindTopic = kindTopic
	KindTag   = kindTag
)

// Page returns one page of a topic (KindTopic) or tag (KindTag) feed as it
// is published: composed (curation, dedupe, caps) and ready for Render.
// cursor is "" for the first page, else a db.Cursor string. It is what
// `bantin preview` prints; it does not use the response cache.
func (s *Server) Page(ctx context.Context, kind, slug, cursor string) (*Feed, error) {
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
		if !ok {
			s.notFound(w, r.Context(), kind, file, "")
			return
		}
		if ContentType(format) == "" {
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
					to := feedURL(baseURL(cfg), kindTopic, t.Slug, format)
					if r.URL.RawQuery != "" {
						to += "?" + r.URL.RawQuery
					}
					http.Redirect(w, r, to, http.StatusMovedPermanently)
					return
				}
			}
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
	s.serve(w, r, cacheKey{kind: "index", format: "html"})
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
		http.Error(w, "publisher: no database", http.StatusServiceUnavailable)
		return
	}
	// A database that cannot be written (deleted or replaced while open,
	// read-only, full disk) still answers reads: say why it is unhealthy.
	if h, ok := s.store.(interface{ Health() error }); ok {
		if err := h.Health(); err != nil {
			http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, err := s.store.ChangeSeq(ctx); err != nil {
		s.log.Warn("health check failed", "err", err)
		http.Error(w, "publisher: database unreachable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
	if s.HealthDetail != nil {
		if d := s.HealthDetail(); d != "" {
			fmt.Fprintln(w, d)
		}
	}
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
// missing (one render per key at a time).
func (s *Server) get(ctx context.Context, key cacheKey) (*rendered, error) {
	now := s.now()
	s.checkSeq(ctx, now)
	s.mu.RLock()
	res, gen := s.entries[key], s.gen
	s.mu.RUnlock()
	if res != nil && (res.expires.IsZero() || now.Before(res.expires)) {
		return res, nil
	}
	v, err, _ := s.render.Do(fmt.Sprint(gen, "\x00", key), func() (any, error) {
		res, err := s.build(context.WithoutCancel(ctx), key)
		if err != nil {
			return nil, err
		}
		if key.cursor == "" {
			s.keepLastModified(ctx, key, res)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.gen != gen {
			return res, nil // invalidated meanwhile: serve, do not keep
		}
		if p := s.prev[key]; p != nil && p.etag == res.etag {
			res.setLastModified(p.lastMod)
		}
		if len(s.entries) < maxCached || key.cursor == "" {
			s.entries[key] = res
		}
		return res, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*rendered), nil
}

// keepLastModified gives res, just rendered, the Last-Modified of the
// same bytes served before, from this process's previous cache generation
// or from the database (so it survives restarts); new bytes are recorded
// there in the background (a busy or read-only database only costs the
// stability of Last-Modified, never a response).
func (s *Server) keepLastModified(ctx context.Context, key cacheKey, res *rendered) {
	s.mu.RLock()
	p := s.prev[key]
	s.mu.RUnlock()
	if p != nil && p.etag == res.etag {
		res.setLastModified(p.lastMod)
		return
	}
	name := key.kind + "/" + key.slug + "." + key.format
	etag, since, err := s.store.FeedVersion(ctx, name)
	if err != nil {
		s.log.Debug("read feed version", "key", name, "err", err)
		return
	}
	if etag == res.etag && !since.IsZero() && !since.After(res.lastMod) {
		res.setLastModified(since)
		return
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
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.store.SetFeedVersion(ctx, name, res.etag, res.lastMod); err != nil {
			s.log.Debug("record feed version", "key", name, "err", err)
		}
	}()
}

// sharedVersions is the store of replicas that share their database.
type sharedVersions interface {
	Postgres() bool
	RecordFeedVersion(ctx context.Context, key, etag string, since time.Time) (time.Time, error)
}

// checkSeq drops the cache when the database's change sequence moved. At
// most one request per SeqCheckInterval reads it; the others go on.
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

// syncSeqLocked reads the change sequence and drops the cache when it
// moved; it returns the sequence the cache now reflects. s.seqMu is held.
func (s *Server) syncSeqLocked(ctx context.Context) (int64, error) {
	seq, err := s.store.ChangeSeq(ctx)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	if seq != s.seq {
		s.seq = seq
		s.resetLocked()
	}
	s.mu.Unlock()
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
		body, err := Render(f, key.format)
		if err != nil {
			return nil, err
		}
		res := newRendered(body, ContentType(key.format), now, maxAge)
		res.setLink(f.selfURL(key.format), f.Hubs)
		if ttl > 0 {
			res.expires = now.Add(ttl)
		}
		return res, nil
	case "index":
		body, err := s.renderIndex(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return newRendered(body, "text/html; charset=utf-8", now, 60), nil
	case "opml":
		body, err := s.renderOPML(ctx, cfg, key.slug == "tags")
		if err != nil {
			return nil, err
		}
		return newRendered(body, "text/x-opml; charset=utf-8", now, 300), nil
	}
	return nil, ErrNotFound
}

// baseURL is cfg's base_url without a trailing slash.
func baseURL(cfg *config.Config) string {
	b := strings.TrimRight(cfg.BaseURL, "/")
	if b == "" {
		b = "http://localhost:8080"
		if cfg.Listen != "" {
			b = "http://" + cfg.Listen
		}
	}
	return b
}

// feedURL is the URL of a published feed.
func feedURL(base, kind, slug, format string) string {
	dir := "/topics/"
	if kind == kindTag {
		dir = "/tags/"
	}
	return base + dir + url.PathEscape(slug) + "." + format
}

func findTopic(cfg *config.Config, slug string) (config.Topic, bool) {
	for _, t := range cfg.Topics {
		if t.Slug == slug {
			return t, true
		}
	}
	return config.Topic{}, false
}

// tagList returns the tags with items (cached until the next change).
func (s *Server) tagList(ctx context.Context) ([]db.Tag, error) {
	s.mu.RLock()
	tags, gen := s.tags, s.gen
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
	if s.gen == gen { // not invalidated meanwhile
		s.tags = tags
	}
	s.mu.Unlock()
	return tags, nil
}

// page composes one page of a topic or tag feed. It returns the feed, the
// Cache-Control max-age in seconds, and how long the page stays valid
// without a database change (0: until the next change; topics with
// max_age age out by themselves).
func (s *Server) page(ctx context.Context, cfg *config.Config, kind, slug, cursor string) (*Feed, int, time.Duration, error) {
	base := baseURL(cfg)
	f := &Feed{
		BaseURL:  base,
		SiteLink: base + "/",
		ID:       FeedID(base, kind, slug),
		Cursor:   cursor,
		Hubs:     feedHubs(cfg),
		Self:     map[string]string{},
	}
	for _, format := range Formats {
		f.Self[format] = feedURL(base, kind, slug, format)
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
		entries, next, err := s.composeTopic(ctx, t, before)
		if err != nil {
			return nil, 0, 0, err
		}
		f.Entries, f.Next = entries, next
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
				f.Entries = append(f.Entries, Entry{Item: it})
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
// until the page is full, and returns the entries and the next cursor.
func (s *Server) composeTopic(ctx context.Context, t config.Topic, before *db.Cursor) ([]Entry, string, error) {
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
	c := NewComposer(t, curations, s.now(), before == nil)
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
				continue
			}
			c.AddPinned(it)
		}
		for _, link := range t.Pin {
			it, err := s.store.ItemByLink(ctx, link)
			if errors.Is(err, db.ErrNotFound) && canonLink(link) != link {
				it, err = s.store.ItemByLink(ctx, canonLink(link))
			}
			if errors.Is(err, db.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, "", err
			}
			if !fromConfigured(cfg, it) {
				continue
			}
			c.AddPinned(it)
		}
	}
	limit := t.Limit
	if limit <= 0 {
		limit = db.DefaultLimit
	}
	batch := limit*3 + len(t.Pin) + len(curations)
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
				continue
			}
			if !c.Add(items[i]) {
				stopped = true
				break
			}
			last = &items[i]
		}
		if c.AgedOut() {
			return c.Entries(), "", nil
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
		}
	}
	next := ""
	if stopped && last != nil {
		next = db.CursorOf(*last).String()
	}
	return c.Entries(), next, nil
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
func maxAgeFor(cfg *config.Config, entries []Entry) int {
	shortest := time.Duration(0)
	consider := func(id string) {
		for i := range cfg.Sources {
			if cfg.Sources[i].ID == id {
				if d := cfg.Sources[i].Interval.D(); d > 0 && (shortest == 0 || d < shortest) {
					shortest = d
				}
				return
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
