package websub

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"bantin/aggregator"
	"bantin/config"
	"bantin/db"
	"bantin/internal/fixture"
	"bantin/internal/testenv"
)

// testHub is a WebSub hub on 127.0.0.1. It records subscription requests
// and verifies each one against the callback before answering 202 (as a
// synchronous hub would), first with a wrong topic, which must be refused.
type testHub struct {
	t      *testing.T
	ts     *httptest.Server
	silent bool // accept requests but never verify them
	mu     sync.Mutex
	reqs   []url.Values
	checks []verification
}

type verification struct {
	mode           string
	wrongTopic     int // status for the wrong-topic attempt
	status         int
	echoed         bool
	challengeMatch bool
}

func newTestHub(t *testing.T) *testHub {
	h := &testHub{t: t}
	h.ts = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.ts.Close)
	return h
}

func (h *testHub) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	h.mu.Lock()
	h.reqs = append(h.reqs, f)
	silent := h.silent
	h.mu.Unlock()
	if silent {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	v := verification{mode: f.Get("hub.mode")}
	v.wrongTopic, _ = h.get(f.Get("hub.callback"), v.mode, f.Get("hub.topic")+"/other", "wrong-topic-challenge")
	challenge := "défi-" + hex.EncodeToString([]byte(f.Get("hub.topic")))[:12]
	var body string
	v.status, body = h.get(f.Get("hub.callback"), v.mode, f.Get("hub.topic"), challenge)
	v.echoed = v.status == http.StatusOK
	v.challengeMatch = body == challenge
	h.mu.Lock()
	h.checks = append(h.checks, v)
	h.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// get sends one verification of intent to the callback.
func (h *testHub) get(callback, mode, topic, challenge string) (int, string) {
	q := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.challenge": {challenge}}
	if mode == "subscribe" {
		q.Set("hub.lease_seconds", "3600")
	}
	resp, err := http.Get(callback + "?" + q.Encode())
	if err != nil {
		h.t.Errorf("verification GET: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// push POSTs content to a callback with the given X-Hub-Signature ("" for none).
func (h *testHub) push(t *testing.T, callback, body, sig string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, callback, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/atom+xml")
	req.Header.Set("Link", "<"+h.ts.URL+"/hub>; rel=\"hub\"")
	if sig != "" {
		req.Header.Set("X-Hub-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (h *testHub) requests() []url.Values {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]url.Values(nil), h.reqs...)
}

func (h *testHub) lastCheck() verification {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.checks) == 0 {
		return verification{}
	}
	return h.checks[len(h.checks)-1]
}

func sign(newHash func() hash.Hash, name, secret, body string) string {
	m := hmac.New(newHash, []byte(secret))
	m.Write([]byte(body))
	return name + "=" + hex.EncodeToString(m.Sum(nil))
}

// atomFeed is an Atom feed advertising hub and self, with one entry per title.
func atomFeed(hub, self string, titles ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Nguồn đẩy</title><id>urn:x:feed</id>
<updated>2026-11-02T10:00:00Z</updated>
<link rel="self" href="` + self + `"/>`)
	if hub != "" {
		b.WriteString(`<link rel="hub" href="` + hub + `"/>`)
	}
	for i, t := range titles {
		b.WriteString("<entry><title>" + t + "</title><id>urn:x:" + hex.EncodeToString([]byte(t)) +
			"</id><link href=\"https://example.com/" + string(rune('a'+i)) + "\"/><updated>2026-11-02T10:00:00Z</updated></entry>")
	}
	b.WriteString("</feed>")
	return b.String()
}

// websubEnv is a poller with a subscriber whose callback is served on a
// loopback base_url, one upstream advertising a test hub.
type websubEnv struct {
	p        *aggregator.Poller
	store    *db.DB
	sub      *Subscriber
	hub      *testHub
	clk      *clock
	cfgPath  string
	upstream string
	base     string
	reg      *prometheus.Registry
	noHub    atomic.Bool                  // upstream stops advertising the hub
	fetches  atomic.Int64                 // GETs of source s's feed
	handler  atomic.Pointer[http.Handler] // at base_url (serve)
}

func (e *websubEnv) writeConfig(t *testing.T, sources string) *config.Config {
	t.Helper()
	yaml := "database: test.db\nbase_url: " + e.base + "\ndefaults:\n  interval: 10m\n  min_interval: 1m\n  max_interval: 2h\n  timeout: 2s\n" +
		"sources:\n" + sources
	return fixture.ConfigIn(t, filepath.Dir(e.cfgPath), yaml)
}

func newWebsubEnv(t *testing.T) *websubEnv {
	e := &websubEnv{hub: newTestHub(t), clk: testenv.NewClock(time.Now()), reg: prometheus.NewRegistry()}
	e.serve(http.NotFoundHandler())
	bantin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*e.handler.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(bantin.Close)
	e.base = bantin.URL
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.xml" {
			e.fetches.Add(1)
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		hub := e.hub.ts.URL + "/hub"
		if e.noHub.Load() {
			hub = ""
		}
		io.WriteString(w, atomFeed(hub, e.upstream+"/feed.xml", "Tin gốc"))
	}))
	t.Cleanup(up.Close)
	e.upstream = up.URL
	e.cfgPath = filepath.Join(t.TempDir(), "bantin.yaml")
	cfg := e.writeConfig(t, "  - {id: s, url: '"+up.URL+"/feed.xml'}\n  - {id: other, url: '"+up.URL+"/other.xml'}\n")
	ctx := context.Background()
	store := fixture.DB(t, cfg.Database)
	e.store = store
	var err error
	e.p, err = aggregator.New(ctx, cfg, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.p.Now = e.clk.Now
	e.sub = NewSubscriber(e.p, store, nil)
	e.sub.Now = e.clk.Now
	e.p.WebSub = e.sub
	if err := e.sub.RegisterMetrics(e.reg); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(CallbackPath, e.sub)
	e.serve(mux)
	return e
}

// serve makes h answer at base_url.
func (e *websubEnv) serve(h http.Handler) { e.handler.Store(&h) }

func itemTitles(t *testing.T, store *db.DB) map[string]bool {
	t.Helper()
	items, err := store.ScanItems(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, it := range items {
		m[it.Title] = true
	}
	return m
}

func TestWebSubSubscriberAgainstTestHub(t *testing.T) {
	e := newWebsubEnv(t)
	ctx := context.Background()
	now := e.clk.Now()
	topic := e.upstream + "/feed.xml"
	callback := e.base + CallbackPath + "s"

	// A poll learns the hub; the schedule is the normal one.
	pollAll(t, e.p, true)
	st := source(t, e.store, "s")
	if st.HubURL != e.hub.ts.URL+"/hub" || st.HubTopic != topic {
		t.Fatalf("after poll: hub %q topic %q; want %q %q", st.HubURL, st.HubTopic, e.hub.ts.URL+"/hub", topic)
	}
	if d := st.NextDue.Sub(now); d > 20*time.Minute {
		t.Errorf("before subscribing: next poll in %v, want about 10m", d)
	}

	// Subscribe: the hub verifies synchronously.
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := e.hub.requests()
	if len(reqs) != 2 {
		t.Fatalf("hub got %d requests, want 2 (source s and other, both advertise the hub)", len(reqs))
	}
	var req url.Values
	for _, r := range reqs {
		if r.Get("hub.callback") == callback {
			req = r
		}
	}
	secret := req.Get("hub.secret")
	if req.Get("hub.mode") != "subscribe" || req.Get("hub.topic") != topic || len(secret) != 64 || req.Get("hub.lease_seconds") != "864000" {
		t.Errorf("subscription request = %v", req)
	}
	if _, err := hex.DecodeString(secret); err != nil {
		t.Errorf("secret %q is not hex", secret)
	}
	if v := e.hub.lastCheck(); v.wrongTopic != http.StatusNotFound || !v.echoed || !v.challengeMatch {
		t.Errorf("verification = %+v; want wrong topic 404, right topic echoed", v)
	}
	if code, _ := e.hub.get(e.base+CallbackPath+"nope", "subscribe", topic, "x"); code != http.StatusNotFound {
		t.Errorf("verification for an unknown source: %d, want 404", code)
	}
	st = source(t, e.store, "s")
	if st.HubSecret != secret || st.HubLeaseEnd.Sub(now) < 59*time.Minute || st.HubLeaseEnd.Sub(now) > 61*time.Minute {
		t.Errorf("stored secret %q lease end in %v; want the secret, 1h (granted)", st.HubSecret, st.HubLeaseEnd.Sub(now))
	}
	if !e.sub.Active("s", now) {
		t.Error("subscription not active")
	}
	// A second Sync sends nothing: the lease is fresh.
	if err := e.sub.Sync(ctx); err != nil || len(e.hub.requests()) != 2 {
		t.Errorf("second sync: %v, %d requests; want none new", err, len(e.hub.requests()))
	}

	// Pushes: only correctly signed ones are ingested.
	pushes := []struct {
		name, title, sig string
		status           int
		stored           bool
	}{
		{"sha256", "Tin đẩy một", "sha256", http.StatusNoContent, true},
		{"sha512", "Tin đẩy hai", "sha512", http.StatusNoContent, true},
		{"sha1", "Tin đẩy ba", "sha1", http.StatusNoContent, true},
		{"wrong secret", "Tin giả mạo", "bad", http.StatusAccepted, false},
		{"md5 not allowed", "Tin md5", "md5", http.StatusAccepted, false},
		{"unsigned", "Tin không ký", "", http.StatusAccepted, false},
	}
	for _, c := range pushes {
		body := atomFeed(e.hub.ts.URL+"/hub", topic, "Tin gốc", c.title)
		var sig string
		switch c.sig {
		case "sha256":
			sig = sign(sha256.New, "sha256", secret, body)
		case "sha512":
			sig = sign(sha512.New, "sha512", secret, body)
		case "sha1":
			sig = sign(sha1.New, "sha1", secret, body)
		case "md5":
			sig = sign(md5.New, "md5", secret, body)
		case "bad":
			sig = sign(sha256.New, "sha256", strings.Repeat("0", 64), body)
		}
		if got := e.hub.push(t, callback, body, sig); got != c.status {
			t.Errorf("%s: status %d, want %d", c.name, got, c.status)
		}
		if got := itemTitles(t, e.store)[c.title]; got != c.stored {
			t.Errorf("%s: stored %v, want %v", c.name, got, c.stored)
		}
	}
	if got := e.hub.push(t, e.base+CallbackPath+"other2", atomFeed("", "", "x"), ""); got != http.StatusGone {
		t.Errorf("push for an unknown source: %d, want 410", got)
	}
	counts := map[string]float64{PushAccepted: 3, PushBadSignature: 2, PushUnsigned: 1, PushUnknown: 1, PushTooLarge: 0}
	for result, want := range counts {
		var m dto.Metric
		if err := e.sub.Pushes().WithLabelValues(result).Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != want {
			t.Errorf("bantin_websub_pushes_total{result=%q} = %v, want %v", result, got, want)
		}
	}
	families, err := e.reg.Gather()
	series := map[string]int{}
	for _, f := range families {
		series[f.GetName()] = len(f.GetMetric())
	}
	if err != nil || len(series) != 2 || series["bantin_websub_pushes_total"] != 6 || series["bantin_websub_verifications_total"] != 3 {
		t.Errorf("registered metrics = %v, %v; want bantin_websub_pushes_total with 6 series, bantin_websub_verifications_total with 3", series, err)
	}

	// Polling relaxes to max_interval (2h) and keeps the hub state.
	pollAll(t, e.p, true)
	st = source(t, e.store, "s")
	if d := st.NextDue.Sub(e.clk.Now()); d < 2*time.Hour-time.Second {
		t.Errorf("with an active subscription: next poll in %v, want max_interval 2h", d)
	}
	if d := st.NormalDue.Sub(e.clk.Now()); d < 10*time.Minute || d > 11*time.Minute {
		t.Errorf("with an active subscription: normal next poll in %v, want 10m (+ jitter) kept", d)
	}
	if st.HubSecret != secret || st.HubLeaseEnd.IsZero() {
		t.Errorf("after a poll: secret %q lease %v; the poller's write lost the hub state", st.HubSecret, st.HubLeaseEnd)
	}

	// The daemon's poller keeps source states in memory across polls: a
	// state read before the subscription must not erase it when written.
	// The poller merges the subscriber's view into every state it writes
	// (aggregator's TestWriteMergesSubscriberState); that view is the
	// subscription's.
	stale := st
	stale.HubSecret, stale.HubLeaseEnd = "", time.Time{}
	e.sub.Merge(&stale)
	if stale.HubSecret != secret || !stale.HubLeaseEnd.Equal(st.HubLeaseEnd) {
		t.Errorf("merge into a stale state: secret %q lease %v; want the subscription kept", stale.HubSecret, stale.HubLeaseEnd)
	}

	// Renewal at 80% of the lease, with the same secret.
	e.clk.Add(47 * time.Minute)
	if err := e.sub.Sync(ctx); err != nil || len(e.hub.requests()) != 2 {
		t.Errorf("at 47 of 60 min: %v, %d requests; want no renewal yet", err, len(e.hub.requests()))
	}
	e.clk.Add(2 * time.Minute)
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	reqs = e.hub.requests()
	var renewals int
	for _, r := range reqs[2:] {
		if r.Get("hub.callback") == callback && r.Get("hub.mode") == "subscribe" && r.Get("hub.secret") == secret {
			renewals++
		}
	}
	if renewals != 1 {
		t.Errorf("renewal requests for s = %d (all new: %v), want 1 with the same secret", renewals, reqs[2:])
	}
	if st = source(t, e.store, "s"); st.HubLeaseEnd.Sub(e.clk.Now()) < 59*time.Minute {
		t.Errorf("renewed lease ends in %v, want about 1h", st.HubLeaseEnd.Sub(e.clk.Now()))
	}

	// Removing the source unsubscribes it.
	cfg := e.writeConfig(t, "  - {id: other, url: '"+e.upstream+"/other.xml'}\n")
	if err := e.p.Reload(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	before := len(e.hub.requests())
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	reqs = e.hub.requests()[before:]
	if len(reqs) != 1 || reqs[0].Get("hub.mode") != "unsubscribe" || reqs[0].Get("hub.callback") != callback || reqs[0].Get("hub.topic") != topic {
		t.Errorf("after removal the hub got %v, want one unsubscribe of s", reqs)
	}
	if v := e.hub.lastCheck(); v.mode != "unsubscribe" || !v.echoed || !v.challengeMatch {
		t.Errorf("unsubscribe verification = %+v, want echoed", v)
	}
	st = source(t, e.store, "s")
	if st.HubSecret != "" || !st.HubLeaseEnd.IsZero() || e.sub.Active("s", e.clk.Now()) {
		t.Errorf("after unsubscribe: secret %q lease %v active %v; want cleared", st.HubSecret, st.HubLeaseEnd, e.sub.Active("s", e.clk.Now()))
	}
	body := atomFeed("", topic, "Tin sau khi hủy")
	if got := e.hub.push(t, callback, body, sign(sha256.New, "sha256", secret, body)); got != http.StatusGone || itemTitles(t, e.store)["Tin sau khi hủy"] {
		t.Errorf("push after unsubscribe: status %d; want 410 and nothing stored", got)
	}
}

func TestWebSubSubscribeFailureBacksOff(t *testing.T) {
	e := newWebsubEnv(t)
	ctx := context.Background()
	pollAll(t, e.p, true)
	e.hub.ts.Close() // the hub is gone
	if err := e.sub.Sync(ctx); err == nil {
		t.Fatal("sync with an unreachable hub: want an error")
	}
	// No retry before the backoff, and nothing pending.
	if err := e.sub.Sync(ctx); err != nil {
		t.Errorf("second sync right after: %v, want no request (backoff)", err)
	}
	if e.sub.Active("s", e.clk.Now()) {
		t.Error("active without verification")
	}
	e.clk.Add(2 * time.Minute)
	if err := e.sub.Sync(ctx); err == nil {
		t.Error("after the backoff: want a new attempt (and error)")
	}
}

func TestWebSubUnverifiedSubscriptionBacksOff(t *testing.T) {
	e := newWebsubEnv(t)
	ctx := context.Background()
	e.hub.silent = true // accepts, never verifies (say, it cannot reach base_url)
	e.sub.PendingTimeout = 5 * time.Minute
	pollAll(t, e.p, true)
	steps := []struct {
		name    string
		advance time.Duration
		want    int // requests for source s so far
	}{
		{"first request", 0, 1},
		{"still pending", 4 * time.Minute, 1},
		{"stale: backoff 1 min starts", 2 * time.Minute, 1},
		{"after 1 min: sent again", time.Minute, 2},
		{"stale again: backoff 2 min", 5 * time.Minute, 2},
		{"1 min later: still waiting", time.Minute, 2},
		{"2 min later: sent again", time.Minute, 3},
	}
	for _, st := range steps {
		e.clk.Add(st.advance)
		if err := e.sub.Sync(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		n := 0
		for _, r := range e.hub.requests() {
			if strings.HasSuffix(r.Get("hub.callback"), CallbackPath+"s") {
				n++
			}
		}
		if n != st.want {
			t.Errorf("%s: %d requests, want %d", st.name, n, st.want)
		}
		if e.sub.Active("s", e.clk.Now()) {
			t.Errorf("%s: active without verification", st.name)
		}
	}
}

func TestWebSubDisabled(t *testing.T) {
	off := false
	cases := []struct {
		name string
		cfg  config.Config
		want bool
	}{
		{"no base_url", config.Config{}, false},
		{"default on", config.Config{BaseURL: "https://x.example"}, true},
		{"off", config.Config{BaseURL: "https://x.example", WebSub: config.WebSub{Subscribe: &off}}, false},
	}
	for _, c := range cases {
		if got := SubscribeEnabled(&c.cfg); got != c.want {
			t.Errorf("%s: SubscribeEnabled = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestValidSignature(t *testing.T) {
	body := "<feed>nội dung</feed>"
	cases := []struct {
		name, header string
		want         bool
	}{
		{"sha1", sign(sha1.New, "sha1", "k", body), true},
		{"sha256", sign(sha256.New, "sha256", "k", body), true},
		{"sha384", sign(sha512.New384, "sha384", "k", body), true},
		{"sha512", sign(sha512.New, "sha512", "k", body), true},
		{"upper-case method", sign(sha256.New, "SHA256", "k", body), true},
		{"second secret", sign(sha256.New, "sha256", "k2", body), true},
		{"wrong secret", sign(sha256.New, "sha256", "x", body), false},
		{"method mismatch", "sha1=" + strings.TrimPrefix(sign(sha256.New, "sha256", "k", body), "sha256="), false},
		{"md5", sign(md5.New, "md5", "k", body), false},
		{"not hex", "sha256=zz", false},
		{"no method", "abcdef", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		if got := validSignature(c.header, []byte(body), []string{"k", "k2"}); got != c.want {
			t.Errorf("%s: validSignature(%q) = %v, want %v", c.name, c.header, got, c.want)
		}
	}
}

func TestMayUsePrivate(t *testing.T) {
	cases := []struct {
		name, url string
		allow     bool
		want      bool
	}{
		{"public", "https://vnexpress.net/rss", false, false},
		{"public with allow_private", "https://vnexpress.net/rss", true, true},
		{"loopback literal", "http://127.0.0.1:8080/feed", false, true},
		{"private literal", "http://10.1.2.3/feed", false, true},
		{"localhost", "http://localhost/feed", false, true},
		{"file", "file:///srv/feed.xml", false, true},
	}
	for _, c := range cases {
		got := mayUsePrivate(&config.Source{AllowPrivate: c.allow}, &db.Source{ConfigURL: c.url})
		if got != c.want {
			t.Errorf("%s: mayUsePrivate = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWebSubFeedDropsHub(t *testing.T) {
	e := newWebsubEnv(t)
	ctx := context.Background()
	pollAll(t, e.p, true)
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !e.sub.Active("s", e.clk.Now()) {
		t.Fatal("not subscribed")
	}
	e.noHub.Store(true)
	pollAll(t, e.p, true)
	st := source(t, e.store, "s")
	if st.HubURL != "" {
		t.Fatalf("HubURL = %q after the feed dropped it", st.HubURL)
	}
	if d := st.NextDue.Sub(e.clk.Now()); d > 20*time.Minute {
		t.Errorf("feed without hub: next poll in %v, want the normal ~10m", d)
	}
	before := len(e.hub.requests())
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var unsub int
	for _, r := range e.hub.requests()[before:] {
		if r.Get("hub.mode") == "unsubscribe" {
			unsub++
		}
	}
	if unsub != 2 || e.sub.Active("s", e.clk.Now()) {
		t.Errorf("unsubscribe requests = %d (both sources), active %v; want 2, false", unsub, e.sub.Active("s", e.clk.Now()))
	}
}

// clock is a settable time source (Poller.Now and the like).
type clock = testenv.Clock

// pollAll polls every source of p (all) or the due ones.
func pollAll(t *testing.T, p *aggregator.Poller, all bool) {
	t.Helper()
	if _, err := p.PollOnce(context.Background(), all, nil); err != nil {
		t.Fatal(err)
	}
}

// source returns the stored state of a source.
var source = fixture.Source
