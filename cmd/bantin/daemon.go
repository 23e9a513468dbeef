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

// daemon serves HTTP and, with polling, runs the poller; SIGHUP reloads
// the config, SIGINT/SIGTERM stop cleanly.
func daemon(ctx context.Context, a *app, name string, args []string, polling bool) error {
	fs := a.flags(name, "")
	listen := fs.String("listen", "", "address to serve on (overrides the config's listen)")
	fastPath := fs.Bool("fast-path", true, "answer plain feed GETs on the HTTP/1.1 fast path; -fast-path=false: net/http answers everything (overrides the config's fast_path)")
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
	fast := cfg.FastPathOn()
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "fast-path" {
			fast = *fastPath
		}
	})
	addr := cfg.Listen
	if *listen != "" {
		addr = *listen
	}
	// One polling daemon per SQLite file; serve and the one-shot commands
	// work beside it. On PostgreSQL several pollers share the sources
	// (leases, see db.ClaimSource).
	var lock *db.DaemonLock
	if polling && !db.IsPostgres(cfg.Database) {
		holder := db.Holder{PID: os.Getpid(), Listen: addr, Since: time.Now()}
		if lock, err = db.LockDaemon(cfg.Database, holder); err != nil {
			var le *db.LockedError
			if errors.As(err, &le) {
				return fmt.Errorf("%w; stop it first (bantin serve works beside it)", err)
			}
			return err
		}
		defer lock.Release()
	}
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer store.Close()

	// What a reload would refuse is only a warning at start: there is
	// no running config to keep.
	warnStoredRemoval(ctx, a, store, cfg)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := aggregator.NewMetrics(reg, store)
	metrics.SetTopics(cfg)

	var poller *aggregator.Poller
	if polling {
		aggregator.Version = version
		poller, err = aggregator.New(ctx, cfg, store, a.logger)
		if err != nil {
			return err
		}
		poller.Metrics = metrics
		poller.LeaseTimeout = *lease
		defer func() {
			if err := store.ReleaseAll(context.WithoutCancel(ctx), poller.Owner); err != nil {
				a.logger.Warn("release leases", slog.Any("error", err))
			}
		}()
	}
	// Stored tags and topic membership follow the config (at start and
	// on every reload), whether or not this process polls.
	var topics *aggregator.Topics
	var members recomputer = poller
	if poller == nil {
		if topics, err = aggregator.NewTopics(store, cfg); err != nil {
			return err
		}
		if _, err := aggregator.FollowRenames(ctx, store, cfg); err != nil {
			return err
		}
		members = topics
	}
	warnOrphanCurations(ctx, a, store, cfg) // after the renames were followed
	pub := publisher.New(cfg, store, a.logger)
	desk, err := web.New(cfg, store, a.logger)
	if err != nil {
		return err
	}
	// WebSub: the built-in hub (inert unless websub.builtin) and, with
	// polling, the subscriber's callback for sources that advertise a hub.
	hub := publisher.NewHub(pub, store, a.logger)
	var sub *aggregator.Subscriber
	if poller != nil {
		sub = aggregator.NewSubscriber(poller, a.logger)
		if err := sub.RegisterMetrics(reg); err != nil {
			return err
		}
	}

	// One route table: the publisher's, with the daemon's routes added.
	pub.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	pub.Handle(publisher.HubPath, hub)
	if sub != nil {
		pub.Handle(aggregator.CallbackPath, sub)
	}
	pub.Register(desk.Register)
	srv := publisher.NewHTTPServer(pub.Handler(), a.logger)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	a.logger.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("config", cfg.Path), slog.String("database", db.Redact(cfg.Database)), slog.Bool("fast_path", fast))
	if lock != nil {
		if err := lock.Update(db.Holder{PID: os.Getpid(), Listen: ln.Addr().String(), Since: time.Now()}); err != nil {
			a.logger.Warn("daemon lock", slog.Any("error", err))
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 3)
	// Plain feed GETs take the publisher's fast path (unless it is off);
	// the rest, and every later request of a connection that sends one,
	// go to srv. front is nil with the fast path off.
	hs, front := publisher.NewHTTP(pub, srv, fast)
	reg.MustRegister(
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
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serve: %w", err)
		}
	}()
	// The daemon serves pub.Handler with its own http.Server, so it runs
	// the render cache's loop (background re-renders, hub announcements
	// for websub.hubs) and the WebSub loops itself.
	go pub.Run(ctx)
	go hub.Run(ctx)
	if sub != nil {
		go sub.Run(ctx, time.Minute)
	}
	// Items written (by this process, `bantin poll`, or before the search
	// index existed) are indexed for search in the background.
	go indexSearchLoop(ctx, a, store, searchIndexInterval)
	// The rendered feeds the publisher keeps are long-lived: the soft
	// heap limit makes room for them (followLiveHeap), so that they do
	// not make the GC run without pause.
	cacheBytes := pub.CacheBytes
	heldBytes.Store(&cacheBytes)
	defer heldBytes.CompareAndSwap(&cacheBytes, nil)
	// Keep the write-ahead log small while readers never stop reading.
	go store.KeepWALSmall(ctx, 5*time.Second, 16<<20, func(err error) {
		a.logger.Warn("database checkpoint", slog.Any("error", err))
	})
	recomputeNow := make(chan struct{}, 1)
	recomputeNow <- struct{}{}
	var drift *driftWatch
	if store.Postgres() {
		drift = &driftWatch{store: store}
		drift.cfg.Store(cfg)
		pub.HealthDetail = drift.detail
	}
	go recomputeLoop(ctx, a, members, recomputeNow, drift)
	go watchDatabase(ctx, a.logger, store, databaseCheckInterval)
	done := make(chan struct{})
	if poller != nil {
		go func() {
			defer close(done)
			if err := poller.Run(ctx); err != nil {
				errc <- err
			}
		}()
		go maintain(ctx, a, poller)
	} else {
		close(done)
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-errc:
			runErr = err
			break loop
		case <-hup:
			next, err := config.Load(a.configPath)
			if err != nil {
				a.logger.Error("reload failed; keeping the running config", slog.Any("error", err))
				continue
			}
			if r := config.RemovalOf(cfg, next); r.Large() && !next.AllowLargeRemoval {
				a.logger.Error("reload refused; keeping the running config: the new config "+r.String()+
					"; if that is meant, set allow_large_removal: true at the top of the file",
					append([]any{slog.String("config", next.Path)}, removalAttrs(r)...)...)
				continue
			}
			if next.Database != cfg.Database {
				a.logger.Warn("reload: a new database path takes effect only after a restart", slog.String("database", db.Redact(next.Database)))
				next.Database = cfg.Database
			}
			if next.FastPathOn() != cfg.FastPathOn() {
				a.logger.Warn("reload: fast_path takes effect only after a restart", slog.Bool("fast_path", next.FastPathOn()))
			}
			if poller != nil {
				err = poller.Reload(ctx, next)
			} else if err = topics.Reload(next); err == nil {
				_, err = aggregator.FollowRenames(ctx, store, next)
			}
			if err != nil {
				a.logger.Error("reload failed; keeping the running config", slog.Any("error", err))
				continue
			}
			select {
			case recomputeNow <- struct{}{}:
			default: // a recompute is already pending; it reads the new config
			}
			pub.Reload(next)
			if err := desk.Reload(next); err != nil {
				a.logger.Error("reload of the web desk failed", slog.Any("error", err))
			}
			metrics.SetTopics(next)
			cfg = next
			if drift != nil {
				drift.cfg.Store(next)
			}
			a.logger.Info("config reloaded", slog.Int("sources", len(next.Sources)), slog.Int("topics", len(next.Topics)))
			warnOrphanCurations(ctx, a, store, next)
		}
	}
	cancel()
	shCtx, shCancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer shCancel()
	if err := hs.Shutdown(shCtx); err != nil {
		hs.Close()
	}
	select {
	case <-done:
	case <-shCtx.Done():
		a.logger.Warn("poller did not stop in time")
	}
	a.logger.Info("stopped")
	return runErr
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
func maintain(ctx context.Context, a *app, p *aggregator.Poller) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := p.Prune(ctx); err != nil && ctx.Err() == nil {
			a.logger.Error("retention", slog.Any("error", err))
		} else if n > 0 {
			a.logger.Info("retention pruned items", slog.Int("items", n))
		}
		octx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := p.Store.Optimize(octx); err != nil && ctx.Err() == nil {
			a.logger.Warn("database optimize", slog.Any("error", err))
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
func recomputeLoop(ctx context.Context, a *app, r recomputer, now <-chan struct{}, drift *driftWatch) {
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
			drift.check(ctx, a.logger)
			continue
		case <-now:
		}
		n, err := r.RecomputeTopics(ctx, false, nil)
		if err != nil && ctx.Err() == nil {
			a.logger.Error("recompute topics", slog.Any("error", err))
		} else if n > 0 {
			a.logger.Info("topic membership recomputed", slog.Int("items", n))
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

func cmdPoll(ctx context.Context, a *app, args []string) error {
	fs := a.flags("poll", "[SOURCE...]")
	all := fs.Bool("all", false, "poll every source, ignoring intervals and error backoff (never Retry-After or disabled sources)")
	force := fs.Bool("force", false, "re-read: send no conditional headers (If-None-Match, If-Modified-Since), so every feed is read whole; implies -all")
	lease := fs.Duration("lease", aggregator.DefaultLeaseTimeout, "on PostgreSQL, how long a source this poll claims stays claimed if the process dies")
	ids, err := a.parse(fs, args, 0, -1)
	if err != nil {
		return err
	}
	cfg, store, p, err := a.openPoller(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	p.LeaseTimeout = *lease
	for _, id := range ids {
		if _, ok := cfg.Source(id); !ok {
			return &usageError{fmt.Sprintf("no source %q in %s", id, a.configPath)}
		}
	}
	if err := recomputeWithProgress(ctx, a, p); err != nil {
		return err
	}
	polled := map[string]bool{}
	sum, err := p.PollOnceWith(ctx, aggregator.PollOptions{All: *all, Force: *force, Sources: ids}, func(r aggregator.Result) {
		polled[r.SourceID] = true
		printResult(a, r)
	})
	if err == nil {
		printNotPolled(ctx, a, store, ids, polled)
	}
	fmt.Fprintf(a.stdout, "polled %d sources in %s: %d failed, %d not modified, %d new items, %d updated\n",
		sum.Sources, sum.Duration.Round(time.Millisecond), sum.Failed, sum.NotModified, sum.New, sum.Updated)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	// Sources that failed leave the exit code 0; a database that could not
	// be written (read-only, full, deleted) does not: nothing was stored.
	if err := store.Health(); err != nil && sum.Sources > 0 {
		return fmt.Errorf("the database could not be written, so what this poll fetched was not stored: %w", err)
	}
	return nil
}

// searchIndexInterval is how often the daemon indexes new and updated
// items for search.
const searchIndexInterval = 2 * time.Second

// indexSearchLoop indexes queued items for search every interval until ctx
// ends (an empty queue costs one read).
func indexSearchLoop(ctx context.Context, a *app, store *db.DB, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := store.IndexSearch(ctx, 500)
		switch {
		case err != nil && ctx.Err() == nil:
			a.logger.Warn("search index", slog.Any("error", err))
		case n >= 5000:
			a.logger.Info("indexed items for search", slog.Int("items", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// printNotPolled says why sources named on the command line were not
// polled (disabled, Retry-After).
func printNotPolled(ctx context.Context, a *app, store *db.DB, ids []string, polled map[string]bool) {
	for _, id := range ids {
		if polled[id] {
			continue
		}
		why := "not due"
		if st, err := store.Source(ctx, id); err == nil {
			switch {
			case st.Disabled:
				why = "disabled (410 Gone)"
			case st.RetryAfter.After(time.Now()):
				why = "the server asked to retry after " + st.RetryAfter.Local().Format(time.DateTime)
			}
		}
		fmt.Fprintf(a.stdout, "%-28s    -  not polled: %s\n", id, why)
		polled[id] = true
	}
}

// recomputeWithProgress rebuilds stored tags and topic membership if the
// topics or the sources' tags changed, showing progress when stderr is a
// terminal.
func recomputeWithProgress(ctx context.Context, a *app, p *aggregator.Poller) error {
	tty := isTerminal(a.stderr)
	n, err := p.RecomputeTopics(ctx, false, func(done int) {
		if tty {
			fmt.Fprintf(a.stderr, "\rrecomputing topic membership: %d items", done)
		}
	})
	if tty && n > 0 {
		fmt.Fprintln(a.stderr)
	}
	return err
}

func printResult(a *app, r aggregator.Result) {
	d := r.Duration.Round(time.Millisecond)
	if r.Err != nil {
		status := "-"
		if r.Status != 0 {
			status = fmt.Sprint(r.Status)
		}
		fmt.Fprintf(a.stdout, "%-28s %4s  error: %v (%s)\n", r.SourceID, status, r.Err, d)
		return
	}
	note := ""
	if r.Skipped > 0 {
		note = "  skipped: " + aggregator.SkipNote(r.Skipped, r.SkipReason)
	}
	if r.Note != "" {
		note += "  note: " + r.Note
	}
	fmt.Fprintf(a.stdout, "%-28s %4d  new %-4d updated %-4d %s%s\n", r.SourceID, r.Status, r.New, r.Updated, d, note)
}
