package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"bantin/aggregator"
	"bantin/config"
	"bantin/db"
	"bantin/publisher"
	"bantin/web"
	"bantin/websub"
)

// shutdownGrace bounds how long a stopping daemon waits for in-flight
// requests and writes (the issue asks for an exit within 10 s).
const shutdownGrace = 8 * time.Second

func cmdRun(ctx context.Context, a *app, args []string) error {
	return daemon(ctx, a, "run", args, true)
}

func cmdServe(ctx context.Context, a *app, args []string) error {
	return daemon(ctx, a, "serve", args, false)
}

// daemon is `bantin run` (polling) and `bantin serve`: it reads the flags
// and the config, builds a Daemon and runs it until ctx ends (SIGINT,
// SIGTERM); SIGHUP reloads the config file, and so does a change of the
// file (unless -watch-config=false).
func daemon(ctx context.Context, a *app, name string, args []string, polling bool) error {
	fs := a.flags(name, "")
	listen := fs.String("listen", "", "address to serve on (overrides the config's listen)")
	fastPath := fs.Bool("fast-path", true, "answer plain feed GETs on the HTTP/1.1 fast path; -fast-path=false: net/http answers everything (overrides the config's fast_path)")
	watch := fs.Bool("watch-config", true, "reload the config file when it changes (checked every 2 s), as SIGHUP does")
	var lease *time.Duration
	if polling {
		lease = fs.Duration("lease", aggregator.DefaultLeaseTimeout,
			"on PostgreSQL, how long this instance holds a source it polls before other instances may take it over (if it dies)")
	}
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	opts := DaemonOptions{Polling: polling, Listen: *listen, Logger: a.logger}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "fast-path" {
			opts.FastPath = fastPath
		}
	})
	if lease != nil {
		opts.Lease = *lease
	}
	d, err := NewDaemon(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer d.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reloads := make(chan struct{})
	w := watchConfig(a.configPath)
	var tick <-chan time.Time
	if *watch {
		t := time.NewTicker(configWatchInterval)
		defer t.Stop()
		tick = t.C
	}
	go func() {
		defer close(reloads)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				w.loaded()
				d.ReloadFile(ctx, a.configPath)
			case <-tick:
				if w.changed() {
					d.log.Info("config file changed; reloading", slog.String("config", a.configPath))
					d.ReloadFile(ctx, a.configPath)
				}
			}
		}
	}()
	err = d.Run(ctx)
	cancel()
	<-reloads // no reload in flight when Close runs
	return err
}

// DaemonOptions are how a Daemon runs, beside its config.
type DaemonOptions struct {
	// Polling makes it `bantin run`: it polls the sources (and holds the
	// SQLite file's daemon lock); else it only serves (`bantin serve`).
	Polling bool
	// Listen overrides the config's listen address ("127.0.0.1:0": any
	// free port, see Addr).
	Listen string
	// FastPath, when set, overrides the config's fast_path.
	FastPath *bool
	// Lease is how long a source claimed on PostgreSQL stays claimed if
	// this instance dies (0: aggregator.DefaultLeaseTimeout).
	Lease time.Duration
	// Logger receives the daemon's log (nil: discarded).
	Logger *slog.Logger
}

// Daemon is a running desk: the HTTP server (publisher, web desk, metrics,
// WebSub) and, when polling, the poller, with their background loops.
// NewDaemon builds it and listens, Run serves until its context ends,
// Reload applies a new config (what SIGHUP does), Close releases the
// database. Tests run it in the process and call Reload directly.
type Daemon struct {
	log     *slog.Logger
	polling bool
	fast    bool

	store *db.DB
	lock  *db.DaemonLock // nil unless polling on SQLite
	ln    net.Listener

	reg       *prometheus.Registry
	metrics   *aggregator.Metrics
	poller    *aggregator.Poller // nil unless polling
	topics    *aggregator.Topics // nil when polling (the poller keeps membership)
	members   recomputer         // poller or topics
	pub       *publisher.Server
	desk      *web.Web
	hub       *websub.Hub
	announcer *websub.Announcer
	sub       *websub.Subscriber // nil unless polling
	hs        publisher.HTTPServer
	front     *publisher.Front // nil with the fast path off
	drift     *driftWatch      // nil unless on PostgreSQL

	recomputeNow chan struct{}

	mu  sync.Mutex // serialises reloads; guards cfg
	cfg *config.Config

	ran       atomic.Bool
	closeOnce sync.Once
}

// NewDaemon opens cfg's database (taking the daemon lock when polling on
// SQLite), builds the poller or the topic membership, the publisher, the
// web desk and WebSub, and listens. What a reload would refuse (a config
// that removes most of what the database holds) is only logged: at start
// there is no running config to keep.
func NewDaemon(ctx context.Context, cfg *config.Config, opts DaemonOptions) (_ *Daemon, err error) {
	d := &Daemon{log: opts.Logger, polling: opts.Polling, cfg: cfg, fast: cfg.FastPathOn(), recomputeNow: make(chan struct{}, 1)}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if opts.FastPath != nil {
		d.fast = *opts.FastPath
	}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	addr := cfg.Listen
	if opts.Listen != "" {
		addr = opts.Listen
	}
	// One polling daemon per SQLite file; serve and the one-shot commands
	// work beside it. On PostgreSQL several pollers share the sources
	// (leases, see db.ClaimSource).
	if d.polling && !db.IsPostgres(cfg.Database) {
		holder := db.Holder{PID: os.Getpid(), Listen: addr, Since: time.Now()}
		if d.lock, err = db.LockDaemon(cfg.Database, holder); err != nil {
			var le *db.LockedError
			if errors.As(err, &le) {
				return nil, fmt.Errorf("%w; stop it first (bantin serve works beside it)", err)
			}
			return nil, err
		}
	}
	if d.store, err = db.Open(ctx, cfg.Database); err != nil {
		return nil, err
	}
	if from, to, took := d.store.Upgraded(); from > 0 {
		d.log.Info("database schema upgraded", slog.Int("from", from), slog.Int("to", to),
			slog.Duration("took", took.Round(time.Millisecond)))
	}
	warnStoredRemoval(ctx, d.log, d.store, cfg)
	if err := d.build(ctx, cfg, opts); err != nil {
		return nil, err
	}
	if d.ln, err = net.Listen("tcp", addr); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	d.log.Info("serving", slog.String("addr", d.Addr()), slog.String("config", cfg.Path), slog.String("database", db.Redact(cfg.Database)), slog.Bool("fast_path", d.fast))
	if d.lock != nil {
		if err := d.lock.Update(db.Holder{PID: os.Getpid(), Listen: d.Addr(), Since: time.Now()}); err != nil {
			d.log.Warn("daemon lock", slog.Any("error", err))
		}
	}
	return d, nil
}

// build makes the daemon's parts on its open database.
func (d *Daemon) build(ctx context.Context, cfg *config.Config, opts DaemonOptions) error {
	store := d.store
	d.reg = prometheus.NewRegistry()
	d.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.metrics = aggregator.NewMetrics(d.reg, store)
	d.metrics.SetTopics(cfg)
	var err error
	if d.polling {
		aggregator.Version = version
		if d.poller, err = aggregator.New(ctx, cfg, store, d.log); err != nil {
			return err
		}
		d.poller.Metrics = d.metrics
		d.poller.LeaseTimeout = opts.Lease
		if opts.Lease == 0 {
			d.poller.LeaseTimeout = aggregator.DefaultLeaseTimeout
		}
		d.members = d.poller
	} else {
		// Stored tags and topic membership follow the config (at start
		// and on every reload), whether or not this process polls.
		if d.topics, err = aggregator.NewTopics(store, cfg); err != nil {
			return err
		}
		if _, err := aggregator.FollowRenames(ctx, store, cfg); err != nil {
			return err
		}
		d.members = d.topics
	}
	warnOrphanCurations(ctx, d.log, store, cfg) // after the renames were followed
	d.pub = publisher.New(cfg, store, d.log)
	if d.desk, err = web.New(cfg, store, d.log); err != nil {
		return err
	}
	// WebSub: the built-in hub (inert unless websub.builtin) and, with
	// polling, the subscriber's callback for sources that advertise a hub.
	d.hub = websub.NewHub(d.pub, store, d.log)
	d.announcer = websub.NewAnnouncer(d.pub, store, d.log)
	if d.poller != nil {
		d.sub = websub.NewSubscriber(d.poller, store, d.log)
		d.sub.UserAgent = d.poller.Fetcher.UserAgent
		d.poller.WebSub = d.sub
		if err := d.sub.RegisterMetrics(d.reg); err != nil {
			return err
		}
	}

	// One route table: the publisher's, with the daemon's routes added.
	d.pub.Handle("GET /metrics", promhttp.HandlerFor(d.reg, promhttp.HandlerOpts{}))
	d.pub.Handle(websub.HubPath, d.hub)
	if d.sub != nil {
		d.pub.Handle(websub.CallbackPath, d.sub)
	}
	d.pub.Register(d.desk.Register)
	srv := publisher.NewHTTPServer(d.pub.Handler(), d.log)
	// Plain feed GETs take the publisher's fast path (unless it is off);
	// the rest, and every later request of a connection that sends one,
	// go to srv. front is nil with the fast path off.
	d.hs, d.front = publisher.NewHTTP(d.pub, srv, d.fast)
	d.registerMetrics()
	if store.Postgres() {
		d.drift = &driftWatch{store: store}
		d.drift.cfg.Store(cfg)
		d.pub.HealthDetail = d.drift.detail
	}
	return nil
}

// registerMetrics adds the serving and database metrics to the registry
// /metrics shows.
func (d *Daemon) registerMetrics() {
	front, pub, store := d.front, d.pub, d.store
	d.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "bantin_http_fast_responses_total",
			Help: "Feed responses written by the HTTP fast path (plain GET/HEAD of a cached feed).",
		}, func() float64 { return float64(front.Stats().FastResponses) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "bantin_renders_total",
			Help: "Responses (feeds, index, OPML) rendered: once per change of what they show.",
		}, func() float64 { return float64(pub.Renders()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "bantin_stale_responses_total",
			Help: "Requests answered with the previous version of a changed feed while its new version rendered.",
		}, func() float64 { return float64(pub.StaleServed()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "bantin_http_handovers_total",
			Help: "Connections the HTTP fast path handed to net/http (any other request).",
		}, func() float64 { return float64(front.Stats().HandOvers) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "bantin_database_healthy",
			Help: "1 while the database can be written (as /healthz), 0 once its file was deleted or replaced or while writes fail.",
		}, func() float64 {
			if store.Health() != nil {
				return 0
			}
			return 1
		}),
	)
}

// Addr is the address the daemon listens on (with the port chosen when
// the listen address asked for any).
func (d *Daemon) Addr() string { return d.ln.Addr().String() }

// Config is the running config: the one it started with or the last
// reload applied.
func (d *Daemon) Config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// Run serves HTTP and runs the background work (polling, re-renders,
// WebSub, the search index, retention, database checks) until ctx ends or
// serving fails; then it stops serving, waiting at most shutdownGrace for
// requests and writes in flight, and returns. Run once; Close after it.
func (d *Daemon) Run(ctx context.Context) error {
	if d.ran.Swap(true) {
		return errors.New("daemon: Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() {
		if err := d.hs.Serve(d.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serve: %w", err)
		}
	}()
	var bg sync.WaitGroup
	// The daemon serves pub.Handler with its own http.Server, so it runs
	// the render cache's loop (background re-renders) and the WebSub
	// loops (hub, announcements for websub.hubs, subscriptions) itself.
	bg.Go(func() { d.pub.Run(ctx) })
	bg.Go(func() { d.hub.Run(ctx) })
	bg.Go(func() { d.announcer.Run(ctx) })
	if d.sub != nil {
		bg.Go(func() { d.sub.Run(ctx, time.Minute) })
	}
	// Items written (by this process, `bantin poll`, or before the search
	// index existed) are indexed for search in the background.
	bg.Go(func() { indexSearchLoop(ctx, d.log, d.store, searchIndexInterval) })
	// The rendered feeds the publisher keeps are long-lived: the soft
	// heap limit makes room for them (followLiveHeap), so that they do
	// not make the GC run without pause.
	cacheBytes := d.pub.CacheBytes
	heldBytes.Store(&cacheBytes)
	defer heldBytes.CompareAndSwap(&cacheBytes, nil)
	// Keep the write-ahead log small while readers never stop reading.
	bg.Go(func() {
		d.store.KeepWALSmall(ctx, 5*time.Second, 16<<20, func(err error) {
			d.log.Warn("database checkpoint", slog.Any("error", err))
		})
	})
	select {
	case d.recomputeNow <- struct{}{}:
	default: // a reload before Run already asked for one
	}
	bg.Go(func() { recomputeLoop(ctx, d.log, d.members, d.recomputeNow, d.drift) })
	bg.Go(func() { watchDatabase(ctx, d.log, d.store, databaseCheckInterval) })
	if d.poller != nil {
		bg.Go(func() {
			if err := d.poller.Run(ctx); err != nil {
				errc <- err
			}
		})
		bg.Go(func() { maintain(ctx, d.log, d.poller) })
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	cancel()
	shCtx, shCancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer shCancel()
	if err := d.hs.Shutdown(shCtx); err != nil {
		d.hs.Close()
	}
	done := make(chan struct{})
	go func() {
		bg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-shCtx.Done():
		d.log.Warn("poller did not stop in time")
	}
	d.log.Info("stopped")
	return runErr
}

// Close releases what NewDaemon took: this instance's source leases (on
// PostgreSQL), the database and the daemon lock; and the listener, if Run
// never served it. Call it after Run returned.
func (d *Daemon) Close() {
	d.closeOnce.Do(func() {
		if d.ln != nil && !d.ran.Load() {
			d.ln.Close()
		}
		if d.poller != nil {
			if err := d.store.ReleaseAll(context.Background(), d.poller.Owner); err != nil {
				d.log.Warn("release leases", slog.Any("error", err))
			}
		}
		if d.store != nil {
			d.store.Close()
		}
		if d.lock != nil {
			d.lock.Release()
		}
	})
}

// ReloadRefusedError is Reload's answer to a config that would remove
// more than half of the running sources or topics (or all of either)
// without allow_large_removal: the running config stays.
type ReloadRefusedError struct{ Removal config.Removal }

func (e *ReloadRefusedError) Error() string {
	return "reload refused; keeping the running config: the new config " + e.Removal.String() +
		"; if that is meant, set allow_large_removal: true at the top of the file"
}

// ReloadFile loads the config file at path and applies it with Reload,
// logging the outcome (SIGHUP). A file with errors keeps the running
// config.
func (d *Daemon) ReloadFile(ctx context.Context, path string) error {
	next, err := config.Load(path)
	if err != nil {
		d.log.Error("reload failed; keeping the running config", slog.Any("error", err))
		return err
	}
	return d.Reload(ctx, next)
}

// Reload applies next in place of the running config: sources polled,
// topic membership recomputed (in the background), feeds, pages and the
// web desk. It refuses (a *ReloadRefusedError) a config that removes most
// of the running sources or topics unless it sets allow_large_removal,
// and keeps the running config when a part fails to take next. The
// database and the fast path switch change only with a restart. Reload
// logs what it did; it is safe beside Run and other Reloads.
func (d *Daemon) Reload(ctx context.Context, next *config.Config) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	cfg := d.cfg
	if r := config.RemovalOf(cfg, next); r.Large() && !next.AllowLargeRemoval {
		err := &ReloadRefusedError{Removal: r}
		d.log.Error(err.Error(), append([]any{slog.String("config", next.Path)}, removalAttrs(r)...)...)
		return err
	}
	if next.Database != cfg.Database {
		d.log.Warn("reload: a new database path takes effect only after a restart", slog.String("database", db.Redact(next.Database)))
		next.Database = cfg.Database
	}
	if next.FastPathOn() != cfg.FastPathOn() {
		d.log.Warn("reload: fast_path takes effect only after a restart", slog.Bool("fast_path", next.FastPathOn()))
	}
	var err error
	if d.poller != nil {
		err = d.poller.Reload(ctx, next)
	} else if err = d.topics.Reload(next); err == nil {
		_, err = aggregator.FollowRenames(ctx, d.store, next)
	}
	if err != nil {
		d.log.Error("reload failed; keeping the running config", slog.Any("error", err))
		return err
	}
	select {
	case d.recomputeNow <- struct{}{}:
	default: // a recompute is already pending; it reads the new config
	}
	d.pub.Reload(next)
	if err := d.desk.Reload(next); err != nil {
		d.log.Error("reload of the web desk failed", slog.Any("error", err))
	}
	d.metrics.SetTopics(next)
	d.cfg = next
	if d.drift != nil {
		d.drift.cfg.Store(next)
	}
	d.log.Info("config reloaded", slog.Int("sources", len(next.Sources)), slog.Int("topics", len(next.Topics)))
	warnOrphanCurations(ctx, d.log, d.store, next)
	return nil
}

// databaseCheckInterval is how often the daemon checks that its database
// file is still the one it opened and, after failed writes, whether it can
// be written again.
const databaseCheckInterval = 2 * time.Second

// watchDatabase checks the database every interval (db.Probe: the files'
// identity and, after failed writes, a small write) and logs each change:
// the file deleted or replaced (for good: nothing more is written), writes
// failing, writes succeeding again. /healthz reports the same.
func watchDatabase(ctx context.Context, log *slog.Logger, store *db.DB, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	const ok, failing, gone = 0, 1, 2
	state := ok
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := store.Probe(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		now := ok
		switch {
		case errors.Is(err, db.ErrGone):
			now = gone
		case err != nil:
			now = failing
		}
		if now == state || state == gone {
			continue
		}
		switch now {
		case gone:
			log.Error("database lost: polling and writing stopped, serving what is open", slog.Any("error", err))
		case failing:
			log.Error("database cannot be written; /healthz reports it until a write succeeds", slog.Any("error", err))
		default:
			log.Info("database writes succeed again")
		}
		state = now
	}
}

// maintain prunes old items every hour (from start).
func maintain(ctx context.Context, log *slog.Logger, p *aggregator.Poller) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := p.Prune(ctx); err != nil && ctx.Err() == nil {
			log.Error("retention", slog.Any("error", err))
		} else if n > 0 {
			log.Info("retention pruned items", slog.Int("items", n))
		}
		octx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := p.Store.Optimize(octx); err != nil && ctx.Err() == nil {
			log.Warn("database optimize", slog.Any("error", err))
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recomputer rebuilds stored tags and topic membership when the config it
// holds differs from the one they were computed with
// (aggregator.Poller, aggregator.Topics).
type recomputer interface {
	RecomputeTopics(ctx context.Context, force bool, progress func(done int)) (int, error)
}

// recomputeLoop runs one recompute per signal on now, one at a time, so
// that passes for successive reloads never interleave their writes (a
// pass that sees a newer config stops; the signal sent with the reload
// starts the next).
//
// With drift (PostgreSQL, several instances), between passes it checks
// whether the stored membership still follows this instance's config: when
// another instance with a different config reclassified last, this one
// says so (log, /healthz) and does not reclassify back until its own
// config changes, so that instances never fight.
func recomputeLoop(ctx context.Context, log *slog.Logger, r recomputer, now <-chan struct{}, drift *driftWatch) {
	var tick <-chan time.Time
	if drift != nil {
		t := time.NewTicker(driftInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			drift.check(ctx, log)
			continue
		case <-now:
		}
		n, err := r.RecomputeTopics(ctx, false, nil)
		if err != nil && ctx.Err() == nil {
			log.Error("recompute topics", slog.Any("error", err))
		} else if n > 0 {
			log.Info("topic membership recomputed", slog.Int("items", n))
		}
	}
}

// driftInterval is how often an instance on PostgreSQL compares its config
// with the one the stored topic membership follows.
var driftInterval = 2 * time.Second

// driftWatch tells whether this instance's config is the one the stored
// topic membership was last computed with.
type driftWatch struct {
	store *db.DB
	cfg   atomic.Pointer[config.Config]
	msg   atomic.Pointer[string]
}

func (d *driftWatch) check(ctx context.Context, log *slog.Logger) {
	cfg := d.cfg.Load()
	cur, err := aggregator.MembershipCurrent(ctx, d.store, cfg)
	if err != nil {
		return
	}
	msg := ""
	if !cur {
		msg = "config differs: the stored topic membership was last computed by an instance with another config " +
			"(topics, rules or source tags); this instance does not reclassify until its own config changes: give every instance the same config"
	}
	old := d.msg.Swap(&msg)
	switch {
	case msg != "" && (old == nil || *old == ""):
		log.Warn(msg, slog.String("config", cfg.Path))
	case msg == "" && old != nil && *old != "":
		log.Info("config agrees again with the one the stored topic membership follows")
	}
}

// detail is the line /healthz adds ("" while the configs agree).
func (d *driftWatch) detail() string {
	if m := d.msg.Load(); m != nil {
		return *m
	}
	return ""
}

// searchIndexInterval is how often the daemon indexes new and updated
// items for search.
const searchIndexInterval = 2 * time.Second

// indexSearchLoop indexes queued items for search every interval until ctx
// ends (an empty queue costs one read).
func indexSearchLoop(ctx context.Context, log *slog.Logger, store *db.DB, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := store.IndexSearch(ctx, 500)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("search index", slog.Any("error", err))
		case n >= 5000:
			log.Info("indexed items for search", slog.Int("items", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
