package aggregator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"bantin/aggregator/classifier"
	"bantin/aggregator/fetcher"
	"bantin/aggregator/normaliser"
	"bantin/aggregator/scrape"
	"bantin/config"
	"bantin/db"
	"bantin/iri"
)

// sortByDue orders ids by their sources' next due time, oldest first.
func sortByDue(ids []string, states map[string]*db.Source) {
	slices.SortFunc(ids, func(a, b string) int {
		if c := states[a].NextDue.Compare(states[b].NextDue); c != 0 {
			return c
		}
		if a < b {
			return -1
		}
		return 1
	})
}

// poll fetches, parses, normalises and classifies one source. It calls
// release as soon as the network part is over, so the host's slot frees
// up while the CPU-bound part runs. It never touches the database.
func (p *Poller) poll(ctx context.Context, j job, release func()) (o outcome) {
	start := p.Now()
	o.job = j
	st := j.state
	st.LastAttempt = start
	// NEW and UPDATED describe this attempt: a 304 or a failure stored
	// nothing (a 200 overwrites them with its counts).
	st.LastNew, st.LastUpdated = 0, 0
	defer func() {
		o.dur = p.Now().Sub(start)
		st.LastDuration = o.dur
		o.job.state = st
	}()

	if !p.leaseHeld(ctx, j) {
		o.canceled = true // another poller has the source now
		return o
	}
	fetchURL := st.URL
	if fetchURL == "" {
		fetchURL = st.ConfigURL
	}
	req := fetcher.Request{
		URL:          fetchURL,
		ETag:         st.ETag,
		LastModified: st.LastModified,
		Timeout:      j.src.Timeout.D(),
		MaxBytes:     int64(j.src.MaxBody),
		AllowPrivate: j.src.AllowPrivate,
		// The configured URL decides whether private addresses are fair
		// game, also after a move or an autodiscovery.
		Origin: st.ConfigURL,
		Accept: acceptFor(j.src),
	}
	if j.force {
		// poll -force: read the feed whole, whatever was stored before.
		req.ETag, req.LastModified = "", ""
	}
	// A body that grows past bigBody takes one of the few "big" slots,
	// held until its items are written: huge feeds are parsed a couple at
	// a time, so their memory cannot add up across workers.
	// Waiting for a slot must not eat into the request's timeout, so a
	// body found big mid-download without a free slot is abandoned and
	// fetched again once a slot is held; the source is then known big and
	// takes its slot before fetching.
	big := false
	takeSlot := func() error {
		if err := p.bigSlots.Acquire(ctx, 1); err != nil {
			return err
		}
		big = true
		return nil
	}
	if _, known := p.bigSources.Load(st.ID); known {
		if err := takeSlot(); err != nil {
			o.canceled = true
			return o
		}
	}
	req.Grow = func(size int64) error {
		if big || size <= bigBody {
			return nil
		}
		if p.bigSlots.TryAcquire(1) {
			big = true
			return nil
		}
		return errNeedSlot
	}
	defer func() {
		if big {
			if o.items != nil {
				o.release = func() { p.bigSlots.Release(1) }
			} else {
				p.bigSlots.Release(1)
			}
		}
	}()
	resp, err := p.Fetcher.Fetch(ctx, req)
	if errors.Is(err, errNeedSlot) {
		p.bigSources.Store(st.ID, true)
		if err = takeSlot(); err == nil {
			resp, err = p.Fetcher.Fetch(ctx, req)
		}
	}
	// The body's buffer serves the next fetch once this poll is over:
	// what the outcome keeps (items, notes, errors) is copied out of it.
	defer func() { resp.Release() }()
	// The host's slot is freed as soon as the network part is over, so
	// parsing never holds back other fetches to the same host. (The rare
	// second fetch of a feed discovered on an HTML page goes without one.)
	// A source whose article pages are fetched keeps it for the pages on
	// the same host (see slot).
	held := true
	freeFeedSlot := func() {
		if held {
			held = false
			release()
		}
	}
	defer freeFeedSlot()
	if !j.src.WantsArticle() {
		freeFeedSlot()
	}
	// slot takes a per_host slot for an article page on host: the feed's
	// while it is held, else one waited for (never while holding another,
	// so that two polls cannot wait on each other).
	slot := func(ctx context.Context, host string) (func(), error) {
		if held && host == j.host {
			return func() {}, nil
		}
		freeFeedSlot()
		if j.hosts == nil {
			return func() {}, nil
		}
		if err := j.hosts.acquire(ctx, host); err != nil {
			return nil, err
		}
		return func() { j.hosts.release(host) }, nil
	}
	if err != nil {
		if isCanceled(ctx, err) {
			o.canceled = true
			return o
		}
		p.fail(&st, &o, err)
		return o
	}
	o.status = resp.Status
	st.LastStatus = resp.Status
	p.noteRecovery(&o, resp)
	p.trackMove(&st, fetchURL, resp.PermanentURL)
	h := hints{MaxAge: resp.MaxAge, Expires: resp.Expires, TTL: st.FeedInterval, SkipHours: st.SkipHours, SkipDays: st.SkipDays}
	if resp.NotModified {
		o.notMod = true
		if j.src.WantsArticle() {
			// The feed is unchanged, but article pages that failed may be due.
			items, err := p.retryArticles(ctx, j.src, st.ConfigURL, start, slot)
			switch {
			case isCanceled(ctx, err):
				o.canceled = true
				return o
			case err != nil:
				p.Logger.Warn("pending article pages", slog.String("source", st.ID), slog.Any("error", err))
			case items != nil:
				p.onCPU(func() { p.classify(items, start) })
				o.items = items
			}
		}
		p.succeed(&st, h)
		return o
	}

	var parsed *normaliser.Parsed
	var perr error
	var listing *Listing
	if j.src.Type == config.TypeHTML {
		p.onCPU(func() {
			p.stage(StageParse, func() { listing, perr = ReadListing(resp.Body, resp.ContentType, resp.URL, j.src) })
		})
		if perr == nil {
			parsed = listing.Parsed
		}
	} else {
		p.onCPU(func() {
			p.stage(StageParse, func() { parsed, perr = normaliser.Parse(resp.Body, resp.ContentType, resp.URL) })
		})
	}
	if perr != nil && j.src.Type != config.TypeHTML && !errors.Is(perr, normaliser.ErrEmptyBody) && !errors.Is(perr, normaliser.ErrGzipBody) &&
		normaliser.IsHTML(resp.Body, resp.ContentType) {
		links := normaliser.Discover(resp.Body, resp.URL)
		if st.Fed {
			// A source that has given a feed and now serves a web page
			// (a maintenance or error page) is failing: the page's feed
			// link may be any other feed, never a reason to move.
			p.reject(&st, &o, rejectHTML, fmt.Errorf("aggregator: %s answered an HTML page instead of its feed (%s)%s",
				fetched(fetchURL, resp.URL), received(resp), notFollowed(links)))
			return o
		}
		// A configured URL that has never given a feed is a web page:
		// follow its advertised feed (autodiscovery).
		if len(links) == 0 {
			p.reject(&st, &o, rejectHTML, fmt.Errorf("aggregator: %s is an HTML page that advertises no feed (%s)",
				fetched(fetchURL, resp.URL), received(resp)))
			return o
		}
		feedURL := links[0]
		req.URL, req.ETag, req.LastModified = feedURL, "", ""
		resp, err = p.Fetcher.Fetch(ctx, req)
		if err != nil {
			if isCanceled(ctx, err) {
				o.canceled = true
				return o
			}
			p.fail(&st, &o, fmt.Errorf("discovered feed %s: %w", feedURL, err))
			return o
		}
		o.status, st.LastStatus = resp.Status, resp.Status
		p.noteRecovery(&o, resp)
		st.DiscoveredFrom = fetchURL
		st.URL = feedURL
		st.MovedTo, st.MovedCount = "", 0
		p.onCPU(func() {
			p.stage(StageParse, func() { parsed, perr = normaliser.Parse(resp.Body, resp.ContentType, resp.URL) })
		})
	}
	if perr != nil {
		// The URL parsed is named: after a move, a redirect or a
		// discovery it is not the configured one; and so is what it sent.
		p.reject(&st, &o, rejection(perr), fmt.Errorf("aggregator: parse %s: %w (%s)", fetched(req.URL, resp.URL), perr, received(resp)))
		return o
	}
	st.Fed = true
	st.ETag, st.LastModified = resp.ETag, resp.LastModified
	if f := parsed.Feed; f != nil {
		st.Title, st.SiteURL, st.Language = f.Title, iri.ToURI(f.Link), f.Language
	}
	st.HubURL, st.HubTopic = parsed.HubURL, parsed.SelfURL

	var items []db.Item
	var skipped skips
	if j.src.WantsArticle() {
		p.onCPU(func() { items, skipped = p.normalised(parsed, j.src, resp.URL, start) })
		var entries map[string]scrape.Entry
		if listing != nil {
			entries = listing.Entries
		}
		if err := p.articles(ctx, j.src, st.ConfigURL, items, entries, start, slot); err != nil {
			if isCanceled(ctx, err) {
				o.canceled = true
				return o
			}
			p.fail(&st, &o, fmt.Errorf("aggregator: article pages of %s: %w", j.src.ID, err))
			return o
		}
		freeFeedSlot()
		p.onCPU(func() { p.classify(items, start) })
	} else {
		p.onCPU(func() { items, skipped = p.storable(parsed, j.src, resp.URL, start) })
	}
	o.items = items
	if listing != nil {
		skipped.linkless = listing.Linkless
	}
	st.LastSkipped, st.LastSkipReason = skipped.record(j.src)
	o.skips = skipped
	if parsed.Repaired {
		p.noteRepair(&o, resp)
	}
	h.TTL, h.Period, h.SkipHours, h.SkipDays = parsed.TTL, parsed.UpdatePeriod, parsed.SkipHours, parsed.SkipDays
	st.FeedInterval, st.SkipHours, st.SkipDays = max(parsed.TTL, parsed.UpdatePeriod), parsed.SkipHours, parsed.SkipDays
	p.succeed(&st, h)
	return o
}

// fetched names the URL a body came from: the URL requested, and the
// final one when redirects led elsewhere.
func fetched(requested, final string) string {
	if final == "" || final == requested {
		return requested
	}
	return requested + " (redirected to " + final + ")"
}

// leaseHeld reports whether j's source may be fetched: on PostgreSQL a
// job that waited (a loaded machine, a full host) until less than half
// its lease is left renews the lease first, and is not fetched if
// another poller has claimed the source since the lease ended (two
// instances fetching one source within moments).
func (p *Poller) leaseHeld(ctx context.Context, j job) bool {
	if j.lease.IsZero() {
		return true
	}
	now := p.Now()
	if j.lease.Sub(now) > p.leaseTimeout()/2 {
		return true
	}
	ok, err := p.Store.RenewLease(ctx, j.state.ID, p.Owner, now.Add(p.leaseTimeout()))
	if err != nil || !ok {
		p.Logger.Warn("poll skipped: the source's lease ended before its fetch (the poller is overloaded?)",
			slog.String("source", j.state.ID), slog.Duration("waited", now.Sub(j.lease.Add(-p.leaseTimeout()))), slog.Any("error", err))
		return false
	}
	return true
}

// noteRecovery records and logs how the fetcher recovered a malformed
// response (Response.Note), if it had to.
func (p *Poller) noteRecovery(o *outcome, resp *fetcher.Response) {
	if resp.Note != "" {
		p.addNote(o, resp.URL, resp.Note)
	}
}

// onCPU runs CPU-bound work (parsing, normalising, classifying) with at
// most GOMAXPROCS workers at it at once: the other workers keep fetching,
// and fewer feeds half-parsed at a time keeps caches and memory warm.
func (p *Poller) onCPU(f func()) {
	p.cpu <- struct{}{}
	defer func() { <-p.cpu }()
	f()
}

// errNeedSlot aborts a download that turned out big while no big slot
// was free.
var errNeedSlot = errors.New("aggregator: big feed, waiting for a slot")

// succeed records a successful poll and schedules the next one.
func (p *Poller) succeed(st *db.Source, h hints) {
	now := p.Now()
	st.LastSuccess = now
	st.LastError = ""
	st.Failures = 0
	st.RetryAfter = time.Time{}
	src := p.sourceConfig(st.ID)
	if src != nil {
		st.NextDue = nextAfterSuccess(now, src, h)
		p.relaxForWebSub(st, src, now)
	}
}

// fail records a failed poll: exponential backoff with jitter up to
// max_interval, Retry-After honoured up to max_interval (a failing source
// is retried at least at that pace, whatever the server asks), 410 Gone
// disables the source.
func (p *Poller) fail(st *db.Source, o *outcome, err error) {
	now := p.Now()
	src := p.sourceConfig(st.ID)
	var se *fetcher.StatusError
	if errors.As(err, &se) {
		o.status, st.LastStatus = se.Code, se.Code
		if se.Code == 410 {
			st.Disabled = true
		}
		if !se.RetryAfter.IsZero() {
			st.RetryAfter = se.RetryAfter
			if limit := now.Add(retryCap(src)); st.RetryAfter.After(limit) {
				st.RetryAfter = limit
				p.Logger.Warn("Retry-After beyond max_interval: capped", slog.String("source", st.ID),
					slog.Time("retry_after", se.RetryAfter), slog.Time("capped_to", limit))
				err = fmt.Errorf("%w (Retry-After capped at max_interval %s)", err, retryCap(src))
			}
		}
	} else {
		st.LastStatus = 0
	}
	o.err = err
	st.LastError = err.Error()
	st.Failures++
	if src != nil {
		st.NextDue = now.Add(backoff(src, st.Failures))
	}
	if st.RetryAfter.After(st.NextDue) {
		st.NextDue = st.RetryAfter
	}
}

// defaultRetryCap bounds Retry-After for a source no longer configured
// (config's default max_interval).
const defaultRetryCap = 24 * time.Hour

// retryCap is the longest a server's Retry-After may hold src back: its
// max_interval.
func retryCap(src *config.Source) time.Duration {
	if src != nil && src.MaxInterval.D() > 0 {
		return src.MaxInterval.D()
	}
	return defaultRetryCap
}

// capRetryAfter bounds a stored Retry-After (and the next due time it
// set) at max_interval after the last attempt: a database written before
// Retry-After was capped may hold one decades away.
func capRetryAfter(st *db.Source, src *config.Source) {
	if st.RetryAfter.IsZero() || st.LastAttempt.IsZero() {
		return
	}
	limit := st.LastAttempt.Add(retryCap(src))
	if !st.RetryAfter.After(limit) {
		return
	}
	st.RetryAfter = limit
	if st.NextDue.After(limit) {
		st.NextDue = limit
	}
}

// movedAfter is how many consecutive polls must see the same permanent
// redirect before the stored URL follows it.
const movedAfter = 3

// trackMove counts consecutive permanent redirects to the same target and
// moves the source's URL once there have been movedAfter of them.
func (p *Poller) trackMove(st *db.Source, fetched, permanent string) {
	if permanent == "" || permanent == fetched {
		st.MovedTo, st.MovedCount = "", 0
		return
	}
	if st.MovedTo == permanent {
		st.MovedCount++
	} else {
		st.MovedTo, st.MovedCount = permanent, 1
	}
	if st.MovedCount >= movedAfter {
		st.URL = permanent
		st.ETag, st.LastModified = "", ""
		st.MovedTo, st.MovedCount = "", 0
	}
}

// storable turns a parsed document of src (fetched, or pushed, at start;
// relative links resolve against base) into the items to store:
// normalised, without those beyond the retention window (skipped counts
// them), classified under the current topics; never nil.
func (p *Poller) storable(parsed *normaliser.Parsed, src *config.Source, base string, start time.Time) (items []db.Item, skipped skips) {
	p.stage(StageNormalise, func() { items, skipped = p.normalised(parsed, src, base, start) })
	p.stage(StageClassify, func() { p.classify(items, start) })
	return items, skipped
}

// normalised is storable without the classification.
func (p *Poller) normalised(parsed *normaliser.Parsed, src *config.Source, base string, start time.Time) ([]db.Item, skips) {
	items, placeholders := normaliser.NormaliseCounting(parsed, normaliser.Options{
		SourceID:   src.ID,
		SourceTags: src.Tags,
		Location:   src.Location,
		Language:   src.Language,
		Now:        start.UTC(),
		BaseURL:    base,
	})
	n := len(items)
	items = dropExpired(items, src.Retention.D(), start)
	if items == nil {
		items = []db.Item{}
	}
	return items, skips{expired: n - len(items), placeholders: placeholders}
}

// classify sets the topics of items under the current topics.
func (p *Poller) classify(items []db.Item, now time.Time) {
	_, cl := p.snapshot()
	for i := range items {
		items[i].Topics = cl.Classify(DocOf(&items[i]), now)
	}
}

// dropExpired removes the items published before the retention window
// (retention <= 0: none): retention would delete them within the hour,
// and leaving them out keeps a long upstream archive from being written
// and pruned again on every change of the feed. Undated items carry the
// fetch time and stay. The poller records how many were left out
// (skipReason), so an upstream clock in 1970 cannot empty a source
// unnoticed.
func dropExpired(items []db.Item, retention time.Duration, now time.Time) []db.Item {
	if retention <= 0 {
		return items
	}
	cutoff := now.Add(-retention)
	kept := items[:0]
	for _, it := range items {
		if !it.Published.Before(cutoff) {
			kept = append(kept, it)
		}
	}
	return kept
}

// DocOf is what the classifier sees of a stored item.
func DocOf(it *db.Item) *classifier.Doc {
	d := &classifier.Doc{
		Title:      it.Title,
		Summary:    it.Summary,
		Content:    it.Content,
		FullText:   it.FullText,
		Categories: it.Categories,
		Source:     it.SourceID,
		Link:       it.Link,
		Language:   it.Language,
		Published:  it.Published,
	}
	if d.FullText != "" && d.Content == d.FullText {
		d.Content = "" // published as the content: the match is the full text's
	}
	for _, t := range it.Tags {
		d.Tags = append(d.Tags, t.Slug)
	}
	for _, a := range it.Authors {
		if a.Name != "" {
			d.Authors = append(d.Authors, a.Name)
		}
	}
	return d
}
