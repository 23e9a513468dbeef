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
	mu     sync.Mutex
	seq    int64
	primed bool
	etags  map[cacheKey]string // first-page Atom ETag per topic/tag feed
	client *http.Client
}

// HubInterval is how often Serve looks for changed feeds to announce to
// the hubs in websub.hubs.
const HubInterval = 5 * time.Second

// NotifyHubs announces every topic and tag feed whose first page changed
// since the previous call to each hub in the config's websub.hubs: one
// POST hub.mode=publish&hub.url=FEED per hub and format (RSS, Atom, JSON).
// The first call only records the feeds' state. It does nothing when the
// database's change sequence has not moved. It returns the number of
// successful announcements; failures are logged and joined in the error.
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
	if h.primed && seq == h.seq {
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
	if h.etags == nil {
		h.etags = map[cacheKey]string{}
	}
	var changed []cacheKey
	seen := map[cacheKey]string{}
	for _, k := range keys {
		res, err := s.get(ctx, k)
		if err != nil {
			return 0, fmt.Errorf("publisher: websub: render %s %s: %w", k.kind, k.slug, err)
		}
		seen[k] = res.etag
		if prev, ok := h.etags[k]; h.primed && (!ok || prev != res.etag) {
			changed = append(changed, k)
		}
	}
	h.etags, h.seq = seen, seq
	wasPrimed := h.primed
	h.primed = true
	if !wasPrimed || len(changed) == 0 {
		return 0, nil
	}
	if h.client == nil {
		h.client = &http.Client{Timeout: 10 * time.Second}
	}
	base := baseURL(cfg)
	n := 0
	var errs []string
	for _, k := range changed {
		for _, format := range Formats {
			topic := feedURL(base, k.kind, k.slug, format)
			for _, hub := range cfg.WebSub.Hubs {
				if err := publishToHub(ctx, h.client, hub, topic); err != nil {
					s.log.Warn("websub publish failed", "hub", hub, "topic", topic, "err", err)
					errs = append(errs, err.Error())
					continue
				}
				n++
			}
		}
	}
	if len(errs) > 0 {
		return n, fmt.Errorf("publisher: websub: %d of %d announcements failed: %s", len(errs), len(errs)+n, strings.Join(errs, "; "))
	}
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
