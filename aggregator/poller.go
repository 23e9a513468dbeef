// Package aggregator polls the configured sources and stores what they
// publish: a dispatcher hands due sources to a bounded pool of fetch
// workers (never more than per_host at once to one host), and a single
// writer goroutine stores each outcome in one transaction.
package aggregator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"bantin/aggregator/classifier"
	"bantin/aggregator/fetcher"
	"bantin/config"
	"bantin/db"
	"bantin/logthrottle"
)

// bigBody is the body size from which a fetch counts as big; at most
// bigSlots big feeds are downloaded, parsed and waiting to be written at
// once (a 10 MiB feed takes about ten times that while parsed).
const (
	bigBody  = 1 << 20
	bigSlots = 2
)

// Version is reported in the User-Agent; cmd/bantin sets it.
var Version = "dev"

// Poller polls sources and stores their items. It is safe for concurrent
// use; Reload may be called while Run is running.
type Poller struct {
	Store   *db.DB
	Fetcher *fetcher.Fetcher
	Logger  *slog.Logger
	Metrics *Metrics
	// WebSub is the WebSub subscriber (websub.Subscriber), nil for
	// none: while it holds an active subscription for a source, that
	// source is polled only every max_interval.
	WebSub Subscriptions
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// NewTicker returns the ticker that paces Run (how often it looks
	// for sources fallen due, every second) and a function that stops
	// it; nil is time.NewTicker. Tests replace it to drive Run tick by
	// tick.
	NewTicker func(d time.Duration) (<-chan time.Time, func())
	// Owner names this instance in the source leases taken on
	// PostgreSQL, where several pollers share the sources (see
	// db.ClaimSource); LeaseTimeout is how long a lease lasts before the
	// other instances take the source over (DefaultLeaseTimeout when 0).
	Owner        string
	LeaseTimeout time.Duration
	// OnStage, when set, runs the work of each stage (see StageHook).
	OnStage StageHook

	bigSlots *semaphore.Weighted
	// bigPages are the slots of big article pages, apart from bigSlots:
	// a poll holding a big feed's slot may wait for one without
	// deadlocking against another.
	bigPages   *semaphore.Weighted
	cpu        chan struct{} // see onCPU
	bigSources sync.Map      // ids of sources whose bodies were big

	// storeLog logs failed database writes, one line per cause per
	// minute with a count (a full disk must not fill up with its own
	// log); it writes to the Logger given to New.
	storeLog      *slog.Logger
	storeThrottle *logthrottle.Handler

	// topics holds the config in force and its compiled rules: the
	// one snapshot of both that polling, classifying and recomputing
	// read (see Topics).
	topics   *Topics
	reloaded chan struct{}
	// passed, when set (tests), is called with the dispatcher after
	// each dispatch pass of the loop, before it waits for a wake-up.
	passed func(*dispatcher)
}

// DefaultLeaseTimeout is how long a poller's lease of a source lasts.
const DefaultLeaseTimeout = 2 * time.Minute

// New returns a Poller for cfg that stores into store. It syncs the
// configured sources into the database.
func New(ctx context.Context, cfg *config.Config, store *db.DB, logger *slog.Logger) (*Poller, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ua := cfg.Defaults.UserAgent
	if ua == "" {
		ua = fmt.Sprintf("bantin/%s (+%s)", Version, cfg.BaseURL)
	}
	host, _ := os.Hostname()
	p := &Poller{
		Owner:    fmt.Sprintf("%s/%d/%x", host, os.Getpid(), rand.Uint32()),
		Store:    store,
		Fetcher:  fetcher.New(ua),
		Logger:   logger,
		Now:      time.Now,
		topics:   &Topics{Store: store, Now: time.Now},
		reloaded: make(chan struct{}, 1),
		bigSlots: semaphore.NewWeighted(bigSlots),
		bigPages: semaphore.NewWeighted(bigSlots),
		cpu:      make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
	// Up to per_host connections to a host are busy at once: keep as
	// many idle between polls, or each pass dials most of them again.
	if tr, ok := p.Fetcher.Client.Transport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, cfg.Defaults.PerHost)
	}
	p.storeThrottle = logthrottle.New(logger.Handler(), time.Minute, "source", "error")
	p.storeLog = slog.New(p.storeThrottle)
	if err := p.Reload(ctx, cfg); err != nil {
		return nil, err
	}
	return p, nil
}

// Reload switches to cfg: compiles its topics, syncs its sources into the
// database (new ones become due at once; removed ones stop being polled but
// keep their items) and moves the curations of renamed topics (see
// FollowRenames). Topic membership is recomputed by RecomputeTopics.
func (p *Poller) Reload(ctx context.Context, cfg *config.Config) error {
	cl, err := classifier.Compile(cfg.Topics)
	if err != nil {
		return fmt.Errorf("aggregator: compile topics: %w", err)
	}
	specs := make([]db.SourceSpec, len(cfg.Sources))
	for i, s := range cfg.Sources {
		specs[i] = db.SourceSpec{ID: s.ID, URL: s.URL, Title: s.Title, Settings: storedSettings(&s)}
	}
	if err := p.Store.SyncSources(ctx, specs); err != nil {
		return fmt.Errorf("aggregator: sync sources: %w", err)
	}
	if n, err := FollowRenames(ctx, p.Store, cfg); err != nil {
		return err
	} else if n > 0 {
		p.Logger.Info("curations moved to renamed topics", slog.Int("curations", n))
	}
	p.topics.set(cfg, cl)
	select {
	case p.reloaded <- struct{}{}:
	default:
	}
	return nil
}

// storedSettings fingerprints the settings of src that change what is
// stored from its feed: when they change, the source's validators are
// dropped (db.SourceSpec.Settings) and its next poll reads the feed whole,
// so that raising retention, say, brings back the items it left out.
func storedSettings(src *config.Source) string {
	tz := src.Timezone
	if src.Location != nil {
		tz = src.Location.String()
	}
	return fmt.Sprintf("url=%s retention=%s timezone=%s language=%s max_body=%d",
		src.URL, src.Retention, tz, src.Language, int64(src.MaxBody))
}

// sourceConfig returns the configured source with that id, or nil.
func (p *Poller) sourceConfig(id string) *config.Source {
	cfg, _ := p.snapshot()
	if s, ok := cfg.Source(id); ok {
		return s
	}
	return nil
}

func (p *Poller) snapshot() (*config.Config, *classifier.Classifier) {
	return p.topics.snapshot()
}

// Topics returns the Topics the poller classifies with: it follows every
// Reload of the poller, and its RecomputeTopics is the poller's.
func (p *Poller) Topics() *Topics { return p.topics }

// Result is the outcome of polling one source.
type Result struct {
	SourceID    string
	Status      int // HTTP status; 0 when the request failed before a response
	NotModified bool
	New         int
	Updated     int
	Duration    time.Duration
	Err         error
	// Note says how a malformed response was recovered (a body labelled
	// gzip that was not, an undeclared gzip body, ...), "" when it was
	// not; the poll succeeded nonetheless. It is logged as well.
	Note string
	// Skipped items of the feed were not stored, for SkipReason ("older
	// than retention 90d"); see SkipNote.
	Skipped    int
	SkipReason string
	// Rejected says why a 200 body was not stored ("html", "truncated",
	// "empty", "not_feed", "malformed"; Err says more), "" otherwise.
	Rejected string
}

// PollOptions choose what PollOnceWith polls.
type PollOptions struct {
	// All polls every source, ignoring intervals and error backoff (never
	// Retry-After or a disabled source).
	All bool
	// Force re-reads: requests carry no conditional headers
	// (If-None-Match, If-Modified-Since), so every feed is read whole.
	// It implies All.
	Force bool
	// Sources, when not empty, limits the pass to these source ids, each
	// polled as with All; an id that is not configured is an error.
	Sources []string
}

// Summary totals a poll pass.
type Summary struct {
	Sources, Failed, NotModified, New, Updated int
	Duration                                   time.Duration
}

// PollOnce polls the sources that are due (all of them with all=true, which
// still honours Retry-After and disabled sources), calls report for each
// as it is stored, and returns when every one is done or ctx ends.
func (p *Poller) PollOnce(ctx context.Context, all bool, report func(Result)) (Summary, error) {
	return p.PollOnceWith(ctx, PollOptions{All: all}, report)
}

// PollOnceWith is PollOnce with the choices of opts.
func (p *Poller) PollOnceWith(ctx context.Context, opts PollOptions, report func(Result)) (Summary, error) {
	cfg, _ := p.snapshot()
	for _, id := range opts.Sources {
		if _, ok := cfg.Source(id); !ok {
			return Summary{}, fmt.Errorf("aggregator: poll: no source %q in the config", id)
		}
	}
	start := p.Now()
	var sum Summary
	err := p.loop(ctx, true, opts, func(r Result) {
		sum.Sources++
		switch {
		case r.Err != nil:
			sum.Failed++
		case r.NotModified:
			sum.NotModified++
		}
		sum.New += r.New
		sum.Updated += r.Updated
		if report != nil {
			report(r)
		}
	})
	sum.Duration = p.Now().Sub(start)
	return sum, err
}

// Run polls sources as they fall due until ctx is cancelled, then lets
// in-flight database writes finish and returns.
func (p *Poller) Run(ctx context.Context) error {
	defer p.storeThrottle.Flush()
	return p.loop(ctx, false, PollOptions{}, func(r Result) {
		var se *storeError
		if errors.As(r.Err, &se) {
			return // logged by storeFailed
		}
		if r.Err != nil {
			p.Logger.Warn("poll failed", slog.String("source", r.SourceID), slog.Int("status", r.Status), slog.Any("error", r.Err))
			return
		}
		p.Logger.Debug("polled", slog.String("source", r.SourceID), slog.Int("status", r.Status),
			slog.Int("new", r.New), slog.Int("updated", r.Updated), slog.Duration("duration", r.Duration))
		p.logSkipped(r)
	})
}

// due reports whether st should be polled at now.
func due(st *db.Source, now time.Time, all bool) bool {
	if st.Disabled || st.Removed {
		return false
	}
	if now.Before(st.RetryAfter) {
		return false
	}
	return all || !now.Before(st.NextDue)
}

// job is one source to poll.
type job struct {
	state db.Source
	src   *config.Source
	host  string
	hosts *hostLimiter // the per_host slots of the pass
	force bool         // no conditional headers
	// lease is when this poller's lease of the source ends (PostgreSQL;
	// zero on SQLite): a job that waited until most of it passed renews
	// it before fetching (see poll).
	lease time.Time
}

// outcome is what a worker hands to the writer.
type outcome struct {
	job
	items    []db.Item // nil: only the source state changes
	status   int
	notMod   bool
	err      error
	note     string // see Result.Note
	rejected string // see Result.Rejected
	canceled bool   // the poll was cut short by shutdown: nothing to record
	dur      time.Duration
	release  func() // returns the memory budget taken for items, if any
	skips    skips  // the feed's items not stored, by why (stored with the state)
}

// size is about how much memory o's items take: their text.
func (o *outcome) size() int64 {
	var n int
	for i := range o.items {
		it := &o.items[i]
		n += len(it.Title) + len(it.Summary) + len(it.Content) + len(it.FullText) + len(it.Link) + len(it.GUID)
	}
	return int64(n)
}

// hostOf is the per_host limit key of a source URL; local files are not limited.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "file" {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// loop runs a pass for Run (once=false) and PollOnce (once=true): it
// drives a dispatcher, fetch workers and the single writer.
func (p *Poller) loop(ctx context.Context, once bool, opts PollOptions, report func(Result)) error {
	// A reload before the loop started (New reloads once) is in the
	// states read just below: its signal must not make the loop read them
	// again, racing the first writes (states read before a write commits,
	// put in after it, made a source due again at once: a second poll).
	select {
	case <-p.reloaded:
	default:
	}
	cfg, _ := p.snapshot()
	states, err := p.loadStates(ctx)
	if err != nil {
		return err
	}
	if len(opts.Sources) > 0 {
		named := map[string]bool{}
		for _, id := range opts.Sources {
			named[id] = true
		}
		for id := range states {
			if !named[id] {
				delete(states, id)
			}
		}
	}
	workers := max(cfg.Defaults.Workers, 1)
	perHost := max(cfg.Defaults.PerHost, 1)
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	d := newDispatcher(states, workers, perHost, signal)
	d.all = opts.All || opts.Force || len(opts.Sources) > 0
	d.force = opts.Force
	d.relax = p.endRelaxation
	if !p.Store.Postgres() {
		// As many polls again may wait for the writer (see window).
		// Not on PostgreSQL, where a source waiting to be stored holds
		// a lease that must not run out first.
		d.window = 2 * workers
	}
	if p.Store.Postgres() {
		// The claim checks the stored next_due: the stored schedule
		// must end its relaxation too, or the source is not claimed
		// until the subscriber's next Sync does it.
		d.relax = func(st *db.Source, now time.Time) {
			if st.NormalDue.IsZero() {
				return
			}
			p.endRelaxation(st, now)
			if !st.NormalDue.IsZero() {
				return
			}
			if _, err := p.Store.EndSourceRelaxation(ctx, st.ID); err != nil && !isCanceled(ctx, err) {
				p.Logger.Warn("end relaxed polling", slog.String("source", st.ID), slog.Any("error", err))
			}
		}
		// Several pollers may share this database: a source is polled
		// by the one that leases it.
		d.rotate = true
		d.lookahead = 4 * workers
		d.claim = func(cands []db.Candidate, n int) ([]db.Claimed, error) {
			now := p.Now()
			return p.Store.ClaimSources(ctx, p.Owner, cands, perHost, n, now, now.Add(p.leaseTimeout()), d.all)
		}
	}

	if p.Store.Postgres() {
		// The leases of the sources in flight are kept alive until their
		// outcome is stored (see keepLeases).
		hbCtx, stopHB := context.WithCancel(ctx)
		defer stopHB()
		go p.keepLeases(hbCtx, d)
	}
	jobs := make(chan job, workers)
	outcomes := make(chan outcome, d.window)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				o := p.poll(ctx, j, func() { j.hosts.release(j.host) })
				d.handed(j.state.ID, o.size())
				signal() // this worker is free for the next source
				outcomes <- o
			}
		}()
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		p.writer(ctx, outcomes, d, report)
	}()

	d.fill(p.Now())
	tick, stopTick := p.ticker(time.Second)
	defer stopTick()
	var gone error
	for {
		// Once the database file is deleted or replaced nothing more can
		// be stored: nothing is fetched either (the daemon keeps serving
		// and reports it on /healthz; a one-shot poll stops).
		gone = p.Store.CheckFiles()
		if gone != nil && once {
			break
		}
		if gone == nil {
			cfg, _ = p.snapshot()
			js, hostFull, err := d.next(cfg)
			if err != nil && ctx.Err() == nil {
				p.Logger.Warn("claim sources", slog.Any("error", err))
			}
			for _, j := range js {
				jobs <- j // never blocks: at most workers are dispatched
			}
			if d.skippedAny() {
				// Sources other pollers had polled were skipped: look
				// further at once (one claim skips a batch of them).
				signal()
			}
			if hostFull {
				// Other instances hold the host's per_host slots: try
				// again shortly (they release them as their fetches are
				// stored).
				time.AfterFunc(hostRetry, signal)
			}
		}
		if once && d.idle() {
			break
		}
		if p.passed != nil {
			p.passed(d)
		}
		select {
		case <-ctx.Done():
		case <-wake:
			continue
		case <-p.reloaded:
			if once {
				continue
			}
			if fresh, err := p.loadStates(ctx); err == nil {
				d.replace(fresh)
			}
			d.fill(p.Now())
			continue
		case <-tick:
			if !once {
				d.fill(p.Now())
			}
			continue
		}
		break // ctx done
	}
	close(jobs)
	wg.Wait()
	close(outcomes)
	<-writerDone
	if p.Store.Postgres() {
		// The other pollers take this one's share of per_host now.
		if err := p.Store.RetirePoller(context.WithoutCancel(ctx), p.Owner); err != nil {
			p.Logger.Warn("retire poller", slog.Any("error", err))
		}
	}
	if once {
		if gone != nil {
			return fmt.Errorf("aggregator: poll stopped: %w", gone)
		}
		return ctx.Err()
	}
	return nil
}

// writer stores the outcomes, several waiting ones in one transaction
// (group commit), hands each stored state to d and reports each result.
// Writes are not tied to ctx: a started transaction completes even during
// shutdown, so nothing reported stored is lost.
func (p *Poller) writer(ctx context.Context, outcomes <-chan outcome, d *dispatcher, report func(Result)) {
	wctx := context.WithoutCancel(ctx)
	var batch []outcome
	for o := range outcomes {
		// The outcomes already waiting are stored with this one, so a
		// writer that falls behind catches up in fewer, larger
		// transactions. The batch is bounded by what is in flight (the
		// channel holds at most one outcome per worker).
		batch = append(batch[:0], o)
		for more := true; more && len(batch) < maxBatch; {
			select {
			case o, ok := <-outcomes:
				if ok {
					batch = append(batch, o)
				} else {
					more = false
				}
			default:
				more = false
			}
		}
		results, stored, released := p.writeBatch(wctx, batch)
		for i, o := range batch {
			if !released[i] {
				if err := p.Store.ReleaseSource(wctx, o.state.ID, p.Owner); err != nil {
					p.Logger.Warn("release source", slog.String("source", o.state.ID), slog.Any("error", err))
				}
			}
			if o.release != nil {
				o.release()
			}
			d.done(stored[i])
			if !o.canceled {
				report(results[i])
			}
			batch[i] = outcome{} // the items may go
		}
		d.hosts.onFree()
	}
}

// keepLeases renews, every third of the lease timeout until ctx ends, the
// leases of the sources d has in flight. A lease taken at the claim used
// to last only its timeout: a fetch begun with half of it left, then
// parsed and queued for the writer on a loaded machine, could be stored
// after it ended, and another instance that claimed the source meanwhile
// fetched it again (TestClusterPollersOnPostgres, rarely). A poller that
// dies stops renewing: its leases end a timeout later, as before.
func (p *Poller) keepLeases(ctx context.Context, d *dispatcher) {
	t := time.NewTicker(p.leaseTimeout() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := p.Store.RenewLeases(ctx, p.Owner, d.inflightIDs(), p.Now().Add(p.leaseTimeout())); err != nil && ctx.Err() == nil {
			p.Logger.Warn("renew leases", slog.Any("error", err))
		}
	}
}

// hostRetry is how soon a poller tries again to claim a source whose host
// other instances fill.
const hostRetry = 20 * time.Millisecond

// ticker returns the ticker of Run (see NewTicker).
func (p *Poller) ticker(d time.Duration) (<-chan time.Time, func()) {
	if p.NewTicker != nil {
		return p.NewTicker(d)
	}
	t := time.NewTicker(d)
	return t.C, t.Stop
}

func (p *Poller) leaseTimeout() time.Duration {
	if p.LeaseTimeout > 0 {
		return p.LeaseTimeout
	}
	return DefaultLeaseTimeout
}

// loadStates reads the stored state of every configured source.
func (p *Poller) loadStates(ctx context.Context) (map[string]*db.Source, error) {
	cfg, _ := p.snapshot()
	all, err := p.Store.Sources(ctx)
	if err != nil {
		return nil, fmt.Errorf("aggregator: load sources: %w", err)
	}
	m := make(map[string]*db.Source, len(all))
	for i := range all {
		if src, ok := cfg.Source(all[i].ID); ok && !all[i].Removed {
			capRetryAfter(&all[i], src)
			m[all[i].ID] = &all[i]
		}
	}
	return m, nil
}

// sortedDue lists the ids of the sources due at now, the most overdue first.
func sortedDue(states map[string]*db.Source, now time.Time, all bool) []string {
	var ids []string
	for id, st := range states {
		if due(st, now, all) {
			ids = append(ids, id)
		}
	}
	sortByDue(ids, states)
	return ids
}

// maxBatch bounds the outcomes stored in one transaction (group commit).
const maxBatch = 64

// writeBatch stores outcomes in one transaction and returns, for each,
// the result to report, the new state and whether its lease ended in that
// transaction (on SQLite, where there are none, always).
func (p *Poller) writeBatch(ctx context.Context, batch []outcome) ([]Result, []db.Source, []bool) {
	results := make([]Result, len(batch))
	states := make([]db.Source, len(batch))
	released := make([]bool, len(batch))
	lease := ""
	if p.Store.Postgres() {
		lease = p.Owner
	} else {
		for i := range released {
			released[i] = true
		}
	}
	fetches := make([]db.Fetch, 0, len(batch))
	at := make([]int, 0, len(batch)) // the outcome of each fetch
	for i, o := range batch {
		r, st, write := p.prepareWrite(o)
		results[i], states[i] = r, st
		if write {
			f := db.Fetch{Source: st, Items: o.items, Lease: lease}
			if o.items != nil {
				f.Skips = o.skips.withTombstoned(o.src) // a state alone (a 304) has none
			}
			fetches = append(fetches, f)
			at = append(at, i)
		}
	}
	if len(fetches) == 0 {
		return results, states, released
	}
	var res []db.SaveResult
	var errs []error
	var err error
	p.stage(StageStore, func() { res, errs, err = p.Store.SaveFetches(ctx, fetches) })
	for k, i := range at {
		e := err
		if e == nil {
			e = errs[k]
		}
		var sr db.SaveResult
		if res != nil {
			sr = res[k]
		}
		p.finishWrite(ctx, batch[i], &results[i], &states[i], sr, e)
		if e == nil && lease != "" {
			released[i] = true
		}
	}
	return results, states, released
}

// prepareWrite returns the result to report for an outcome and the
// state to store, and whether anything is to be stored.
func (p *Poller) prepareWrite(o outcome) (Result, db.Source, bool) {
	r := Result{SourceID: o.state.ID, Status: o.status, NotModified: o.notMod, Err: o.err, Duration: o.dur, Note: o.note,
		Rejected: o.rejected}
	if o.items != nil { // a feed read this time
		r.Skipped, r.SkipReason = o.state.LastSkipped, o.state.LastSkipReason
	}
	if o.canceled {
		return r, o.state, false
	}
	st := o.state
	p.merge(&st) // keep the subscriber's hub secret and lease
	if o.err != nil {
		st.NormalDue = time.Time{} // NextDue is a backoff, not relaxed
	}
	if o.items != nil && p.sourceConfig(st.ID) == nil {
		// The source left the config while it was fetched: its items are
		// kept, published nowhere (see Reclassify).
		for i := range o.items {
			o.items[i].Tags, o.items[i].Topics = nil, nil
		}
	}
	return r, st, true
}

// finishWrite completes the result and state of an outcome once stored
// (err: it could not be).
func (p *Poller) finishWrite(ctx context.Context, o outcome, r *Result, st *db.Source, res db.SaveResult, err error) {
	switch {
	case errors.Is(err, db.ErrLeaseLost):
		// Polled too slowly: the lease ended and another poller took the
		// source over; its outcome counts, this one is dropped.
		r.Err = err
		p.Logger.Warn("poll outcome dropped", slog.String("source", st.ID), slog.Any("error", err))
	case err != nil && o.items != nil:
		// The items could not be stored: record the failure on the
		// source and retry soon, rather than lose the fetch silently.
		p.storeFailed(st.ID, err)
		r.Err = &storeError{err}
		// The validators of this response must not be kept: a 304
		// next time would skip the items that were never stored.
		st.ETag, st.LastModified = "", ""
		st.LastAttempt = p.Now()
		st.LastError = r.Err.Error()
		st.Failures++
		st.NextDue = p.Now().Add(backoff(o.src, st.Failures))
		st.NormalDue = time.Time{}
		if err := p.Store.SaveSourceState(ctx, *st); err != nil {
			p.storeFailed(st.ID, err)
		}
	case err != nil:
		p.storeFailed(st.ID, err)
	case o.items != nil:
		// SaveFetches stored these counts with the source state.
		r.New, r.Updated = res.New, res.Updated
		st.LastNew, st.LastUpdated = res.New, res.Updated
		if res.Tombstoned > 0 {
			r.Skipped, r.SkipReason = o.skips.withTombstoned(o.src)(res.Tombstoned)
			st.LastSkipped, st.LastSkipReason = r.Skipped, r.SkipReason
		}
	}
	p.Metrics.observe(*r)
}

// storeError is a poll's error when its outcome could not be stored.
type storeError struct{ err error }

func (e *storeError) Error() string { return "store: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// storeFailed logs a failed write of source id's outcome. Writes that fail
// for one cause (a read-only file, a full disk, a deleted database) fail
// for every source: the log says so once a minute with a count.
func (p *Poller) storeFailed(id string, err error) {
	cause := err
	for errors.Unwrap(cause) != nil {
		cause = errors.Unwrap(cause)
	}
	p.storeLog.Error("database write failed; nothing stored", slog.String("cause", cause.Error()),
		slog.String("source", id), slog.String("error", err.Error()))
}

// isCanceled reports whether err comes from our own shutdown.
func isCanceled(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// write stores one outcome and returns the result to report and the new
// state.
func (p *Poller) write(ctx context.Context, o outcome) (Result, db.Source) {
	r, st, _ := p.writeBatch(ctx, []outcome{o})
	return r[0], st[0]
}
