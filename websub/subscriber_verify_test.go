package websub

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"bantin/db"
	"bantin/db/pgtest"
)

// verifyGET sends a verification of intent to callback as anyone could.
func verifyGET(t *testing.T, callback string, q url.Values) (int, string) {
	t.Helper()
	resp, err := http.Get(callback + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func counterValue(t *testing.T, s *Subscriber, result string) float64 {
	t.Helper()
	var m dto.Metric
	if err := s.Verifications().WithLabelValues(result).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// requestFor returns the last request the hub got for callback.
func requestFor(t *testing.T, h *testHub, callback string) url.Values {
	t.Helper()
	reqs := h.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Get("hub.callback") == callback {
			return reqs[i]
		}
	}
	t.Fatalf("the hub got no request for %s", callback)
	return nil
}

// TestWebSubForgedVerificationsRefused: once a subscription is verified,
// no verification GET (forged, replayed, for the wrong mode or topic)
// changes its lease: each gets 404.
func TestWebSubForgedVerificationsRefused(t *testing.T) {
	e := newWebsubEnv(t)
	ctx := context.Background()
	topic := e.upstream + "/feed.xml"
	callback := e.base + CallbackPath + "s"
	pollAll(t, e.p, true)
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	before := source(t, e.store, "s")
	if before.HubSecret == "" || !e.sub.Active("s", e.clk.Now()) {
		t.Fatalf("genuine subscription not verified: secret %q", before.HubSecret)
	}
	refused0 := counterValue(t, e.sub, VerifyRefused)
	genuine := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic},
		"hub.challenge": {"défi-" + hex.EncodeToString([]byte(topic))[:12]}, "hub.lease_seconds": {"3600"}}
	cases := []struct {
		name     string
		callback string
		q        url.Values
	}{
		{"forged subscribe, a year", callback, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"forged123"}, "hub.lease_seconds": {"31536000"}}},
		{"forged subscribe, one second", callback, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"forged123"}, "hub.lease_seconds": {"1"}}},
		{"forged subscribe, no lease", callback, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"forged123"}}},
		{"forged unsubscribe", callback, url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topic}, "hub.challenge": {"forged123"}}},
		{"forged denial", callback, url.Values{"hub.mode": {"denied"}, "hub.topic": {topic}, "hub.reason": {"forged"}}},
		{"replayed genuine verification", callback, genuine},
		{"other source's callback", e.base + CallbackPath + "other", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"x"}, "hub.lease_seconds": {"31536000"}}},
	}
	for _, c := range cases {
		code, body := verifyGET(t, c.callback, c.q)
		if code != http.StatusNotFound || strings.Contains(body, c.q.Get("hub.challenge")) && c.q.Get("hub.challenge") != "" {
			t.Errorf("%s: %d %q; want 404 without the challenge", c.name, code, body)
		}
		got := source(t, e.store, "s")
		if !got.HubLeaseEnd.Equal(before.HubLeaseEnd) || got.HubSecret != before.HubSecret {
			t.Errorf("%s: stored lease end %v secret %q; want %v %q unchanged", c.name, got.HubLeaseEnd, got.HubSecret, before.HubLeaseEnd, before.HubSecret)
		}
		if !e.sub.Active("s", before.HubLeaseEnd.Add(-time.Second)) || e.sub.Active("s", before.HubLeaseEnd.Add(time.Second)) {
			t.Errorf("%s: the subscriber's lease moved from %v", c.name, before.HubLeaseEnd)
		}
	}
	if got, want := counterValue(t, e.sub, VerifyRefused)-refused0, float64(len(cases)); got != want {
		t.Errorf("bantin_websub_verifications_total{result=refused} grew by %v, want %v", got, want)
	}
	// The hub still renews normally: the forgeries left no trace.
	e.clk.Add(49 * time.Minute)
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if v := e.hub.lastCheck(); !v.echoed || !v.challengeMatch {
		t.Errorf("renewal verification after the forgeries = %+v, want echoed", v)
	}
	if got := source(t, e.store, "s"); got.HubLeaseEnd.Sub(e.clk.Now()) < 59*time.Minute {
		t.Errorf("renewed lease ends in %v, want about 1h", got.HubLeaseEnd.Sub(e.clk.Now()))
	}
}

// TestWebSubVerificationOncePerRequest plays the hub by hand: each request
// bantin sends is confirmed once, within its window, in its own mode.
func TestWebSubVerificationOncePerRequest(t *testing.T) {
	e := newWebsubEnv(t)
	ctx := context.Background()
	e.hub.silent = true
	topic := e.upstream + "/feed.xml"
	callback := e.base + CallbackPath + "s"
	pollAll(t, e.p, true)
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	secret := requestFor(t, e.hub, callback).Get("hub.secret")
	q := func(mode, challenge, lease string) url.Values {
		v := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.challenge": {challenge}}
		if lease != "" {
			v.Set("hub.lease_seconds", lease)
		}
		return v
	}
	type step struct {
		name    string
		before  func() // runs first (clock, Sync, config)
		q       url.Values
		status  int
		active  bool
		leaseIn time.Duration // stored lease end from now; 0: not checked
	}
	var leaseEnd time.Time
	steps := []step{
		{name: "unsubscribe while a subscribe is pending", q: q("unsubscribe", "u1", ""), status: 404},
		{name: "subscribe for another topic", q: url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic + "x"}, "hub.challenge": {"c0"}}, status: 404},
		{name: "subscribe without a challenge", q: q("subscribe", "", "3600"), status: 404},
		{name: "genuine, hub grants a year: capped at the 10 days asked", q: q("subscribe", "c1", "31536000"), status: 200, active: true, leaseIn: 10 * 24 * time.Hour},
		{name: "the same verification again", q: q("subscribe", "c1", "31536000"), status: 404, active: true, leaseIn: 10 * 24 * time.Hour},
		{name: "another challenge", q: q("subscribe", "c2", "60"), status: 404, active: true, leaseIn: 10 * 24 * time.Hour},
		{name: "renewal verified after its window", before: func() {
			e.clk.Add(8 * 24 * time.Hour)
			if err := e.sub.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			e.clk.Add(e.sub.PendingTimeout + time.Second)
		}, q: q("subscribe", "c3", "864000"), status: 404, active: true, leaseIn: 2*24*time.Hour - e.sub.PendingTimeout - time.Second},
		{name: "renewal sent again and verified in time", before: func() {
			e.clk.Add(time.Minute) // drop the stale one, back off
			if err := e.sub.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			e.clk.Add(time.Minute)
			if err := e.sub.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}, q: q("subscribe", "c4", "86400"), status: 200, active: true, leaseIn: 24 * time.Hour},
		{name: "unsubscribe after the source left the config", before: func() {
			cfg := e.writeConfig(t, "  - {id: other, url: '"+e.upstream+"/other.xml'}\n")
			if err := e.p.Reload(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			if err := e.sub.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}, q: q("unsubscribe", "u2", ""), status: 200},
		{name: "unsubscribe replayed", q: q("unsubscribe", "u2", ""), status: 404},
		{name: "subscribe after the unsubscribe", q: q("subscribe", "c5", "3600"), status: 404},
	}
	confirmed0 := counterValue(t, e.sub, VerifyConfirmed)
	var confirmed float64
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		code, body := verifyGET(t, callback, s.q)
		if code != s.status {
			t.Errorf("%s: status %d, want %d", s.name, code, s.status)
		}
		if code == 200 {
			confirmed++
			if body != s.q.Get("hub.challenge") {
				t.Errorf("%s: body %q, want the challenge %q", s.name, body, s.q.Get("hub.challenge"))
			}
		}
		now := e.clk.Now()
		if got := e.sub.Active("s", now); got != s.active {
			t.Errorf("%s: active %v, want %v", s.name, got, s.active)
		}
		st := source(t, e.store, "s")
		if s.leaseIn > 0 {
			if d := st.HubLeaseEnd.Sub(now); d != s.leaseIn || st.HubSecret != secret {
				t.Errorf("%s: stored lease ends in %v secret %q; want %v, the secret sent", s.name, d, st.HubSecret, s.leaseIn)
			}
		}
		leaseEnd = st.HubLeaseEnd
	}
	if !leaseEnd.IsZero() {
		t.Errorf("after the unsubscribe: stored lease end %v, want none", leaseEnd)
	}
	// A poller state read while subscribed and written now must not bring
	// the ended subscription back (nor, through it, relaxed polling).
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// The poller merges the subscriber's view into what it writes
	// (aggregator's TestWriteMergesSubscriberState): that view is none.
	stale := source(t, e.store, "s")
	stale.HubSecret, stale.HubLeaseEnd = secret, e.clk.Now().Add(time.Hour)
	e.sub.Merge(&stale)
	if err := e.store.SaveSourceState(ctx, stale); err != nil {
		t.Fatal(err)
	}
	if err := e.sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st := source(t, e.store, "s"); st.HubSecret != "" || !st.HubLeaseEnd.IsZero() || e.sub.Active("s", e.clk.Now()) || e.sub.ActiveFor(&st, e.clk.Now()) {
		t.Errorf("stale write after the unsubscribe: secret %q lease %v active %v; want none", st.HubSecret, st.HubLeaseEnd, e.sub.Active("s", e.clk.Now()))
	}
	if got := counterValue(t, e.sub, VerifyConfirmed) - confirmed0; got != confirmed {
		t.Errorf("bantin_websub_verifications_total{result=confirmed} grew by %v, want %v", got, confirmed)
	}
}

// relaxedEnv is a websubEnv whose source s is subscribed (1 h lease) and
// was polled with the subscription active, so polled every 2 h instead of
// every 10 min; the hub then falls silent (it never verifies again).
func relaxedEnv(t *testing.T) (*websubEnv, db.Source) {
	t.Helper()
	e := newWebsubEnv(t)
	pollAll(t, e.p, true)
	if err := e.sub.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	pollAll(t, e.p, true)
	st := source(t, e.store, "s")
	now := e.clk.Now()
	if st.NextDue.Sub(now) < 2*time.Hour-time.Second || st.NormalDue.Sub(now) < 10*time.Minute || st.NormalDue.Sub(now) > 11*time.Minute {
		t.Fatalf("subscribed source: next due in %v, normal in %v; want 2h and 10m", st.NextDue.Sub(now), st.NormalDue.Sub(now))
	}
	e.hub.mu.Lock()
	e.hub.silent = true
	e.hub.mu.Unlock()
	return e, st
}

// deny answers source s's pending renewal with hub.mode=denied.
func deny(t *testing.T, e *websubEnv) {
	t.Helper()
	code, _ := verifyGET(t, e.base+CallbackPath+"s", url.Values{"hub.mode": {"denied"},
		"hub.topic": {e.upstream + "/feed.xml"}, "hub.reason": {"nope"}})
	if code != http.StatusOK {
		t.Fatalf("denial of the pending renewal: %d, want 200", code)
	}
}

// TestWebSubPollingReturnsToNormalSchedule: once a subscription is denied
// or its lease ends unrenewed, its source is due on its normal schedule
// (the 10 min one), in the database and in the poller's own copy.
func TestWebSubPollingReturnsToNormalSchedule(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		end  func(t *testing.T, e *websubEnv)
		// stored: the stored schedule is already back to normal (else
		// the next poll's own state is checked).
		stored bool
	}{
		{"renewal denied before the lease end", func(t *testing.T, e *websubEnv) {
			e.clk.Add(49 * time.Minute) // renewal at 80% of 1 h
			if err := e.sub.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			deny(t, e)
		}, true},
		{"renewal denied after the lease lapsed", func(t *testing.T, e *websubEnv) {
			e.sub.PendingTimeout = 2 * time.Hour // the renewal stays pending
			e.clk.Add(49 * time.Minute)
			if err := e.sub.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			e.clk.Add(20 * time.Minute)
			deny(t, e)
		}, true},
		{"lease ended, renewal never verified, subscriber synced", func(t *testing.T, e *websubEnv) {
			e.clk.Add(49 * time.Minute)
			if err := e.sub.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			e.clk.Add(12 * time.Minute)
			if err := e.sub.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"lease ended, subscriber not synced since", func(t *testing.T, e *websubEnv) {
			e.clk.Add(61 * time.Minute)
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if db.IsPostgres(os.Getenv(db.EnvDatabase)) { // TestOnPostgres: a schema per case
				t.Setenv(db.EnvDatabase, pgtest.URL(t))
			}
			e, relaxed := relaxedEnv(t)
			c.end(t, e)
			now := e.clk.Now()
			if e.sub.Active("s", now) {
				t.Fatal("subscription still active")
			}
			st := source(t, e.store, "s")
			if c.stored && (!st.NextDue.Equal(relaxed.NormalDue) || !st.NormalDue.IsZero()) {
				t.Errorf("stored next due %v (normal %v); want the normal %v, nothing relaxed", st.NextDue, st.NormalDue, relaxed.NormalDue)
			}
			fetches := e.fetches.Load()
			pollAll(t, e.p, false) // only what is due
			if got := e.fetches.Load() - fetches; got != 1 {
				t.Errorf("a poll of what is due %v after the last one fetched s %d times, want 1", now.Sub(relaxed.LastSuccess), got)
			}
			st = source(t, e.store, "s")
			if d := st.NextDue.Sub(now); d < 10*time.Minute || d > 11*time.Minute || !st.NormalDue.IsZero() {
				t.Errorf("after that poll: next due in %v (normal %v); want 10m, not relaxed", d, st.NormalDue)
			}
		})
	}
}

// TestWebSubDaemonReturnsToNormalSchedule: the daemon's poll loop keeps
// source states in memory; a denial must reach its copy too.
func TestWebSubDaemonReturnsToNormalSchedule(t *testing.T) {
	e, _ := relaxedEnv(t)
	// The test drives the loop's ticker: two ticks return once the pass
	// of the first is over (the loop takes the second only after it).
	tick := make(chan time.Time)
	e.p.NewTicker = func(time.Duration) (<-chan time.Time, func()) { return tick, func() {} }
	ticks := func() {
		t.Helper()
		for range 2 {
			select {
			case tick <- e.clk.Now():
			case <-time.After(10 * time.Second):
				t.Fatal("the poll loop took no tick within 10 s")
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	e.clk.Add(49 * time.Minute) // past the normal due time, before the relaxed one
	if err := e.sub.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	ticks() // s is not due while subscribed
	fetches := e.fetches.Load()
	if fetches != 2 {
		t.Fatalf("s fetched %d times while subscribed, want 2 (the two polls before)", fetches)
	}
	deny(t, e)
	ticks()
	deadline := time.Now().Add(10 * time.Second)
	for e.fetches.Load() == fetches && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := e.fetches.Load() - fetches; got != 1 {
		t.Errorf("the daemon fetched s %d times after the denial, want 1 (due on its normal schedule)", got)
	}
}
