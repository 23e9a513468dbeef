package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bantin/aggregator"
	"bantin/db"
)

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
