// Package websub is bantin's WebSub (W3C recommendation) side: the
// subscriber that follows the hubs upstream feeds advertise (Subscriber,
// its callback under CallbackPath), the built-in hub that pushes the
// site's own feeds to their subscribers (Hub, under HubPath), and the
// announcements of changed feeds to the hubs in websub.hubs (Announcer).
//
// It reaches the poller and the publisher through narrow interfaces
// (Poller, Feeds), and the database directly.
package websub

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"bantin/aggregator/normaliser"
	"bantin/config"
	"bantin/db"
	"bantin/netpolicy"
)

// CallbackPath is the prefix of the WebSub callback URLs (under base_url):
// base_url + CallbackPath + source id.
const CallbackPath = "/websub/callback/"

// Push results counted in bantin_websub_pushes_total{result}.
const (
	PushAccepted     = "accepted"       // valid signature, ingested
	PushBadSignature = "bad_signature"  // signature does not match the secret (or unknown algorithm)
	PushUnsigned     = "unsigned"       // no X-Hub-Signature
	PushUnknown      = "unknown_source" // no subscription for that callback
	PushTooLarge     = "too_large"      // body over the source's max_body
	PushError        = "error"          // signed correctly but not a feed, or not stored
)

// Verification results counted in bantin_websub_verifications_total{result}.
const (
	VerifyConfirmed = "confirmed" // answered a request bantin sent: challenge echoed
	VerifyDenied    = "denied"    // the hub denied a request bantin sent
	VerifyRefused   = "refused"   // no such pending request (forged, replayed, late): 404
)

// Poller is what the subscriber needs of the poller (aggregator.Poller
// implements it).
type Poller interface {
	// Config returns the configuration in force: base_url, websub:, and
	// the sources (a source no longer configured is unsubscribed).
	Config() *config.Config
	// Ingest stores a feed document pushed for source id as a poll would
	// (without changing its schedule). Content that is not a feed gives
	// an error wrapping normaliser.ErrNotAFeed.
	Ingest(ctx context.Context, id string, body []byte, contentType string) (db.SaveResult, error)
}

// SubscribeEnabled reports whether bantin subscribes to the hubs its
// sources advertise: websub.subscribe (default true), and only when
// base_url is set (hubs must be able to reach the callback).
func SubscribeEnabled(cfg *config.Config) bool {
	return cfg.BaseURL != "" && (cfg.WebSub.Subscribe == nil || *cfg.WebSub.Subscribe)
}

// Subscriber is the WebSub subscriber of a Poller. For every configured
// source whose last successful poll stored a hub (HubURL) and a topic
// (HubTopic, the feed's rel="self"), Sync subscribes at the hub with
// callback base_url/websub/callback/ID, a random 32-byte secret (hex) and
// a lease of Lease; it renews once 80% of the granted lease has passed,
// re-subscribes when the hub or topic changes, and unsubscribes when the
// source leaves the config, is disabled or stops advertising a hub.
//
// ServeHTTP is the callback: GET answers verifications of intent. Only a
// request bantin sent for that source and that is still awaiting its
// verification (same mode and topic, within PendingTimeout of being sent)
// is confirmed, once: hub.challenge is echoed and, for a subscription, the
// lease granted (at most the one asked for) starts. Anything else (a
// forged or replayed GET, a re-verification of the active subscription, a
// late one) gets 404 and changes nothing (WebSub §5.3.1). hub.mode=denied
// for a pending subscription drops it and ends the source's subscription.
// Every answer is counted in bantin_websub_verifications_total{result}.
// POST takes content distribution. A push is ingested
// at once (Poller.Ingest) only when X-Hub-Signature (sha1, sha256, sha384
// or sha512) matches the source's secret, compared in constant time.
// Unsigned and badly signed pushes are ignored but answered 202, as the
// WebSub recommendation allows (a forger learns nothing); pushes for a
// source without subscription get 410 Gone; bodies over max_body 413.
// Every push is counted in bantin_websub_pushes_total{result}.
//
// While a subscription is active the Poller polls its source only every
// max_interval (db.Source.NormalDue keeps the normal due time); once it
// is denied, unsubscribed or its lease ends, the source is due on its
// normal schedule again. Subscriptions and the requests awaiting their
// verification are stored in the database (db.UpstreamSubscription,
// db.WebSubRequest; the source's HubSecret and HubLeaseEnd mirror the
// subscription), so a restart loses nothing, and several instances on one
// database share them: each request is sent by one, and its verification
// and the pushes are taken by whichever the hub reaches.
type Subscriber struct {
	p     Poller
	store *db.DB
	log   *slog.Logger

	// UserAgent is sent with the subscription requests (the fetcher's).
	UserAgent string
	// Client sends the subscription requests; NewSubscriber sets one that
	// refuses hubs on private addresses unless the source may use them
	// (allow_private, or its configured URL is itself private).
	Client *http.Client
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// Lease is the lease asked for (hubs may grant another).
	Lease time.Duration
	// PendingTimeout is how long a request may wait for its verification
	// before it is sent again.
	PendingTimeout time.Duration

	pushes, verifications *prometheus.CounterVec

	mu sync.Mutex
	// subs is by source id. An entry, once made, stays (cleared when the
	// subscription ends), so merge keeps clearing a poller's stale copy.
	subs map[string]*subState
	// loaded: Sync has run once, so a source without an entry has no
	// subscription (before that, the stored lease is believed).
	loaded bool
}

// subState is what the subscriber knows of one source's subscription.
type subState struct {
	hub, topic, secret string    // of the active subscription
	verified, leaseEnd time.Time // zero leaseEnd: none active
	pending            []pendingReq
	failures           int
	nextTry            time.Time // after a failed hub request
}

// pendingReq is a request sent to a hub and awaiting verification. It is
// confirmed at most once, and only before deadline.
type pendingReq struct {
	mode, hub, topic, secret string
	lease                    time.Duration
	since, deadline          time.Time
	token                    string // names its claim in the database
}

// NewSubscriber returns the subscriber of p. Its metrics are registered by
// RegisterMetrics.
func NewSubscriber(p Poller, store *db.DB, logger *slog.Logger) *Subscriber {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Subscriber{
		p:              p,
		store:          store,
		UserAgent:      "bantin (WebSub subscriber)",
		log:            logger,
		Now:            time.Now,
		Lease:          10 * 24 * time.Hour,
		PendingTimeout: 10 * time.Minute,
		subs:           map[string]*subState{},
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bantin_websub_pushes_total",
			Help: "WebSub content pushes received, by result (accepted, bad_signature, unsigned, unknown_source, too_large, error).",
		}, []string{"result"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bantin_websub_verifications_total",
			Help: "WebSub verifications of intent received, by result (confirmed, denied, refused: no such pending request).",
		}, []string{"result"}),
	}
	for _, r := range []string{PushAccepted, PushBadSignature, PushUnsigned, PushUnknown, PushTooLarge, PushError} {
		s.pushes.WithLabelValues(r)
	}
	for _, r := range []string{VerifyConfirmed, VerifyDenied, VerifyRefused} {
		s.verifications.WithLabelValues(r)
	}
	s.Client = &http.Client{
		Timeout:       20 * time.Second,
		Transport:     &http.Transport{Proxy: nil, DialContext: dialHub, TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 2},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

// RegisterMetrics registers bantin_websub_pushes_total and
// bantin_websub_verifications_total with reg.
func (s *Subscriber) RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{s.pushes, s.verifications} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("websub: metrics: %w", err)
		}
	}
	return nil
}

// Pushes returns the push counter (for tests and diagnostics).
func (s *Subscriber) Pushes() *prometheus.CounterVec { return s.pushes }

// Verifications returns the verification counter (for tests and
// diagnostics).
func (s *Subscriber) Verifications() *prometheus.CounterVec { return s.verifications }

// allowPrivateKey marks a hub request that may go to a private address.
type allowPrivateKey struct{}

var (
	plainDialer   = &net.Dialer{Timeout: 10 * time.Second}
	publicDialer  = &net.Dialer{Timeout: 10 * time.Second, Control: controlPublic}
	errPrivateHub = errors.New("websub: hub on a private address")
)

func dialHub(ctx context.Context, network, addr string) (net.Conn, error) {
	if allow, _ := ctx.Value(allowPrivateKey{}).(bool); allow {
		return plainDialer.DialContext(ctx, network, addr)
	}
	return publicDialer.DialContext(ctx, network, addr)
}

func controlPublic(network, address string, _ syscall.RawConn) error {
	if netpolicy.CheckDial(address) != nil {
		return fmt.Errorf("%w: %s", errPrivateHub, address)
	}
	return nil
}

// mayUsePrivate reports whether a source's hub may be on a private
// address: allow_private, or its configured URL is on one (a literal
// address or a localhost name, or a file:// URL).
func mayUsePrivate(src *config.Source, st *db.Source) bool {
	if src != nil && src.AllowPrivate {
		return true
	}
	u, err := url.Parse(st.ConfigURL)
	if err != nil {
		return false
	}
	if u.Scheme == "file" {
		return true
	}
	return netpolicy.IsLocalHost(u.Hostname())
}

// CallbackURL is the callback bantin gives hubs for source id.
func CallbackURL(cfg *config.Config, id string) string {
	return strings.TrimRight(cfg.BaseURL, "/") + CallbackPath + url.PathEscape(id)
}

// Active reports whether source id has a verified subscription whose lease
// runs past now.
func (s *Subscriber) Active(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.subs[id]
	return ss != nil && ss.leaseEnd.After(now)
}

// Merge copies the subscriber's view of source st.ID (secret, lease end)
// into st, so that the poller's full state writes keep it
// (aggregator.Subscriptions).
func (s *Subscriber) Merge(st *db.Source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.subs[st.ID]; ss != nil {
		st.HubSecret, st.HubLeaseEnd = ss.secret, ss.leaseEnd
	}
}

// ActiveFor reports whether st has an active subscription to the hub and
// topic its feed advertises now (a feed that dropped or changed its hub
// is about to be unsubscribed or re-subscribed;
// aggregator.Subscriptions). Before the first Sync (which restores
// subscriptions from the database) the lease stored in st is believed.
func (s *Subscriber) ActiveFor(st *db.Source, now time.Time) bool {
	stored := st.HubSecret != "" && st.HubURL != "" && st.HubLeaseEnd.After(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.subs[st.ID]
	if ss == nil {
		return !s.loaded && stored
	}
	return ss.leaseEnd.After(now) && ss.hub == st.HubURL && ss.topic == st.HubTopic
}

// Run calls Sync every interval until ctx ends.
func (s *Subscriber) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("websub subscriptions", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// hubRequest is one subscription request Sync decided to send.
type hubRequest struct {
	id       string
	req      pendingReq
	callback string
	private  bool
}

// Sync brings the subscriptions in line with the stored sources: it
// subscribes, renews, re-subscribes and unsubscribes as described on
// Subscriber. Failed hub requests, and subscriptions not verified within
// PendingTimeout, are retried with backoff (1 min doubling to 6 h). A
// stored source whose polling is still relaxed (NormalDue set) although
// its subscription is no longer active is put back on its normal schedule
// (db.EndSourceRelaxation). It does nothing else while SubscribeEnabled is
// false (existing subscriptions then lapse at their lease end, and no
// source is polled as if subscribed).
//
// Instances sharing the database share the subscriptions (db.
// UpstreamSubscriptions: Sync takes over what another verified or ended)
// and send each request once: the one that claims it in the database
// (db.ClaimWebSubRequest) sends it; its verification is taken once,
// whichever instance the hub reaches.
func (s *Subscriber) Sync(ctx context.Context) error {
	cfg := s.p.Config()
	if !SubscribeEnabled(cfg) {
		s.mu.Lock()
		s.loaded = true
		s.mu.Unlock()
		return nil
	}
	sources, err := s.store.Sources(ctx)
	if err != nil {
		return fmt.Errorf("websub: %w", err)
	}
	now := s.Now()
	var reqs []hubRequest
	var releases []release
	var cleared, unrelax []string
	s.mu.Lock()
	// Read under s.mu: a verification this instance takes meanwhile is
	// not undone by an older read.
	upstream, err := s.store.UpstreamSubscriptions(ctx)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("websub: %w", err)
	}
	for i := range sources {
		st := &sources[i]
		src, configured := cfg.Source(st.ID)
		ss := s.subs[st.ID]
		known := ss != nil
		if ss == nil {
			ss = &subState{}
		}
		// The database holds the subscription, whichever instance
		// verified or ended it (and across restarts).
		if u, ok := upstream[st.ID]; ok {
			ss.hub, ss.topic, ss.secret, ss.verified, ss.leaseEnd = u.Hub, u.Topic, u.Secret, u.Verified, u.LeaseEnd
			// A request of this instance that another verified is no
			// longer pending (nor failed).
			ss.pending = slices.DeleteFunc(ss.pending, func(r pendingReq) bool {
				return r.mode == "subscribe" && r.topic == u.Topic && !r.since.After(u.Verified)
			})
		} else if ss.hub != "" {
			ss.end()
		}
		for _, r := range ss.dropStale(now) {
			releases = append(releases, release{id: st.ID, req: r, retryAt: ss.nextTry})
		}
		want := configured && !st.Removed && !st.Disabled && st.HubURL != "" && st.HubTopic != ""
		private := mayUsePrivate(src, st)
		active := ss.hub != "" && ss.leaseEnd.After(now)
		if ss.hub != "" && (!want || ss.hub != st.HubURL || ss.topic != st.HubTopic) {
			if active {
				reqs = append(reqs, hubRequest{id: st.ID, callback: CallbackURL(cfg, st.ID), private: private,
					req: pendingReq{mode: "unsubscribe", hub: ss.hub, topic: ss.topic, since: now}})
			}
			ss.end()
			cleared = append(cleared, st.ID)
			active = false
		}
		if !st.NormalDue.IsZero() && !(active && ss.hub == st.HubURL && ss.topic == st.HubTopic) {
			unrelax = append(unrelax, st.ID)
		}
		if want && !now.Before(ss.nextTry) && !ss.hasPending("subscribe", st.HubTopic) &&
			(!active || !now.Before(ss.renewAt())) {
			secret := ss.secret
			if secret == "" || ss.hub != st.HubURL || ss.topic != st.HubTopic {
				secret = newSecret()
			}
			reqs = append(reqs, hubRequest{id: st.ID, callback: CallbackURL(cfg, st.ID), private: private,
				req: pendingReq{mode: "subscribe", hub: st.HubURL, topic: st.HubTopic, secret: secret, lease: s.Lease, since: now}})
		}
		// An entry, once made, is kept (see subs).
		if known || ss.hub != "" || len(ss.pending) > 0 || ss.failures > 0 {
			s.subs[st.ID] = ss
		}
	}
	s.loaded = true
	s.mu.Unlock()

	var errs []error
	wctx := context.WithoutCancel(ctx)
	for _, r := range releases {
		if err := s.store.ReleaseWebSubRequest(wctx, r.id, r.req.mode, r.req.topic, r.req.token, r.retryAt); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range cleared {
		if err := s.store.EndUpstreamSubscription(wctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range unrelax {
		if err := s.endRelaxation(wctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range reqs {
		// Claim the request, then register it as pending before sending
		// it: a hub may verify before it answers. Each may be verified
		// once, within PendingTimeout.
		r.req.deadline = r.req.since.Add(s.PendingTimeout)
		r.req.token = newSecret()
		mine, err := s.store.ClaimWebSubRequest(wctx, db.WebSubRequest{SourceID: r.id, Mode: r.req.mode, Topic: r.req.topic,
			Hub: r.req.hub, Secret: r.req.secret, Lease: r.req.lease, Since: r.req.since, Deadline: r.req.deadline, Token: r.req.token}, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !mine {
			continue // another instance sent it, or backs off
		}
		s.mu.Lock()
		ss := s.subs[r.id]
		if ss == nil {
			ss = &subState{}
			s.subs[r.id] = ss
		}
		ss.pending = append(ss.pending, r.req)
		s.mu.Unlock()
		err = s.send(ctx, r)
		if err == nil {
			continue
		}
		errs = append(errs, err)
		// The hub refused the request: it will not verify it.
		s.mu.Lock()
		ss.removePending(r.req.mode, r.req.topic)
		retryAt := now
		if r.req.mode == "subscribe" {
			ss.failures++
			ss.nextTry = now.Add(retryDelay(ss.failures))
			retryAt = ss.nextTry
		}
		s.mu.Unlock()
		if err := s.store.ReleaseWebSubRequest(wctx, r.id, r.req.mode, r.req.topic, r.req.token, retryAt); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// release is a request to close in the database: not verified in time.
type release struct {
	id      string
	req     pendingReq
	retryAt time.Time
}

// retryDelay is the pause after the n-th failed subscription request:
// 1 min doubling up to 6 h.
func retryDelay(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// renewAt is when an active lease is renewed: at 80% of its length.
func (ss *subState) renewAt() time.Time {
	return ss.verified.Add(ss.leaseEnd.Sub(ss.verified) * 8 / 10)
}

// end forgets the active subscription (denied, unsubscribed, or the feed
// changed its hub or topic).
func (ss *subState) end() {
	ss.hub, ss.topic, ss.secret = "", "", ""
	ss.leaseEnd, ss.verified = time.Time{}, time.Time{}
}

func (ss *subState) hasPending(mode, topic string) bool {
	for _, r := range ss.pending {
		if r.mode == mode && r.topic == topic {
			return true
		}
	}
	return false
}

func (ss *subState) removePending(mode, topic string) {
	out := ss.pending[:0]
	for _, r := range ss.pending {
		if r.mode != mode || r.topic != topic {
			out = append(out, r)
		}
	}
	ss.pending = out
}

// dropStale forgets requests whose verification did not come before their
// deadline, and returns them; a subscription that was never verified
// counts as a failure, so a hub that cannot reach the callback is asked
// less and less often.
func (ss *subState) dropStale(now time.Time) []pendingReq {
	var stale []pendingReq
	out := ss.pending[:0]
	for _, r := range ss.pending {
		if now.Before(r.deadline) {
			out = append(out, r)
			continue
		}
		stale = append(stale, r)
		if r.mode == "subscribe" {
			ss.failures++
			ss.nextTry = now.Add(retryDelay(ss.failures))
		}
	}
	ss.pending = out
	return stale
}

func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// send POSTs one subscription request to its hub.
func (s *Subscriber) send(ctx context.Context, r hubRequest) error {
	form := url.Values{
		"hub.mode":     {r.req.mode},
		"hub.topic":    {r.req.topic},
		"hub.callback": {r.callback},
	}
	if r.req.mode == "subscribe" {
		form.Set("hub.secret", r.req.secret)
		form.Set("hub.lease_seconds", strconv.FormatInt(int64(r.req.lease/time.Second), 10))
	}
	ctx = context.WithValue(ctx, allowPrivateKey{}, r.private)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.req.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("websub: %s %s: %w", r.req.mode, r.id, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", s.UserAgent)
	resp, err := s.Client.Do(req)
	if err != nil {
		return fmt.Errorf("websub: %s %s at %s: %w", r.req.mode, r.id, r.req.hub, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("websub: %s %s at %s: status %s: %s", r.req.mode, r.id, r.req.hub, resp.Status, strings.TrimSpace(string(body)))
	}
	s.log.Info("websub request sent", slog.String("mode", r.req.mode), slog.String("source", r.id), slog.String("hub", r.req.hub))
	return nil
}

// ServeHTTP is the WebSub callback (mounted at CallbackPath).
func (s *Subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), CallbackPath)
	id, err := url.PathUnescape(rest)
	if !ok || err != nil || id == "" {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.verify(w, r, id)
	case http.MethodPost:
		s.push(w, r, id)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "WebSub callback: it takes GET (verification of intent) and POST (content)", http.StatusMethodNotAllowed)
	}
}

// verify answers a hub's verification of intent (WebSub §5.3). Only a
// request that bantin sent and that is still pending (takePending) is
// confirmed; everything else is refused with 404 and changes nothing.
func (s *Subscriber) verify(w http.ResponseWriter, r *http.Request, id string) {
	q := r.URL.Query()
	mode, topic, challenge := q.Get("hub.mode"), q.Get("hub.topic"), q.Get("hub.challenge")
	now := s.Now()
	ctx := context.WithoutCancel(r.Context())
	var (
		req      pendingReq
		found    bool
		leaseEnd time.Time
	)
	// The request awaiting this verification is taken in the database,
	// once, whichever instance sent it.
	taken, retryAt := "", time.Time{}
	switch mode {
	case "subscribe", "unsubscribe":
		if challenge != "" {
			taken = mode
		}
		if mode == "subscribe" {
			// Renewed by any instance once 80% of the lease passed.
			retryAt = now.Add(grantedLease(s.Lease, q.Get("hub.lease_seconds")) * 8 / 10)
		}
	case "denied":
		// Not asked again for about an hour, by any instance.
		taken, retryAt = "subscribe", now.Add(retryDelay(7))
	}
	s.mu.Lock()
	ss := s.subs[id]
	if taken != "" && topic != "" {
		tr, ok, err := s.store.TakeWebSubRequest(ctx, id, taken, topic, now, retryAt)
		if err != nil {
			s.log.Error("websub: take the pending request", slog.String("source", id), slog.Any("error", err))
		}
		if ok {
			found = true
			req = pendingReq{mode: tr.Mode, hub: tr.Hub, topic: tr.Topic, secret: tr.Secret, lease: tr.Lease,
				since: tr.Since, deadline: tr.Deadline, token: tr.Token}
			if ss == nil {
				ss = &subState{}
				s.subs[id] = ss
			}
			ss.removePending(taken, topic)
		}
	}
	var storeErr error
	if found {
		switch mode {
		case "subscribe":
			// The hub's lease, but never longer than the one asked for:
			// bantin renews on its own schedule.
			lease := grantedLease(req.lease, q.Get("hub.lease_seconds"))
			ss.hub, ss.topic, ss.secret = req.hub, req.topic, req.secret
			ss.verified, ss.leaseEnd = now, now.Add(lease)
			ss.failures, ss.nextTry = 0, time.Time{}
			leaseEnd = ss.leaseEnd
			storeErr = s.store.SaveUpstreamSubscription(ctx, db.UpstreamSubscription{SourceID: id, Hub: ss.hub,
				Topic: ss.topic, Secret: ss.secret, Verified: ss.verified, LeaseEnd: ss.leaseEnd})
		case "denied":
			// The hub will not deliver: the subscription (a renewal's
			// too) is over; ask again in about an hour.
			ss.end()
			ss.failures++
			ss.nextTry = now.Add(retryDelay(ss.failures + 6))
			storeErr = s.store.EndUpstreamSubscription(ctx, id)
		}
	}
	s.mu.Unlock()
	if storeErr != nil {
		s.log.Error("websub: store subscription", slog.String("source", id), slog.Any("error", storeErr))
	}
	if !found {
		s.verifications.WithLabelValues(VerifyRefused).Inc()
		s.log.Warn("websub verification refused: no such pending request", slog.String("source", id),
			slog.String("mode", mode), slog.String("topic", topic))
		http.Error(w, "WebSub callback: no subscription request of this source is pending for this mode and topic", http.StatusNotFound)
		return
	}
	switch mode {
	case "subscribe":
		s.verifications.WithLabelValues(VerifyConfirmed).Inc()
		s.log.Info("websub subscription verified", slog.String("source", id), slog.String("topic", topic), slog.Time("lease_end", leaseEnd))
	case "unsubscribe":
		s.verifications.WithLabelValues(VerifyConfirmed).Inc()
		s.log.Info("websub unsubscription verified", slog.String("source", id), slog.String("topic", topic))
	case "denied":
		s.verifications.WithLabelValues(VerifyDenied).Inc()
		s.log.Warn("websub subscription denied", slog.String("source", id), slog.String("topic", topic), slog.String("reason", q.Get("hub.reason")))
		if err := s.endRelaxation(ctx, id); err != nil {
			s.log.Error("websub: end relaxed polling", slog.String("source", id), slog.Any("error", err))
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, challenge)
}

// grantedLease is the lease a verification grants: the hub's
// hub.lease_seconds, but never longer than asked (bantin renews on its
// own schedule).
func grantedLease(asked time.Duration, leaseSeconds string) time.Duration {
	lease := asked
	if n, err := strconv.ParseInt(leaseSeconds, 10, 64); err == nil && n > 0 {
		granted := time.Duration(min(n, int64(365*24*time.Hour/time.Second))) * time.Second
		if lease <= 0 || granted < lease {
			lease = granted
		}
	}
	return lease
}

// endRelaxation puts stored source id back on its normal polling schedule
// (db.EndSourceRelaxation) unless it has an active subscription. The
// daemon's poll loop does the same to its own copy of the state
// (aggregator), so a poll written meanwhile is corrected there.
func (s *Subscriber) endRelaxation(ctx context.Context, id string) error {
	s.mu.Lock()
	ss := s.subs[id]
	active := ss != nil && ss.leaseEnd.After(s.Now())
	s.mu.Unlock()
	if active {
		return nil
	}
	changed, err := s.store.EndSourceRelaxation(ctx, id)
	if err != nil {
		return fmt.Errorf("websub: %w", err)
	}
	if changed {
		s.log.Info("websub: source back on its normal polling schedule", slog.String("source", id))
	}
	return nil
}

// push takes one content distribution request.
func (s *Subscriber) push(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	var secrets []string
	if ss := s.subs[id]; ss != nil {
		if ss.secret != "" && ss.leaseEnd.After(s.Now()) {
			secrets = append(secrets, ss.secret)
		}
		for _, p := range ss.pending {
			if p.mode == "subscribe" && p.secret != "" {
				secrets = append(secrets, p.secret)
			}
		}
	}
	s.mu.Unlock()
	// Those another instance subscribed with, too.
	if more, err := s.store.WebSubSecrets(r.Context(), id, s.Now()); err != nil {
		s.log.Error("websub: read the secrets", slog.String("source", id), slog.Any("error", err))
	} else {
		secrets = append(secrets, more...)
	}
	src, ok := s.p.Config().Source(id)
	if len(secrets) == 0 || !ok {
		s.pushes.WithLabelValues(PushUnknown).Inc()
		http.Error(w, "WebSub callback: no subscription here (the source is gone or not subscribed)", http.StatusGone)
		return
	}
	limit := int64(src.MaxBody)
	if limit <= 0 {
		limit = 10 << 20
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		s.pushes.WithLabelValues(PushError).Inc()
		http.Error(w, "WebSub callback: the body could not be read", http.StatusBadRequest)
		return
	}
	if int64(len(body)) > limit {
		s.pushes.WithLabelValues(PushTooLarge).Inc()
		http.Error(w, "WebSub callback: the body is larger than the source's max_body", http.StatusRequestEntityTooLarge)
		return
	}
	sig := r.Header.Get("X-Hub-Signature")
	if sig == "" {
		s.pushes.WithLabelValues(PushUnsigned).Inc()
		s.log.Warn("websub push without signature ignored", slog.String("source", id))
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if !validSignature(sig, body, secrets) {
		s.pushes.WithLabelValues(PushBadSignature).Inc()
		s.log.Warn("websub push with bad signature ignored", slog.String("source", id))
		w.WriteHeader(http.StatusAccepted)
		return
	}
	res, err := s.p.Ingest(context.WithoutCancel(r.Context()), id, body, r.Header.Get("Content-Type"))
	if err != nil {
		s.pushes.WithLabelValues(PushError).Inc()
		s.log.Warn("websub push not ingested", slog.String("source", id), slog.Any("error", err))
		if errors.Is(err, normaliser.ErrNotAFeed) {
			w.WriteHeader(http.StatusAccepted) // retrying would not help
			return
		}
		http.Error(w, "WebSub callback: not stored now, please retry later", http.StatusServiceUnavailable)
		return
	}
	s.pushes.WithLabelValues(PushAccepted).Inc()
	s.log.Info("websub push ingested", slog.String("source", id), slog.Int("new", res.New), slog.Int("updated", res.Updated))
	w.WriteHeader(http.StatusNoContent)
}

// validSignature checks an X-Hub-Signature value "method=hex" against
// body under any of secrets, in constant time.
func validSignature(header string, body []byte, secrets []string) bool {
	method, sigHex, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok {
		return false
	}
	var h func() hash.Hash
	switch strings.ToLower(method) {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return false
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return false
	}
	for _, secret := range secrets {
		m := hmac.New(h, []byte(secret))
		m.Write(body)
		if hmac.Equal(m.Sum(nil), sig) {
			return true
		}
	}
	return false
}
