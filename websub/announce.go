package websub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"bantin/db"
)

// HubInterval is how often the hub looks for changed feeds to push to its
// subscribers, and the announcer for changed feeds to announce to the
// hubs in websub.hubs.
const HubInterval = 5 * time.Second

// Announcer tells the hubs in websub.hubs when the site's feeds change
// (WebSub publishing, hub.mode=publish).
type Announcer struct {
	feeds Feeds
	store *db.DB
	log   *slog.Logger
	// Now returns the current time (retry pauses); tests may replace it.
	Now func() time.Time
	// Client sends the announcements.
	Client *http.Client

	mu      sync.Mutex
	seq     int64
	primed  bool
	retryAt time.Time         // when failed announcements are tried again; zero: none pending
	backoff time.Duration     // the pause before the next retry
	sent    map[string]string // announceKey -> first-page Atom ETag the hub was told about
}

// NewAnnouncer returns the announcer of the site feeds publishes, which
// records what each hub was told in store.
func NewAnnouncer(feeds Feeds, store *db.DB, logger *slog.Logger) *Announcer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Announcer{feeds: feeds, store: store, log: logger, Now: time.Now,
		Client: &http.Client{Timeout: 10 * time.Second}, sent: map[string]string{}}
}

// announceKey names, in the database's feed versions, what hub was last
// told about one topic or tag feed ("topic/SLUG", "tag/SLUG"). Tabs
// separate the parts (neither a URL nor a slug holds one; PostgreSQL
// refuses the NUL bytes that separated them before: legacyAnnounceKey).
func announceKey(hub, name string) string {
	return "announce\t" + hub + "\t" + name
}

// legacyAnnounceKey is announceKey as SQLite databases may still hold it.
func legacyAnnounceKey(hub, name string) string {
	return "announce\x00" + hub + "\x00" + name
}

// recorded returns the version of ak recorded in the database, carrying a
// record under the legacy key of a SQLite database over to ak.
func (a *Announcer) recorded(ctx context.Context, ak, hub, name string) (string, error) {
	last, _, err := a.store.FeedVersion(ctx, ak)
	if err != nil || last != "" || a.store.Postgres() {
		return last, err
	}
	last, since, err := a.store.FeedVersion(ctx, legacyAnnounceKey(hub, name))
	if err != nil || last == "" {
		return last, err
	}
	return last, a.store.SetFeedVersion(ctx, ak, last, since)
}

// Notify announces every topic and tag feed whose first page changed
// since it was last announced to each hub in the config's websub.hubs:
// one POST hub.mode=publish&hub.url=FEED per hub and format (RSS, Atom,
// JSON). What each hub was told is recorded in the database once it
// accepted all three, so a change made while bantin was down is announced
// after a restart, and announcements a hub refused or missed (down,
// 5xx) are retried, with a growing pause (up to 10 min), until it accepts
// them. A feed never announced to a hub before is only recorded. It does
// nothing when the database's change sequence has not moved and no retry
// is due. It returns the number of successful announcements; failures
// are logged and joined in the error.
func (a *Announcer) Notify(ctx context.Context) (int, error) {
	cfg := a.feeds.Config()
	if len(cfg.WebSub.Hubs) == 0 || a.store == nil {
		return 0, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	// Make the feeds reflect the current sequence before reading ETags
	// (a render racing with a later change is caught next call: its
	// sequence differs then).
	seq, err := a.feeds.SyncChanges(ctx)
	if err != nil {
		return 0, fmt.Errorf("websub: announce: %w", err)
	}
	now := a.Now()
	retryDue := !a.retryAt.IsZero() && !now.Before(a.retryAt)
	if a.primed && seq == a.seq && !retryDue {
		return 0, nil
	}
	names, err := a.feeds.FeedNames(ctx)
	if err != nil {
		return 0, fmt.Errorf("websub: announce: %w", err)
	}
	n := 0
	var errs []string
	for _, name := range names {
		res, err := firstPage(ctx, a.feeds, name, "atom")
		if err != nil {
			return n, fmt.Errorf("websub: announce: render %s: %w", name, err)
		} else if res == nil {
			continue
		}
		for _, hub := range cfg.WebSub.Hubs {
			ak := announceKey(hub, name)
			last, ok := a.sent[ak]
			if !ok {
				if last, err = a.recorded(ctx, ak, hub, name); err != nil {
					return n, fmt.Errorf("websub: announce: %w", err)
				}
			}
			if last == "" { // never announced to this hub: only recorded
				if err := a.store.SetFeedVersion(ctx, ak, res.etag, now); err != nil {
					return n, fmt.Errorf("websub: announce: %w", err)
				}
				a.sent[ak] = res.etag
				continue
			}
			if last == res.etag {
				continue
			}
			// Instances sharing the database announce each change once:
			// the one that moves the recorded version from last claims it.
			mine, err := a.store.SwapFeedVersion(ctx, ak, last, res.etag, now)
			if err == nil && !mine && ok {
				// Another instance announced a change this one missed:
				// start from what it recorded.
				if last, _, err = a.store.FeedVersion(ctx, ak); err == nil && last != res.etag {
					mine, err = a.store.SwapFeedVersion(ctx, ak, last, res.etag, now)
				}
			}
			if err != nil {
				return n, fmt.Errorf("websub: announce: %w", err)
			}
			if !mine {
				// Another instance announces (or announced) this version.
				delete(a.sent, ak)
				continue
			}
			a.sent[ak] = res.etag
			failed := false
			for _, topic := range a.feeds.FeedURLs(name) {
				if err := publishToHub(ctx, a.Client, hub, topic); err != nil {
					a.log.Warn("websub publish failed", "hub", hub, "topic", topic, "err", err)
					errs = append(errs, err.Error())
					failed = true
					continue
				}
				n++
			}
			if failed {
				// Announced again at the next retry (by any instance).
				if _, err := a.store.SwapFeedVersion(ctx, ak, res.etag, last, now); err != nil {
					return n, fmt.Errorf("websub: announce: %w", err)
				}
				a.sent[ak] = last
			}
		}
	}
	a.seq, a.primed = seq, true
	if len(errs) > 0 {
		a.backoff = min(max(2*a.backoff, 30*time.Second), 10*time.Minute)
		a.retryAt = now.Add(a.backoff)
		return n, fmt.Errorf("websub: %d of %d announcements failed (retry in %s): %s",
			len(errs), len(errs)+n, a.backoff, strings.Join(errs, "; "))
	}
	a.retryAt, a.backoff = time.Time{}, 0
	return n, nil
}

// publishToHub POSTs a WebSub publish notification for topic to hub.
func publishToHub(ctx context.Context, client *http.Client, hub, topic string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("hub %s: %w", hub, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("hub %s: %w", hub, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("hub %s: status %s", hub, resp.Status)
	}
	return nil
}

// Run calls Notify every HubInterval until ctx ends.
func (a *Announcer) Run(ctx context.Context) {
	tick := time.NewTicker(HubInterval)
	defer tick.Stop()
	for {
		if _, err := a.Notify(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("websub", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
