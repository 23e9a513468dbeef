package publisher

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// hubState remembers what was last announced to the WebSub hubs.
type hubState struct {
	mu      sync.Mutex
	seq     int64
	primed  bool
	retryAt time.Time         // when failed announcements are tried again; zero: none pending
	backoff time.Duration     // the pause before the next retry
	sent    map[string]string // announceKey -> first-page Atom ETag the hub was told about
	client  *http.Client
}

// HubInterval is how often Serve looks for changed feeds to announce to
// the hubs in websub.hubs.
const HubInterval = 5 * time.Second

// announceKey names, in the database's feed versions, what hub was last
// told about one topic or tag feed. Its parts are separated by spaces,
// which a URL has none of (PostgreSQL's text takes no NUL byte, which
// separated them before: a SQLite desk announces each feed once more
// after the upgrade).
func announceKey(hub string, k cacheKey) string {
	return "announce " + hub + " " + k.kind + "/" + k.slug
}

// NotifyHubs announces every topic and tag feed whose first page changed
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
func (s *Server) NotifyHubs(ctx context.Context) (int, error) {
	cfg := s.cfg.Load()
	if len(cfg.WebSub.Hubs) == 0 || s.store == nil {
		return 0, nil
	}
	h := &s.hubs
	h.mu.Lock()
	defer h.mu.Unlock()
	// Make the render cache reflect the current sequence before reading
	// ETags (a render racing with a later change is caught next call:
	// its sequence differs then).
	s.seqMu.Lock()
	seq, err := s.syncSeqLocked(ctx)
	s.seqMu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("publisher: websub: %w", err)
	}
	now := s.now()
	retryDue := !h.retryAt.IsZero() && !now.Before(h.retryAt)
	if h.primed && seq == h.seq && !retryDue {
		return 0, nil
	}

	var keys []cacheKey
	for _, t := range cfg.Topics {
		keys = append(keys, cacheKey{kind: kindTopic, slug: t.Slug, format: FormatAtom})
	}
	tags, err := s.tagList(ctx)
	if err != nil {
		return 0, fmt.Errorf("publisher: websub: %w", err)
	}
	for _, t := range tags {
		keys = append(keys, cacheKey{kind: kindTag, slug: t.Slug, format: FormatAtom})
	}
	if h.sent == nil {
		h.sent = map[string]string{}
	}
	if h.client == nil {
		h.client = &http.Client{Timeout: 10 * time.Second}
	}
	base := baseURL(cfg)
	n := 0
	var errs []string
	for _, k := range keys {
		res, err := s.current(ctx, k)
		if err != nil {
			return n, fmt.Errorf("publisher: websub: render %s %s: %w", k.kind, k.slug, err)
		}
		for _, hub := range cfg.WebSub.Hubs {
			ak := announceKey(hub, k)
			last, ok := h.sent[ak]
			if !ok {
				if last, _, err = s.store.FeedVersion(ctx, ak); err != nil {
					return n, fmt.Errorf("publisher: websub: %w", err)
				}
			}
			if last == res.etag {
				h.sent[ak] = last
				continue
			}
			if last != "" {
				failed := false
				for _, format := range Formats {
					topic := feedURL(base, k.kind, k.slug, format)
					if err := publishToHub(ctx, h.client, hub, topic); err != nil {
						s.log.Warn("websub publish failed", "hub", hub, "topic", topic, "err", err)
						errs = append(errs, err.Error())
						failed = true
						continue
					}
					n++
				}
				if failed {
					h.sent[ak] = last // announced again at the next retry
					continue
				}
			}
			if err := s.store.SetFeedVersion(ctx, ak, res.etag, now); err != nil {
				return n, fmt.Errorf("publisher: websub: %w", err)
			}
			h.sent[ak] = res.etag
		}
	}
	h.seq, h.primed = seq, true
	if len(errs) > 0 {
		h.backoff = min(max(2*h.backoff, 30*time.Second), 10*time.Minute)
		h.retryAt = now.Add(h.backoff)
		return n, fmt.Errorf("publisher: websub: %d of %d announcements failed (retry in %s): %s",
			len(errs), len(errs)+n, h.backoff, strings.Join(errs, "; "))
	}
	h.retryAt, h.backoff = time.Time{}, 0
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

// RunHubs calls NotifyHubs every HubInterval until ctx ends. Serve runs
// it; a caller that serves Handler with its own http.Server runs it in a
// goroutine of its own.
func (s *Server) RunHubs(ctx context.Context) {
	tick := time.NewTicker(HubInterval)
	defer tick.Stop()
	for {
		if _, err := s.NotifyHubs(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("websub", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
