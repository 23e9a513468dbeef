package aggregator

import (
	"context"
	"fmt"
	"time"

	"bantin/aggregator/normaliser"
	"bantin/config"
	"bantin/db"
)

// Subscriptions is what the Poller asks of a WebSub subscriber
// (websub.Subscriber implements it): the hub state to keep in the
// source states it writes, and whether a source's news comes by push.
type Subscriptions interface {
	// Merge copies the subscriber's view of source st.ID's subscription
	// (HubSecret, HubLeaseEnd) into st, so that a state read before the
	// subscription changed does not undo it when written.
	Merge(st *db.Source)
	// ActiveFor reports whether st has an active subscription to the hub
	// and topic its feed advertises now.
	ActiveFor(st *db.Source, now time.Time) bool
}

// Config returns the configuration in force (the one of the last
// Reload).
func (p *Poller) Config() *config.Config {
	cfg, _ := p.snapshot()
	return cfg
}

// merge is Subscriptions.Merge of p.WebSub, when there is one.
func (p *Poller) merge(st *db.Source) {
	if p.WebSub != nil {
		p.WebSub.Merge(st)
	}
}

// subscribed reports whether st's news comes by push: what p.WebSub says,
// or, without a subscriber (a process that does not subscribe), whether
// st stores a lease that runs past now.
func (p *Poller) subscribed(st *db.Source, now time.Time) bool {
	if p.WebSub == nil {
		return st.HubSecret != "" && st.HubURL != "" && st.HubLeaseEnd.After(now)
	}
	return p.WebSub.ActiveFor(st, now)
}

// relaxForWebSub, called once a successful poll set st.NextDue, polls a
// source with an active subscription only every max_interval (pushes
// bring its news), keeping its normal due time in st.NormalDue.
func (p *Poller) relaxForWebSub(st *db.Source, src *config.Source, now time.Time) {
	st.NormalDue = time.Time{}
	if src == nil || p.WebSub == nil || !p.WebSub.ActiveFor(st, now) {
		return
	}
	if next := now.Add(src.MaxInterval.D()); next.After(st.NextDue) {
		st.NormalDue, st.NextDue = st.NextDue, next
	}
}

// endRelaxation puts st back on its normal schedule (the earlier of
// NextDue and NormalDue) when its polling was relaxed for a subscription
// that is no longer active: denied, unsubscribed, or its lease ended.
func (p *Poller) endRelaxation(st *db.Source, now time.Time) {
	if st.NormalDue.IsZero() || p.subscribed(st, now) {
		return
	}
	if st.NormalDue.Before(st.NextDue) {
		st.NextDue = st.NormalDue
	}
	st.NormalDue = time.Time{}
}

// Ingest stores a feed document pushed for source id (WebSub content
// distribution) through the same pipeline as a poll: normaliser.Parse and
// Normalise with the source's settings, classification, and one
// Store.SaveFetch transaction (which also rewrites the source's stored
// state as read just before, with the subscriber's hub state, so
// LastNew/LastUpdated then count the push). It does not change the
// source's schedule. Relative links resolve against the source's feed URL.
// Content that is not a feed gives an error wrapping
// normaliser.ErrNotAFeed. Writes are serialised by the database's write
// lock, so calling it beside a running poller is safe.
func (p *Poller) Ingest(ctx context.Context, id string, body []byte, contentType string) (db.SaveResult, error) {
	start := p.Now()
	src := p.sourceConfig(id)
	if src == nil {
		return db.SaveResult{}, fmt.Errorf("aggregator: ingest: unknown source %q", id)
	}
	st, err := p.Store.Source(ctx, id)
	if err != nil {
		return db.SaveResult{}, fmt.Errorf("aggregator: ingest: %w", err)
	}
	base := st.URL
	if base == "" {
		base = st.ConfigURL
	}
	parsed, err := normaliser.Parse(body, contentType, base)
	if err != nil {
		return db.SaveResult{}, fmt.Errorf("aggregator: ingest %s: %w: %w", id, normaliser.ErrNotAFeed, err)
	}
	items, skipped := p.storable(parsed, src, base, start)
	st.LastSkipped, st.LastSkipReason = skipped.record(src)
	if src.WantsArticle() {
		// The pushed items get their article pages as polled ones do (a
		// push that dropped the stored full text would make it fetched
		// again); the fetches outlive a hub that hangs up.
		if err := p.articles(context.WithoutCancel(ctx), src, st.ConfigURL, items, nil, start, nil); err != nil {
			return db.SaveResult{}, fmt.Errorf("aggregator: ingest %s: article pages: %w", id, err)
		}
		p.classify(items, start)
	}
	p.merge(&st)
	withTombstoned := skipped.withTombstoned(src)
	all, errs, err := p.Store.SaveFetches(ctx, []db.Fetch{{Source: st, Items: items, Skips: withTombstoned}})
	if err == nil {
		err = errs[0]
	}
	if err != nil {
		return db.SaveResult{}, fmt.Errorf("aggregator: ingest %s: %w", id, err)
	}
	res := all[0]
	if res.Tombstoned > 0 {
		st.LastSkipped, st.LastSkipReason = withTombstoned(res.Tombstoned)
	}
	if m := p.Metrics; m != nil {
		m.items.WithLabelValues("new").Add(float64(res.New))
		m.items.WithLabelValues("updated").Add(float64(res.Updated))
		m.skipped.Add(float64(st.LastSkipped))
	}
	p.logSkipped(Result{SourceID: id, Skipped: st.LastSkipped, SkipReason: st.LastSkipReason})
	return res, nil
}
