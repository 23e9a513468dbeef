package websub

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"bantin/aggregator"
	"bantin/db"
	"bantin/internal/fixture"
	"bantin/publisher"
)

// instance is a second bantin on the database of a websubEnv: its own
// connection, poller and subscriber.
type instance struct {
	store *db.DB
	p     *aggregator.Poller
	sub   *Subscriber
}

// twoInstances adds a second instance to e, and puts a load balancer at
// base_url that sends each request to the next instance in turn.
func twoInstances(t *testing.T, e *websubEnv) [2]instance {
	t.Helper()
	cfg := e.p.Config()
	store := fixture.DB(t, cfg.Database)
	p, err := aggregator.New(context.Background(), cfg, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = e.clk.Now
	sub := NewSubscriber(p, store, nil)
	sub.Now = e.clk.Now
	p.WebSub = sub
	in := [2]instance{{e.store, e.p, e.sub}, {store, p, sub}}
	var next atomic.Int64
	e.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in[next.Add(1)%2].sub.ServeHTTP(w, r)
	}))
	return in
}

// syncBoth runs Sync on both instances at once.
func syncBoth(t *testing.T, in [2]instance) {
	t.Helper()
	var wg sync.WaitGroup
	for _, i := range in {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := i.sub.Sync(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// subscribeRequests counts the subscription requests the hub got for
// callback.
func subscribeRequests(h *testHub, callback string) int {
	n := 0
	for _, r := range h.requests() {
		if r.Get("hub.callback") == callback && r.Get("hub.mode") == "subscribe" {
			n++
		}
	}
	return n
}

// TestWebSubSubscribersShareOneDatabase: two instances on one database,
// behind a load balancer that alternates between them, subscribe each
// source once, renew it once, and both take the hub's verifications and
// pushes: each pushed item is stored once, and the source's stored state
// keeps the subscription and its relaxed polling whichever instance
// polls it.
func TestWebSubSubscribersShareOneDatabase(t *testing.T) {
	e := newWebsubEnv(t)
	in := twoInstances(t, e)
	topic := e.upstream + "/feed.xml"
	callback := e.base + CallbackPath + "s"
	pollAll(t, in[0].p, true)

	syncBoth(t, in)
	if got := len(e.hub.requests()); got != 2 {
		t.Fatalf("the hub got %d requests from two instances, want 2 (one per source)", got)
	}
	if v := e.hub.lastCheck(); !v.echoed || !v.challengeMatch || v.wrongTopic != http.StatusNotFound {
		t.Errorf("verification through the load balancer = %+v, want echoed", v)
	}
	secret := requestFor(t, e.hub, callback).Get("hub.secret")
	syncBoth(t, in) // each takes over what the other verified
	if got := len(e.hub.requests()); got != 2 {
		t.Errorf("second round: the hub got %d requests in all, want still 2", got)
	}
	for i, x := range in {
		if !x.sub.Active("s", e.clk.Now()) {
			t.Errorf("instance %d: subscription not active", i)
		}
	}

	// Pushes reach either instance: all accepted, each item stored once.
	titles := []string{"Tin đẩy một", "Tin đẩy hai", "Tin đẩy ba", "Tin đẩy bốn"}
	for i, title := range titles {
		body := atomFeed(e.hub.ts.URL+"/hub", topic, "Tin gốc", title)
		if got := e.hub.push(t, callback, body, sign(sha256.New, "sha256", secret, body)); got != http.StatusNoContent {
			t.Errorf("push %d: status %d, want 204", i, got)
		}
	}
	items, err := e.store.ScanItems(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, it := range items {
		stored[it.Title]++
	}
	var accepted float64
	for i, x := range in {
		var m dto.Metric
		if err := x.sub.Pushes().WithLabelValues(PushAccepted).Write(&m); err != nil {
			t.Fatal(err)
		}
		if m.GetCounter().GetValue() == 0 {
			t.Errorf("instance %d accepted no push", i)
		}
		accepted += m.GetCounter().GetValue()
	}
	for _, title := range titles {
		if stored[title] != 1 {
			t.Errorf("%q stored %d times, want once", title, stored[title])
		}
	}
	if accepted != float64(len(titles)) {
		t.Errorf("accepted pushes %v, want %d", accepted, len(titles))
	}

	// Both instances poll: the stored state keeps the subscription, and
	// both relax polling to max_interval.
	for i, x := range in {
		pollAll(t, x.p, true)
		st := source(t, e.store, "s")
		if st.HubSecret != secret || st.HubLeaseEnd.Before(e.clk.Now().Add(59*time.Minute)) {
			t.Errorf("after instance %d polled: secret %q lease end %v; want the subscription's", i, st.HubSecret, st.HubLeaseEnd)
		}
		if d := st.NextDue.Sub(e.clk.Now()); d < 2*time.Hour-time.Second {
			t.Errorf("after instance %d polled: next poll in %v, want max_interval 2h", i, d)
		}
	}

	// Renewal at 80% of the lease: sent once, with the same secret.
	e.clk.Add(49 * time.Minute)
	syncBoth(t, in)
	if got := subscribeRequests(e.hub, callback); got != 2 {
		t.Errorf("subscribe requests for s after the renewal: %d, want 2 (one, then one renewal)", got)
	}
	if r := requestFor(t, e.hub, callback); r.Get("hub.secret") != secret {
		t.Errorf("renewal secret %q, want the subscription's", r.Get("hub.secret"))
	}
	syncBoth(t, in)
	for i, x := range in {
		if st := source(t, x.store, "s"); st.HubLeaseEnd.Sub(e.clk.Now()) < 59*time.Minute || !x.sub.Active("s", e.clk.Now().Add(30*time.Minute)) {
			t.Errorf("instance %d after the renewal: stored lease ends in %v, active later %v", i, st.HubLeaseEnd.Sub(e.clk.Now()), x.sub.Active("s", e.clk.Now().Add(30*time.Minute)))
		}
	}
}

// TestWebSubSilentHubAskedOnceByTwoInstances: a hub that never verifies
// is asked by one instance at a time, with one backoff between them.
func TestWebSubSilentHubAskedOnceByTwoInstances(t *testing.T) {
	e := newWebsubEnv(t)
	e.hub.silent = true
	in := twoInstances(t, e)
	for _, x := range in {
		x.sub.PendingTimeout = 5 * time.Minute
	}
	callback := e.base + CallbackPath + "s"
	pollAll(t, in[0].p, true)
	for _, st := range []struct {
		name    string
		advance time.Duration
		want    int
	}{
		{"first request", 0, 1},
		{"still pending", 4 * time.Minute, 1},
		{"stale: backoff starts", 2 * time.Minute, 1},
		{"after the backoff", 2 * time.Minute, 2},
	} {
		e.clk.Add(st.advance)
		syncBoth(t, in)
		if got := subscribeRequests(e.hub, callback); got != st.want {
			t.Errorf("%s: %d requests, want %d", st.name, got, st.want)
		}
	}
}

// TestAnnouncersShareOneDatabase: two instances publishing one database
// announce each change to each hub once between them, whichever of them
// notices it first.
func TestAnnouncersShareOneDatabase(t *testing.T) {
	var mu sync.Mutex
	var got []string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		got = append(got, r.Form.Get("hub.url"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	e := newEnv(t)
	cfg := testConfig()
	cfg.WebSub.Hubs = []string{hub.URL + "/"}
	e.srv.Reload(cfg)
	other := fixture.DB(t, e.dbPath())
	in := []*Announcer{NewAnnouncer(e.srv, e.db, nil), NewAnnouncer(publisher.New(cfg, other, nil), other, nil)}
	announced := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	both := func() {
		var wg sync.WaitGroup
		for _, a := range in {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := a.Notify(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	both() // records
	if n := len(announced()); n != 0 {
		t.Fatalf("first pass announced %d, want 0", n)
	}
	for i, title := range []string{"Tin mới thứ nhất", "Tin mới thứ hai"} {
		e.save("a", e.item("https://a.example.vn/moi-"+string(rune('a'+i)), title, time.Minute, topicSlug))
		both()
		urls := announced()
		seen := map[string]int{}
		for _, u := range urls {
			seen[u]++
		}
		// The topic and the tag dat-dai, three formats each, once.
		if len(urls) != 6 || len(seen) != 6 {
			t.Errorf("change %d: announced %d (%d distinct), want 6 once each:\n%s", i+1, len(urls), len(seen), strings.Join(urls, "\n"))
		}
	}
}

// TestHubsShareOneDatabase: on PostgreSQL, two built-in hubs (replicas)
// take a subscription made through either and push each change once.
func TestHubsShareOneDatabase(t *testing.T) {
	e, h, cfg := newHubEnv(t)
	if !e.db.Postgres() {
		t.Skip("deliveries are claimed on PostgreSQL, where replicas share the database (TestOnPostgres runs this)")
	}
	other := fixture.DB(t, e.dbPath())
	h2 := NewHub(publisher.New(cfg, other, nil), other, nil)
	h2.Retries = h.Retries
	sub := newTestSubscriber(t, "bí mật", false)
	topic := cfg.BaseURL + "/topics/" + topicSlug + ".atom"
	if status, body := postForm(t, e.ts.URL+HubPath, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic},
		"hub.callback": {sub.callback()}, "hub.secret": {"bí mật"}}); status != http.StatusAccepted {
		t.Fatalf("subscribe: %d %q", status, body)
	}
	h.Wait()
	ctx := context.Background()
	for _, x := range []*Hub{h, h2} {
		if _, err := x.Distribute(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.save("a", e.item("https://a.example.vn/day", "Tin được đẩy một lần", time.Minute, topicSlug))
	var wg sync.WaitGroup
	for _, x := range []*Hub{h, h2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := x.Distribute(ctx); err != nil {
				t.Error(err)
			}
			x.Wait()
		}()
	}
	wg.Wait()
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if len(sub.pushes) != 1 || !sub.pushes[0].sigOK || !strings.Contains(string(sub.pushes[0].body), "Tin được đẩy một lần") {
		t.Errorf("the subscriber got %d pushes from two hubs, want the change once, signed", len(sub.pushes))
	}
}
