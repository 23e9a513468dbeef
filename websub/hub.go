package websub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/netpolicy"
)

// HubPath is where the built-in WebSub hub takes subscription requests
// (under base_url).
const HubPath = config.BuiltinHubPath

// Lease bounds of the built-in hub: a request without hub.lease_seconds
// gets DefaultLease; others are clamped to [MinLease, MaxLease].
const (
	DefaultLease = 10 * 24 * time.Hour
	MinLease     = time.Minute
	MaxLease     = 30 * 24 * time.Hour
)

// Limits on subscription requests.
const (
	maxSecretLen         = 199 // "MUST be less than 200 bytes"
	maxCallbackLen       = 2048
	maxVerifying         = 16 // verifications of intent in flight at once
	maxDelivering        = 16 // content distribution POSTs in flight at once
	maxDeliveringPerHost = 4  // of them to one callback host (host:port)
)

// errPrivateCallback refuses a callback on a loopback, private or
// link-local address while base_url is public.
var errPrivateCallback = errors.New("websub: callback on a private address")

// Hub is bantin's built-in WebSub hub (websub.builtin: true), per the W3C
// WebSub recommendation:
//
//   - ServeHTTP takes POST HubPath, form-encoded hub.mode=subscribe or
//     unsubscribe, hub.topic (one of our topic or tag feed URLs:
//     base_url/topics/SLUG.FORMAT or base_url/tags/SLUG.FORMAT),
//     hub.callback (absolute http/https URL), hub.lease_seconds (optional,
//     DefaultLease, clamped to [MinLease, MaxLease]) and hub.secret
//     (optional, < 200 bytes). A valid request is answered 202 Accepted and
//     verified asynchronously: GET callback?hub.mode&hub.topic&
//     hub.challenge&hub.lease_seconds must answer 2xx with the challenge as
//     its body; only then is the subscription stored (or removed). An
//     invalid request gets 400 with the reason; hub.mode=publish for one of
//     our feeds only triggers a distribution pass (204).
//   - Distribute (run by Run every HubInterval) POSTs the full new bytes of
//     every subscribed feed whose first page changed (same detection as
//     the Announcer: the change sequence moved and the rendered bytes
//     differ) to each subscriber with a live lease, with its Content-Type,
//     Link: <hub>; rel="hub", <topic>; rel="self", and, when a secret was
//     given, X-Hub-Signature: sha256=HEX(HMAC-SHA256(secret, body)).
//     Failed deliveries are retried after each of Retries; a 410 Gone
//     answer ends the subscription. Expired leases are dropped. At most
//     maxDelivering POSTs are in flight, maxDeliveringPerHost of them to
//     one callback host, so slow or failing subscribers hold up no other.
//
// Server-side request forgery: callbacks on loopback, private, link-local
// or otherwise non-public addresses are refused (400 for literal
// addresses, at connect time for names), unless base_url is itself on such
// an address (an IP literal or a localhost name), as in a private
// deployment or a test. Redirects from callbacks are not followed.
//
// Which feed bytes a subscriber last received is kept in memory: after a
// restart the first pass only records the feeds' state, so a change made
// while bantin was down is not pushed (subscribers still poll).
type Hub struct {
	feeds Feeds
	store *db.DB
	log   *slog.Logger

	// Client sends verifications and content; NewHub sets one whose
	// dialer applies the address policy above.
	Client *http.Client
	// Now returns the current time (leases); tests may replace it.
	Now func() time.Time
	// Retries are the pauses before each retry of a failed delivery
	// (NewHub: 5 s, 30 s, 2 min).
	Retries []time.Duration

	mu         sync.Mutex
	seq        int64
	primed     bool
	sent       map[string]string // subKey -> ETag of the version last sent (or being sent)
	lastPrune  time.Time
	verifying  chan struct{}
	delivering chan struct{}
	hostMu     sync.Mutex
	hosts      map[string]*hostSlots // callback host -> its delivery slots
	wake       chan struct{}
	wg         sync.WaitGroup
	life       context.Context // cancelled when Run returns: ends verifications
	stop       context.CancelFunc
}

// NewHub returns the built-in hub of the site feeds publishes, storing
// subscriptions in store. It is inert (404, no distribution) while the
// config's websub.builtin is false.
func NewHub(feeds Feeds, store *db.DB, logger *slog.Logger) *Hub {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Hub{
		feeds:      feeds,
		store:      store,
		log:        logger,
		Now:        time.Now,
		Retries:    []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute},
		sent:       map[string]string{},
		verifying:  make(chan struct{}, maxVerifying),
		delivering: make(chan struct{}, maxDelivering),
		hosts:      map[string]*hostSlots{},
		wake:       make(chan struct{}, 1),
	}
	h.life, h.stop = context.WithCancel(context.Background())
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: h.controlAddr}
	h.Client = &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 20 * time.Second,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return h
}

// URL is the built-in hub's public URL (base_url + HubPath).
func (h *Hub) URL() string { return h.feeds.BaseURL() + HubPath }

// allowPrivate reports whether callbacks may be on non-public addresses:
// only when base_url itself is.
func (h *Hub) allowPrivate() bool {
	u, err := url.Parse(h.feeds.BaseURL())
	if err != nil {
		return false
	}
	return netpolicy.IsLocalHost(u.Hostname())
}

// controlAddr refuses, at socket level, connections to non-public
// addresses (netpolicy.IsPrivate) unless allowPrivate.
func (h *Hub) controlAddr(network, address string, _ syscall.RawConn) error {
	if netpolicy.CheckDial(address) != nil && !h.allowPrivate() {
		return fmt.Errorf("%w: %s", errPrivateCallback, address)
	}
	return nil
}

// ServeHTTP handles subscription requests to the built-in hub (POST).
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cfg := h.feeds.Config()
	if !cfg.WebSub.Builtin || h.store == nil {
		http.Error(w, "There is no WebSub hub here: this site publishes no built-in hub.", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "The WebSub hub takes POST requests (hub.mode, hub.topic, hub.callback).", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.bad(w, "bad form: "+err.Error())
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		h.bad(w, "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	f := r.PostForm
	mode, topic := f.Get("hub.mode"), f.Get("hub.topic")
	if mode == "publish" {
		if topic == "" {
			topic = f.Get("hub.url")
		}
		if _, _, _, ok := h.feeds.ParseFeedURL(topic); !ok {
			h.bad(w, "hub.url is not a feed of this site")
			return
		}
		select {
		case h.wake <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if mode != "subscribe" && mode != "unsubscribe" {
		h.bad(w, "hub.mode must be subscribe or unsubscribe")
		return
	}
	name, format, canon, ok := h.feeds.ParseFeedURL(topic)
	if !ok {
		h.bad(w, "hub.topic is not a feed of this site (want "+h.feeds.BaseURL()+"/topics/SLUG.FORMAT or /tags/SLUG.FORMAT)")
		return
	}
	if mode == "subscribe" {
		if p, err := firstPage(r.Context(), h.feeds, name, format); err == nil && p == nil {
			h.bad(w, "hub.topic: no such feed")
			return
		} else if err != nil {
			h.log.Error("websub: render topic", "topic", topic, "err", err)
			http.Error(w, "WebSub hub: something went wrong. Please try again later.", http.StatusInternalServerError)
			return
		}
	}
	callback := f.Get("hub.callback")
	cb, err := url.Parse(callback)
	switch {
	case callback == "":
		h.bad(w, "hub.callback missing")
		return
	case len(callback) > maxCallbackLen:
		h.bad(w, "hub.callback too long")
		return
	case err != nil || (cb.Scheme != "http" && cb.Scheme != "https") || cb.Host == "" || cb.User != nil:
		h.bad(w, "hub.callback must be an absolute http or https URL without credentials")
		return
	case cb.Fragment != "":
		h.bad(w, "hub.callback must not have a fragment")
		return
	}
	if a, err := netip.ParseAddr(cb.Hostname()); err == nil && netpolicy.IsPrivate(a) && !h.allowPrivate() {
		h.bad(w, "hub.callback is on a private address")
		return
	}
	lease := DefaultLease
	if v := f.Get("hub.lease_seconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			h.bad(w, "hub.lease_seconds must be a positive integer")
			return
		}
		lease = time.Duration(min(n, int64(MaxLease/time.Second))) * time.Second
		lease = min(max(lease, MinLease), MaxLease)
	}
	secret := f.Get("hub.secret")
	if len(secret) > maxSecretLen {
		h.bad(w, "hub.secret must be less than 200 bytes")
		return
	}
	if h.life.Err() != nil {
		http.Error(w, "WebSub hub: shutting down. Please try again later.", http.StatusServiceUnavailable)
		return
	}
	select {
	case h.verifying <- struct{}{}:
	default:
		w.Header().Set("Retry-After", "10")
		http.Error(w, "WebSub hub: too many verifications pending. Please try again later.", http.StatusServiceUnavailable)
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer func() { <-h.verifying }()
		ctx, cancel := context.WithTimeout(h.life, time.Minute)
		defer cancel()
		h.verify(ctx, mode, topic, canon, name, format, callback, secret, lease)
	}()
	w.WriteHeader(http.StatusAccepted)
}

func (h *Hub) bad(w http.ResponseWriter, reason string) {
	http.Error(w, "WebSub hub: "+reason, http.StatusBadRequest)
}

// verify checks the subscriber's intent for topic (the URL it asked for)
// and, when confirmed, stores or removes the subscription, under canon (the
// feed's URL now: a renamed topic's, for a former URL).
func (h *Hub) verify(ctx context.Context, mode, topic, canon, name, format, callback, secret string, lease time.Duration) {
	var raw [20]byte
	rand.Read(raw[:])
	challenge := hex.EncodeToString(raw[:])
	q := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.challenge": {challenge}}
	if mode == "subscribe" {
		q.Set("hub.lease_seconds", strconv.FormatInt(int64(lease/time.Second), 10))
	}
	// The callback's own query is kept; ours is appended.
	target := callback
	if strings.Contains(callback, "?") {
		target += "&" + q.Encode()
	} else {
		target += "?" + q.Encode()
	}
	log := h.log.With("mode", mode, "topic", topic, "callback", callback)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		log.Warn("websub: verification request", "err", err)
		return
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		log.Info("websub: verification failed", "err", err)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, int64(len(challenge))+64))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 || strings.TrimSpace(string(body)) != challenge {
		log.Info("websub: subscriber did not confirm", "status", resp.StatusCode)
		return
	}
	switch mode {
	case "subscribe":
		now := h.Now()
		// Record the feed's current version with a new subscription
		// (a renewal keeps the one stored), under the lock Distribute
		// holds, so that the next change is pushed.
		sent := ""
		h.mu.Lock()
		if p, err := firstPage(ctx, h.feeds, name, format); err == nil && p != nil {
			sent = p.etag
		}
		err = h.store.SaveWebSubSubscription(ctx, db.WebSubSubscription{
			Topic: canon, Callback: callback, Secret: secret, LeaseEnd: now.Add(lease), Created: now, SentETag: sent,
		})
		h.mu.Unlock()
	case "unsubscribe":
		for _, t := range []string{canon, topic} { // topic: a former URL not moved yet
			if _, err = h.store.DeleteWebSubSubscription(ctx, t, callback); err != nil {
				break
			}
			h.mu.Lock()
			delete(h.sent, subKey(t, callback))
			h.mu.Unlock()
		}
	}
	if err != nil {
		log.Error("websub: store subscription", "err", err)
		return
	}
	log.Info("websub: verified", "lease", lease)
}

// Distribute pushes every subscribed feed to the subscribers that do not
// have its current version (deliveries run in the background, with
// retries; Wait waits for them). Each subscription records the version it
// was verified at and each one delivered, in the database, so a change
// made while bantin was down is pushed by the first pass after a restart.
// It returns the number of deliveries started.
func (h *Hub) Distribute(ctx context.Context) (int, error) {
	cfg := h.feeds.Config()
	if !cfg.WebSub.Builtin || h.store == nil {
		return 0, nil
	}
	now := h.Now()
	if now.Sub(h.lastPrune) > 10*time.Minute {
		if n, err := h.store.PruneWebSubSubscriptions(ctx, now); err != nil {
			return 0, fmt.Errorf("websub: %w", err)
		} else if n > 0 {
			h.log.Info("websub: expired subscriptions dropped", "count", n)
		}
		h.lastPrune = now
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	seq, err := h.feeds.SyncChanges(ctx)
	if err != nil {
		return 0, fmt.Errorf("websub: %w", err)
	}
	if h.primed && seq == h.seq {
		return 0, nil
	}
	subs, err := h.store.WebSubSubscriptions(ctx, "", now)
	if err != nil {
		return 0, fmt.Errorf("websub: %w", err)
	}
	// Subscriptions to a renamed topic's former URLs follow the rename.
	if moved, err := h.followRenames(ctx, subs); err != nil {
		return 0, err
	} else if moved {
		if subs, err = h.store.WebSubSubscriptions(ctx, "", now); err != nil {
			return 0, fmt.Errorf("websub: %w", err)
		}
	}
	h.seq, h.primed = seq, true
	hub := h.URL()
	started := 0
	// Forget subscriptions that ended.
	live := map[string]bool{}
	for _, sub := range subs {
		live[subKey(sub.Topic, sub.Callback)] = true
	}
	for k := range h.sent {
		if !live[k] {
			delete(h.sent, k)
		}
	}
	for i := 0; i < len(subs); {
		j := i
		for j < len(subs) && subs[j].Topic == subs[i].Topic {
			j++
		}
		group, topic := subs[i:j], subs[i].Topic
		i = j
		name, format, _, ok := h.feeds.ParseFeedURL(topic)
		if !ok {
			continue
		}
		res, err := firstPage(ctx, h.feeds, name, format)
		if err == nil && res == nil {
			continue
		} else if err != nil {
			return started, fmt.Errorf("websub: render %s: %w", topic, err)
		}
		for _, sub := range group {
			// The version this subscriber has: what this process last
			// sent it, else what the database says it received (so that
			// a change made while bantin was down is pushed now).
			k := subKey(sub.Topic, sub.Callback)
			last, ok := h.sent[k]
			if !ok {
				last = sub.SentETag
			}
			h.sent[k] = res.etag
			if last == res.etag {
				continue
			}
			if last == "" { // stored before versions were: start from this one
				if err := h.store.SetWebSubSent(ctx, sub.Topic, sub.Callback, res.etag); err != nil {
					return started, fmt.Errorf("websub: %w", err)
				}
				continue
			}
			// Replicas sharing a PostgreSQL database push each version
			// once: the one that claims the delivery.
			if mine, err := h.store.ClaimWebSubDelivery(ctx, sub.Topic, sub.Callback, res.etag, now, now.Add(deliveryClaim)); err != nil {
				return started, fmt.Errorf("websub: %w", err)
			} else if !mine {
				continue
			}
			h.wg.Add(1)
			started++
			go func() {
				defer h.wg.Done()
				h.deliver(ctx, hub, sub, res)
			}()
		}
	}
	return started, nil
}

// deliveryClaim is how long a replica's claim of a delivery holds (its
// retries included) before another replica may make it.
const deliveryClaim = 10 * time.Minute

// followRenames moves the subscriptions to the former URLs of renamed
// topics (aliases:) to the topics' URLs and reports whether any moved.
func (h *Hub) followRenames(ctx context.Context, subs []db.WebSubSubscription) (bool, error) {
	moved := false
	for i, sub := range subs {
		if i > 0 && subs[i-1].Topic == sub.Topic {
			continue
		}
		if _, _, canon, ok := h.feeds.ParseFeedURL(sub.Topic); ok && canon != sub.Topic {
			n, err := h.store.MoveWebSubSubscriptions(ctx, sub.Topic, canon)
			if err != nil {
				return moved, fmt.Errorf("websub: %w", err)
			}
			h.log.Info("websub: subscriptions follow a renamed topic", "from", sub.Topic, "to", canon, "count", n)
			moved = true
		}
	}
	return moved, nil
}

// subKey names one subscription in Hub.sent.
func subKey(topic, callback string) string { return topic + "\x00" + callback }

// Signature returns the X-Hub-Signature value for body under secret:
// "sha256=" and the hex HMAC-SHA256.
func Signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// deliver POSTs res to one subscriber, retrying after each of Retries,
// and records the version it received.
func (h *Hub) deliver(ctx context.Context, hub string, sub db.WebSubSubscription, res *page) {
	body, contentType := res.body, res.contentType
	host := sub.Callback
	if u, err := url.Parse(sub.Callback); err == nil {
		host = u.Host
	}
	log := h.log.With("topic", sub.Topic, "callback", sub.Callback)
	// A newer version started its own delivery: this one stops, so a
	// retry never sends the subscriber back to older content.
	current := func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.sent[subKey(sub.Topic, sub.Callback)] == res.etag
	}
	for attempt := 0; ; attempt++ {
		release, err := h.slot(ctx, host)
		if err != nil {
			return
		}
		if !current() {
			release()
			log.Info("websub: delivery superseded by a newer version")
			return
		}
		status, err := h.post(ctx, hub, sub, body, contentType)
		release()
		if err == nil {
			if !current() {
				return
			}
			if err := h.store.SetWebSubSent(context.WithoutCancel(ctx), sub.Topic, sub.Callback, res.etag); err != nil {
				log.Error("websub: record delivery", "err", err)
			}
			return
		}
		if status == http.StatusGone {
			log.Info("websub: subscriber gone; subscription removed")
			if _, err := h.store.DeleteWebSubSubscription(context.WithoutCancel(ctx), sub.Topic, sub.Callback); err != nil {
				log.Error("websub: remove subscription", "err", err)
			}
			return
		}
		if attempt >= len(h.Retries) || ctx.Err() != nil {
			log.Warn("websub: delivery failed", "attempts", attempt+1, "err", err)
			return
		}
		t := time.NewTimer(h.Retries[attempt])
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// hostSlots are the delivery slots of one callback host and the
// deliveries holding or waiting for one.
type hostSlots struct {
	ch    chan struct{}
	users int
}

// slot waits for a delivery slot, one of maxDelivering in all and of
// maxDeliveringPerHost to host, so that subscribers on one host that hang
// or fail never take every slot; the slot is held for one POST, not
// through the pause before a retry. release gives it back.
func (h *Hub) slot(ctx context.Context, host string) (release func(), err error) {
	h.hostMu.Lock()
	hs := h.hosts[host]
	if hs == nil {
		hs = &hostSlots{ch: make(chan struct{}, maxDeliveringPerHost)}
		h.hosts[host] = hs
	}
	hs.users++
	h.hostMu.Unlock()
	leave := func() {
		h.hostMu.Lock()
		if hs.users--; hs.users == 0 {
			delete(h.hosts, host)
		}
		h.hostMu.Unlock()
	}
	select {
	case hs.ch <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
	select {
	case h.delivering <- struct{}{}:
	case <-ctx.Done():
		<-hs.ch
		leave()
		return nil, ctx.Err()
	}
	return func() {
		<-h.delivering
		<-hs.ch
		leave()
	}, nil
}

func (h *Hub) post(ctx context.Context, hub string, sub db.WebSubSubscription, body []byte, contentType string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Callback, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Link", "<"+hub+`>; rel="hub", <`+sub.Topic+`>; rel="self"`)
	if sub.Secret != "" {
		req.Header.Set("X-Hub-Signature", Signature(sub.Secret, body))
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("websub: callback status %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// Wait waits for the verifications and deliveries in flight.
func (h *Hub) Wait() { h.wg.Wait() }

// Run calls Distribute every HubInterval (and at once on a publish ping)
// until ctx ends, then cancels the verifications and deliveries in flight
// and waits for them. The hub takes no new subscriptions after that.
func (h *Hub) Run(ctx context.Context) {
	tick := time.NewTicker(HubInterval)
	defer tick.Stop()
	defer func() {
		h.stop()
		h.Wait()
	}()
	for {
		if _, err := h.Distribute(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("websub distribution", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-h.wake:
		}
	}
}
