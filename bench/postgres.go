package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"bantin/aggregator"
	"bantin/config"
	"bantin/db"
	"bantin/db/pgtest"
)

// PGReport holds the PostgreSQL figures (Options.Database).
type PGReport struct {
	Ingest1, Ingest3 time.Duration // first ingest with 1 and 3 pollers
	IngestItems      int
	Repoll1, Repoll3 time.Duration // re-poll of Sources unchanged sources
	Share3           []int         // sources polled by each of the 3 pollers (re-poll)
	IngestShare3     []int         // the same in the 3-poller ingest
}

// Print writes the PostgreSQL figures beside SQLite's ingest rate.
func (r PGReport) Print(w io.Writer, sqlite Report) {
	rate := func(d time.Duration) float64 { return float64(r.IngestItems) / d.Seconds() }
	lite := float64(sqlite.IngestItems) / sqlite.IngestTime.Seconds()
	fmt.Fprintf(w, "PostgreSQL first ingest, 1 poller: %v = %.0f items/s (%.2fx SQLite's %.0f items/s; target >= 0.5x)\n",
		r.Ingest1.Round(time.Millisecond), rate(r.Ingest1), rate(r.Ingest1)/lite, lite)
	fmt.Fprintf(w, "PostgreSQL first ingest, 3 pollers: %v = %.0f items/s (%.2fx one poller; target >= 1x), sources per poller %v\n",
		r.Ingest3.Round(time.Millisecond), rate(r.Ingest3), r.Ingest1.Seconds()/r.Ingest3.Seconds(), r.IngestShare3)
	total := 0
	for _, n := range r.Share3 {
		total += n
	}
	var pct []string
	for _, n := range r.Share3 {
		pct = append(pct, fmt.Sprintf("%.0f%%", 100*float64(n)/float64(max(total, 1))))
	}
	fmt.Fprintf(w, "PostgreSQL re-poll of %d unchanged sources: 1 poller %v, 3 pollers %v (target < 15 s), split %s (target 25-42%% each)\n",
		total, r.Repoll1.Round(time.Millisecond), r.Repoll3.Round(time.Millisecond), strings.Join(pct, " / "))
}

// runPostgres measures ingest and re-poll on the PostgreSQL database
// o.Database, each run in a fresh schema dropped afterwards.
func runPostgres(ctx context.Context, o Options, base string) (PGReport, error) {
	var rep PGReport
	var b strings.Builder
	for i := range o.Feeds {
		fmt.Fprintf(&b, "  - {id: s%05d, url: '%s/feed/%d/%d.xml'}\n", i, base, i, o.Items)
	}
	ingest := b.String()
	b.Reset()
	for i := range o.Sources {
		fmt.Fprintf(&b, "  - {id: s%05d, url: '%s/feed/%d/3.xml'}\n", i, base, i)
	}
	repoll := b.String()

	for _, n := range []int{1, 3} {
		d, share, items, err := pgPhase(ctx, o, ingest, n, false)
		if err != nil {
			return rep, err
		}
		rep.IngestItems = items
		if n == 1 {
			rep.Ingest1 = d
		} else {
			rep.Ingest3, rep.IngestShare3 = d, share
		}
		fmt.Fprintf(o.Out, "PostgreSQL ingest with %d poller(s) done: %v\n", n, d.Round(time.Millisecond))
		d, share, _, err = pgPhase(ctx, o, repoll, n, true)
		if err != nil {
			return rep, err
		}
		if n == 1 {
			rep.Repoll1 = d
		} else {
			rep.Repoll3, rep.Share3 = d, share
		}
		fmt.Fprintf(o.Out, "PostgreSQL re-poll with %d poller(s) done: %v\n", n, d.Round(time.Millisecond))
	}
	return rep, nil
}

// pgPhase polls sources with n pollers (each its own connection pool, as
// separate instances) on a fresh schema; with again, it polls once first
// and measures a second pass with every source due again. It returns the
// time, the sources each poller polled and the items stored.
func pgPhase(ctx context.Context, o Options, sources string, n int, again bool) (time.Duration, []int, int, error) {
	dsn, drop, err := pgSchema(ctx, o.Database)
	if err != nil {
		return 0, nil, 0, err
	}
	defer drop()
	dir := filepath.Join(o.Dir, "pg")
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, nil, 0, err
	}
	path := filepath.Join(dir, "bantin.yaml")
	cfgText := fmt.Sprintf("database: '%s'\ndefaults:\n  interval: 15m\n  retention: 3650d\n  per_host: %d\n  workers: %d\nsources:\n%s",
		dsn, o.PerHost, o.Workers, sources)
	if err := os.WriteFile(path, []byte(cfgText), 0o644); err != nil {
		return 0, nil, 0, err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return 0, nil, 0, err
	}
	var ps []*aggregator.Poller
	var stores []*db.DB
	defer func() {
		for _, s := range stores {
			s.Close()
		}
	}()
	// In-process pollers poll the priming pass of a re-poll, and every
	// pass when no poller processes are asked for (o.PollerCmd).
	inProcess := n
	if !again && o.PollerCmd != nil {
		inProcess = 0
	}
	for range inProcess {
		store, err := db.Open(ctx, cfg.Database)
		if err != nil {
			return 0, nil, 0, err
		}
		stores = append(stores, store)
		p, err := aggregator.New(ctx, cfg, store, nil)
		if err != nil {
			return 0, nil, 0, err
		}
		ps = append(ps, p)
	}
	pass := func() (time.Duration, []int, int, error) {
		share := make([]int, n)
		newItems := make([]int, n)
		errs := make([]error, n)
		start := time.Now()
		var wg sync.WaitGroup
		for i, p := range ps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sum, err := p.PollOnce(ctx, false, nil)
				share[i], newItems[i], errs[i] = sum.Sources, sum.New, err
				if err == nil && sum.Failed > 0 {
					errs[i] = fmt.Errorf("bench: %d of %d sources failed on PostgreSQL", sum.Failed, sum.Sources)
				}
			}()
		}
		wg.Wait()
		return passResult(start, share, newItems, errs)
	}
	if again {
		if _, _, _, err := pass(); err != nil {
			return 0, nil, 0, err
		}
		if _, err := stores[0].SQL().ExecContext(ctx, `UPDATE sources SET next_due = 0`); err != nil {
			return 0, nil, 0, err
		}
	}
	if o.PollerCmd != nil {
		profile := ""
		if !again && o.PGProfile != "" {
			profile = fmt.Sprintf("%s.%dp", o.PGProfile, n)
		}
		return pollerProcs(o, path, n, profile)
	}
	if !again && o.PGProfile != "" {
		stop, err := startProfile(fmt.Sprintf("%s.%dp", o.PGProfile, n))
		if err != nil {
			return 0, nil, 0, err
		}
		defer stop()
	}
	return pass()
}

// pgSchema creates a fresh schema in the database at server and returns a
// URL that uses it and a function that drops it.
func pgSchema(_ context.Context, server string) (string, func(), error) {
	return pgtest.NewSchema(server)
}
