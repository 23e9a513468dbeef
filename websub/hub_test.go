package websub

import (
	"context"
	"crypto/hmac"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/internal/testenv"
	"bantin/publisher/render"
)

// testSubscriber is a WebSub subscriber on 127.0.0.1: it echoes (or not)
// verification challenges and records pushed content, checking its
// signature with the secret it subscribed with.
type testSubscriber struct {
	t       *testing.T
	ts      *httptest.Server
	secret  string
	mu      sync.Mutex
	verify  []url.Values // verification requests seen
	pushes  []push
	failN   int // answer the next failN pushes with 500
	noEcho  bool
	attempt int
}

type push struct {
	body        []byte
	contentType string
	link        string
	sigOK       bool
	sig         string
}

func newTestSubscriber(t *testing.T, secret string, noEcho bool) *testSubscriber {
	s := &testSubscriber{t: t, secret: secret, noEcho: noEcho}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.ts.Close)
	return s
}

func (s *testSubscriber) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		s.verify = append(s.verify, q)
		if s.noEcho || q.Get("keep") != "1" {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "no thanks")
			return
		}
		io.WriteString(w, q.Get("hub.challenge"))
	case http.MethodPost:
		s.attempt++
		if s.failN > 0 {
			s.failN--
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		body, _ := io.ReadAll(r.Body)
		sig := r.Header.Get("X-Hub-Signature")
		s.pushes = append(s.pushes, push{
			body: body, contentType: r.Header.Get("Content-Type"), link: r.Header.Get("Link"),
			sig: sig, sigOK: s.secret != "" && hmac.Equal([]byte(sig), []byte(Signature(s.secret, body))),
		})
		w.WriteHeader(http.StatusAccepted)
	}
}

// callback is the subscriber's callback URL, with a query of its own that
// the hub must keep.
func (s *testSubscriber) callback() string { return s.ts.URL + "/cb?keep=1" }

// newHubEnv is a site whose base_url is its own loopback server, serving
// the feeds and the built-in hub.
func newHubEnv(t *testing.T) (*siteEnv, *Hub, *config.Config) {
	e := newEnv(t)
	h := NewHub(e.srv, e.db, nil)
	h.Retries = []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}
	mux := http.NewServeMux()
	mux.Handle(HubPath, h)
	mux.Handle("/", e.srv.Handler())
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	e.ts = ts
	cfg := testConfig()
	cfg.BaseURL = ts.URL
	cfg.WebSub.Builtin = true
	cfg.WebSub.Hubs = []string{"https://hub.example.org/"}
	e.srv.Reload(cfg)
	return e, h, cfg
}

func postForm(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHubRejectsBadRequests(t *testing.T) {
	e, h, cfg := newHubEnv(t)
	sub := newTestSubscriber(t, "", false)
	topic := cfg.BaseURL + "/topics/" + topicSlug + ".atom"
	hubURL := e.ts.URL + HubPath
	good := func(mod func(url.Values)) url.Values {
		f := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {sub.callback()}}
		mod(f)
		return f
	}
	cases := []struct {
		name   string
		form   url.Values
		reason string
	}{
		{"bad mode", good(func(f url.Values) { f.Set("hub.mode", "follow") }), "hub.mode"},
		{"foreign topic", good(func(f url.Values) { f.Set("hub.topic", "https://elsewhere.example/topics/x.atom") }), "hub.topic"},
		{"unknown topic", good(func(f url.Values) { f.Set("hub.topic", cfg.BaseURL+"/topics/khong-co.atom") }), "no such feed"},
		{"unknown format", good(func(f url.Values) { f.Set("hub.topic", cfg.BaseURL+"/topics/"+topicSlug+".xml") }), "hub.topic"},
		{"no callback", good(func(f url.Values) { f.Del("hub.callback") }), "hub.callback missing"},
		{"ftp callback", good(func(f url.Values) { f.Set("hub.callback", "ftp://x.example/cb") }), "http or https"},
		{"relative callback", good(func(f url.Values) { f.Set("hub.callback", "/cb") }), "http or https"},
		{"long secret", good(func(f url.Values) { f.Set("hub.secret", strings.Repeat("k", 200)) }), "200 bytes"},
		{"bad lease", good(func(f url.Values) { f.Set("hub.lease_seconds", "soon") }), "lease_seconds"},
		{"negative lease", good(func(f url.Values) { f.Set("hub.lease_seconds", "-5") }), "lease_seconds"},
	}
	for _, c := range cases {
		status, body := postForm(t, hubURL, c.form)
		if status != http.StatusBadRequest || !strings.Contains(body, c.reason) {
			t.Errorf("%s: %d %q, want 400 mentioning %q", c.name, status, body, c.reason)
		}
	}
	h.Wait()
	if len(sub.verify) != 0 {
		t.Errorf("bad requests caused %d verifications", len(sub.verify))
	}

	// A public base_url refuses loopback callbacks (SSRF).
	pub := testConfig()
	pub.WebSub.Builtin = true
	e.srv.Reload(pub)
	status, body := postForm(t, hubURL, url.Values{"hub.mode": {"subscribe"},
		"hub.topic": {testBase + "/topics/" + topicSlug + ".atom"}, "hub.callback": {sub.callback()}})
	if status != http.StatusBadRequest || !strings.Contains(body, "private") {
		t.Errorf("private callback with public base_url: %d %q, want 400 private", status, body)
	}
	// A name that resolves to loopback passes the request check but the
	// connection is refused: nothing verified, nothing stored.
	byName := strings.Replace(sub.callback(), "127.0.0.1", "localhost", 1)
	status, body = postForm(t, hubURL, url.Values{"hub.mode": {"subscribe"},
		"hub.topic": {testBase + "/topics/" + topicSlug + ".atom"}, "hub.callback": {byName}})
	h.Wait()
	subs, _ := e.db.WebSubSubscriptions(context.Background(), "", time.Now())
	sub.mu.Lock()
	if status != http.StatusAccepted || len(sub.verify) != 0 || len(subs) != 0 {
		t.Errorf("callback named localhost with public base_url: %d %q, %d verifications reached it, %d stored; want 202, 0, 0",
			status, body, len(sub.verify), len(subs))
	}
	sub.mu.Unlock()
	// And with websub.builtin off there is no hub.
	e.srv.Reload(testConfig())
	if status, _ := postForm(t, hubURL, url.Values{}); status != http.StatusNotFound {
		t.Errorf("builtin off: status %d, want 404", status)
	}
}

func TestHubSubscribeDistributeUnsubscribe(t *testing.T) {
	e, h, cfg := newHubEnv(t)
	ctx := context.Background()
	const secret = "bí mật-0123456789"
	sub := newTestSubscriber(t, secret, false)
	noEcho := newTestSubscriber(t, "", true)
	plain := newTestSubscriber(t, "", false) // subscribes without a secret
	topic := cfg.BaseURL + "/topics/" + topicSlug + ".atom"
	hubURL := e.ts.URL + HubPath

	subscribe := func(s *testSubscriber, mode, secret, lease string) {
		t.Helper()
		f := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.callback": {s.callback()}}
		if secret != "" {
			f.Set("hub.secret", secret)
		}
		if lease != "" {
			f.Set("hub.lease_seconds", lease)
		}
		if status, body := postForm(t, hubURL, f); status != http.StatusAccepted {
			t.Fatalf("%s: status %d %q, want 202", mode, status, body)
		}
		h.Wait()
	}
	stored := func() map[string]db.WebSubSubscription {
		t.Helper()
		subs, err := e.db.WebSubSubscriptions(ctx, topic, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]db.WebSubSubscription{}
		for _, s := range subs {
			m[s.Callback] = s
		}
		return m
	}

	subscribe(sub, "subscribe", secret, "3600")
	subscribe(noEcho, "subscribe", "", "")
	subscribe(plain, "subscribe", "", "999999999")
	got := stored()
	if len(sub.verify) != 1 {
		t.Fatalf("subscriber saw %d verifications, want 1", len(sub.verify))
	}
	v := sub.verify[0]
	if v.Get("hub.mode") != "subscribe" || v.Get("hub.topic") != topic || v.Get("hub.lease_seconds") != "3600" ||
		len(v.Get("hub.challenge")) < 16 || v.Get("keep") != "1" {
		t.Errorf("verification query = %v", v)
	}
	s, ok := got[sub.callback()]
	if !ok || s.Secret != secret || time.Until(s.LeaseEnd) < 59*time.Minute || time.Until(s.LeaseEnd) > time.Hour {
		t.Errorf("stored subscription = %+v (found %v), want secret and a 1 h lease", s, ok)
	}
	if _, ok := got[noEcho.callback()]; ok || len(noEcho.verify) != 1 {
		t.Errorf("subscriber without echo: stored %v after %d verifications, want not stored after 1", ok, len(noEcho.verify))
	}
	if p, ok := got[plain.callback()]; !ok || time.Until(p.LeaseEnd) > MaxLease {
		t.Errorf("huge lease: stored %v lease end %v, want clamped to %v", ok, p.LeaseEnd, MaxLease)
	}
	// An expired subscription gets nothing.
	expired := newTestSubscriber(t, "", false)
	if err := e.db.SaveWebSubSubscription(ctx, db.WebSubSubscription{Topic: topic, Callback: expired.callback(),
		LeaseEnd: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name    string
		change  func()
		failN   int
		want    int // deliveries started
		pushes  int // pushes sub holds afterwards
		attempt int // POSTs sub saw in all
	}{
		{"first pass records", func() {}, 0, 0, 0, 0},
		{"no change", func() {}, 0, 0, 0, 0},
		{"new item in topic", func() {
			e.save("a", e.item("https://a.example.vn/moi", "Tin mới về đất đai", time.Minute, topicSlug))
		}, 0, 2, 1, 1},
		{"change outside the topic", func() {
			it := e.item("https://d.example.vn/khac", "Tin khác", time.Minute, "khac")
			it.Tags = nil
			e.save("d", it)
		}, 0, 0, 1, 1},
		{"retried after failures", func() {
			e.save("b", e.item("https://b.example.vn/moi", "Giá đất lại tăng", 2*time.Minute, topicSlug))
		}, 2, 2, 2, 4},
	}
	for _, st := range steps {
		sub.mu.Lock()
		sub.failN = st.failN
		sub.mu.Unlock()
		st.change()
		n, err := h.Distribute(ctx)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		h.Wait()
		sub.mu.Lock()
		if n != st.want || len(sub.pushes) != st.pushes || sub.attempt != st.attempt {
			t.Errorf("%s: started %d, pushes %d, attempts %d; want %d, %d, %d", st.name, n, len(sub.pushes), sub.attempt, st.want, st.pushes, st.attempt)
		}
		sub.mu.Unlock()
	}
	if len(expired.pushes) != 0 || len(noEcho.pushes) != 0 {
		t.Errorf("expired got %d pushes, unverified %d; want 0", len(expired.pushes), len(noEcho.pushes))
	}
	feed := e.get("/topics/" + topicSlug + ".atom")
	if len(sub.pushes) > 0 {
		p := sub.pushes[len(sub.pushes)-1]
		wantLink := "<" + h.URL() + `>; rel="hub", <` + topic + `>; rel="self"`
		switch {
		case string(p.body) != string(feed):
			t.Errorf("pushed body differs from the served feed:\n%s\nwant\n%s", p.body, feed)
		case !p.sigOK:
			t.Errorf("X-Hub-Signature %q does not verify", p.sig)
		case p.contentType != render.ContentType(render.FormatAtom):
			t.Errorf("Content-Type = %q, want %q", p.contentType, render.ContentType(render.FormatAtom))
		case p.link != wantLink:
			t.Errorf("Link = %q, want %q", p.link, wantLink)
		case !strings.Contains(string(p.body), "Giá đất lại tăng"):
			t.Error("pushed feed lacks the new item")
		}
	}
	if len(plain.pushes) != 2 || plain.pushes[0].sig != "" {
		t.Errorf("subscriber without secret: %d pushes, signature %q; want 2 unsigned", len(plain.pushes), plain.pushes[0].sig)
	}

	// Unsubscribe: verified, removed, and no more pushes.
	subscribe(sub, "unsubscribe", "", "")
	if last := sub.verify[len(sub.verify)-1]; last.Get("hub.mode") != "unsubscribe" || last.Has("hub.lease_seconds") {
		t.Errorf("unsubscribe verification = %v", last)
	}
	if _, ok := stored()[sub.callback()]; ok {
		t.Error("subscription still stored after unsubscribe")
	}
	e.save("a", e.item("https://a.example.vn/sau", "Tin sau khi hủy", 30*time.Second, topicSlug))
	if n, err := h.Distribute(ctx); err != nil || n != 1 {
		t.Errorf("after unsubscribe: started %d, %v; want 1 (the plain subscriber)", n, err)
	}
	h.Wait()
	if len(sub.pushes) != 2 {
		t.Errorf("unsubscribed subscriber got %d pushes, want still 2", len(sub.pushes))
	}
}

func TestHubDropsGoneSubscriberAndTakesPublishPings(t *testing.T) {
	e, h, cfg := newHubEnv(t)
	ctx := context.Background()
	topic := cfg.BaseURL + "/tags/dat-dai.json"
	var posts int
	var mu sync.Mutex
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		mu.Lock()
		posts++
		mu.Unlock()
		http.Error(w, "unsubscribed", http.StatusGone)
	}))
	defer gone.Close()
	if status, body := postForm(t, e.ts.URL+HubPath, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {gone.URL}}); status != http.StatusAccepted {
		t.Fatalf("subscribe: %d %q", status, body)
	}
	h.Wait()
	if subs, _ := e.db.WebSubSubscriptions(ctx, topic, time.Now()); len(subs) != 1 {
		t.Fatalf("subscriptions = %d, want 1", len(subs))
	}
	h.Distribute(ctx)
	e.save("c", e.item("https://c.example.vn/moi", "Tin thẻ mới", time.Minute))
	if n, err := h.Distribute(ctx); err != nil || n != 1 {
		t.Fatalf("distribute = %d, %v; want 1", n, err)
	}
	h.Wait()
	subs, _ := e.db.WebSubSubscriptions(ctx, topic, time.Now())
	mu.Lock()
	defer mu.Unlock()
	if len(subs) != 0 || posts != 1 {
		t.Errorf("after 410: %d subscriptions, %d POSTs; want 0 and 1 (no retries)", len(subs), posts)
	}

	cases := []struct {
		name   string
		form   url.Values
		status int
	}{
		{"publish our feed", url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}, http.StatusNoContent},
		{"publish a foreign feed", url.Values{"hub.mode": {"publish"}, "hub.url": {"https://x.example/feed"}}, http.StatusBadRequest},
	}
	for _, c := range cases {
		if status, body := postForm(t, e.ts.URL+HubPath, c.form); status != c.status {
			t.Errorf("%s: %d %q, want %d", c.name, status, body, c.status)
		}
	}
	select {
	case <-h.wake:
	default:
		t.Error("publish ping did not wake the distribution loop")
	}
}

// TestHubPushesChangesMadeWhileDown: the version each subscriber has is
// in the database, so a hub started afresh (bantin restarted) pushes a
// change made while it was down, and nothing when nothing changed.
func TestHubPushesChangesMadeWhileDown(t *testing.T) {
	e, h, cfg := newHubEnv(t)
	ctx := context.Background()
	sub := newTestSubscriber(t, "bí mật", false)
	topic := cfg.BaseURL + "/topics/" + topicSlug + ".rss"
	if status, body := postForm(t, e.ts.URL+HubPath, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic},
		"hub.callback": {sub.callback()}, "hub.secret": {"bí mật"}}); status != http.StatusAccepted {
		t.Fatalf("subscribe: %d %q", status, body)
	}
	h.Wait()
	// A first hub process pushes one change, then stops.
	e.save("a", e.item("https://a.example.vn/truoc", "Tin trước khi dừng", time.Minute, topicSlug))
	if n, err := h.Distribute(ctx); err != nil || n != 1 {
		t.Fatalf("first process: %d deliveries, %v; want 1", n, err)
	}
	h.Wait()

	restart := func() *Hub {
		h2 := NewHub(e.srv, e.db, nil)
		h2.Retries = h.Retries
		return h2
	}
	// Restarted with no change since: nothing to push.
	if n, err := restart().Distribute(ctx); err != nil || n != 0 {
		t.Errorf("restart without a change: %d deliveries, %v; want 0", n, err)
	}
	// A change while down: the restarted hub's first pass pushes it.
	e.save("b", e.item("https://b.example.vn/trong-luc-dung", "Tin trong lúc dừng", 30*time.Second, topicSlug))
	h3 := restart()
	if n, err := h3.Distribute(ctx); err != nil || n != 1 {
		t.Fatalf("restart after a change: %d deliveries, %v; want 1", n, err)
	}
	h3.Wait()
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if len(sub.pushes) != 2 || !strings.Contains(string(sub.pushes[1].body), "Tin trong lúc dừng") || !sub.pushes[1].sigOK {
		t.Errorf("pushes: %d, want 2 with the second (signed) carrying the change made while down", len(sub.pushes))
	}
}

// TestHubNeverPushesAnOlderVersionLast: a delivery being retried stops
// once a newer version of the feed has started its own, so the subscriber
// ends with the newest content.
func TestHubNeverPushesAnOlderVersionLast(t *testing.T) {
	e, h, cfg := newHubEnv(t)
	// A's retry waits long enough that version B has always started its
	// own delivery by then, even in a loaded -race run (300 ms was not:
	// A's retry then went out before B and the test failed).
	h.Retries = []time.Duration{2 * time.Second, 2 * time.Second}
	ctx := context.Background()
	sub := newTestSubscriber(t, "", false)
	topic := cfg.BaseURL + "/topics/" + topicSlug + ".json"
	if status, body := postForm(t, e.ts.URL+HubPath, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic},
		"hub.callback": {sub.callback()}}); status != http.StatusAccepted {
		t.Fatalf("subscribe: %d %q", status, body)
	}
	h.Wait()
	sub.mu.Lock()
	sub.failN = 1 // the first push (version A) fails and would be retried
	sub.mu.Unlock()
	e.save("a", e.item("https://a.example.vn/phien-ban-a", "Phiên bản A", time.Minute, topicSlug))
	if n, err := h.Distribute(ctx); err != nil || n != 1 {
		t.Fatalf("version A: %d deliveries, %v", n, err)
	}
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		sub.mu.Lock()
		a := sub.attempt
		sub.mu.Unlock()
		if a >= 1 || time.Now().After(deadline) {
			break
		}
	}
	e.save("b", e.item("https://b.example.vn/phien-ban-b", "Phiên bản B", 30*time.Second, topicSlug))
	if n, err := h.Distribute(ctx); err != nil || n != 1 {
		t.Fatalf("version B: %d deliveries, %v", n, err)
	}
	h.Wait()
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if len(sub.pushes) != 1 || !strings.Contains(string(sub.pushes[0].body), "Phiên bản B") || sub.attempt != 2 {
		t.Errorf("pushes %d (attempts %d); want only version B delivered, A's retry dropped", len(sub.pushes), sub.attempt)
	}
}

// TestHubFollowsTopicRename: WebSub subscriptions to a renamed topic's
// former URLs follow the rename as its curations do: the subscriber keeps
// receiving the topic (under its new URL, as the feed's self link says),
// a renewal or a new subscription under the old URL is taken (verified
// with the URL the subscriber asked for) and kept once, under the new
// URL, and an unsubscription under the old URL ends it.
func TestHubFollowsTopicRename(t *testing.T) {
	e, h, cfg := newHubEnv(t)
	ctx := context.Background()
	sub := newTestSubscriber(t, "", false)
	oldURL := cfg.BaseURL + "/topics/" + topicSlug + ".atom"
	newURL := cfg.BaseURL + "/topics/nha-dat.atom"
	hubURL := e.ts.URL + HubPath
	post := func(mode, topic string) {
		t.Helper()
		f := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.callback": {sub.callback()}}
		if status, body := postForm(t, hubURL, f); status != http.StatusAccepted {
			t.Fatalf("%s %s: status %d %q, want 202", mode, topic, status, body)
		}
		h.Wait()
	}
	stored := func() []string {
		t.Helper()
		subs, err := e.db.WebSubSubscriptions(ctx, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range subs {
			out = append(out, s.Topic)
		}
		return out
	}
	post("subscribe", oldURL)
	if _, err := h.Distribute(ctx); err != nil { // records the version sent
		t.Fatal(err)
	}

	// The rename: the topic's items follow (as a membership recompute
	// does), then something new arrives in it.
	rcfg := *cfg
	rcfg.Topics = slices.Clone(cfg.Topics)
	rcfg.Topics[0].Slug, rcfg.Topics[0].Aliases = "nha-dat", []string{topicSlug}
	e.srv.Reload(&rcfg)
	items, err := e.db.TopicItems(ctx, topicSlug, db.ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[int64][]string{}
	for _, it := range items {
		m[it.ID] = []string{"nha-dat"}
	}
	if err := e.db.SetItemTopics(ctx, m); err != nil {
		t.Fatal(err)
	}
	e.save("a", e.item("https://a.example.vn/sau-doi-ten", "Tin sau khi đổi tên", time.Minute, "nha-dat"))
	if n, err := h.Distribute(ctx); err != nil || n != 1 {
		t.Fatalf("after the rename: %d deliveries, %v; want 1", n, err)
	}
	h.Wait()
	feed := e.get("/topics/nha-dat.atom")
	sub.mu.Lock()
	if len(sub.pushes) != 1 {
		t.Fatalf("subscriber of the old URL got %d pushes, want 1", len(sub.pushes))
	}
	p := sub.pushes[0]
	sub.mu.Unlock()
	if string(p.body) != string(feed) || !strings.Contains(p.link, "<"+newURL+`>; rel="self"`) {
		t.Errorf("push after the rename: Link %q, body the renamed feed %v", p.link, string(p.body) == string(feed))
	}
	if got := stored(); !slices.Equal(got, []string{newURL}) {
		t.Errorf("stored subscriptions after the rename: %q, want %q", got, newURL)
	}

	// A renewal under the old URL: verified with that URL, kept once.
	post("subscribe", oldURL)
	sub.mu.Lock()
	last := sub.verify[len(sub.verify)-1]
	sub.mu.Unlock()
	if last.Get("hub.topic") != oldURL {
		t.Errorf("renewal verified with hub.topic %q, want the URL asked for, %q", last.Get("hub.topic"), oldURL)
	}
	if got := stored(); !slices.Equal(got, []string{newURL}) {
		t.Errorf("stored subscriptions after a renewal under the old URL: %q, want %q", got, newURL)
	}
	post("unsubscribe", oldURL)
	if got := stored(); len(got) != 0 {
		t.Errorf("stored subscriptions after unsubscribing the old URL: %q", got)
	}
}

// TestHubSlowOrFailingSubscribersHoldUpNoOther: subscribers on one host
// that hang or answer 500 (and so wait for their retries) never take every
// delivery slot: a change still reaches a healthy subscriber at once.
func TestHubSlowOrFailingSubscribersHoldUpNoOther(t *testing.T) {
	e, h, cfg := newHubEnv(t)
	h.Retries = []time.Duration{time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	var mu sync.Mutex
	posts := 0
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		posts++
		mu.Unlock()
		if r.URL.Query().Get("slow") == "1" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(func() {
		cancel()
		close(release)
		h.Wait()
		bad.Close()
	})
	topic := cfg.BaseURL + "/topics/" + topicSlug + ".atom"
	subscribe := func(callback string) {
		t.Helper()
		now := time.Now()
		if err := e.db.SaveWebSubSubscription(ctx, db.WebSubSubscription{Topic: topic, Callback: callback,
			LeaseEnd: now.Add(time.Hour), Created: now, SentETag: `"an older version"`}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 * maxDelivering {
		subscribe(fmt.Sprintf("%s/cb?n=%d&slow=%d", bad.URL, i, i%2))
	}
	if _, err := h.Distribute(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the first POSTs to the bad subscribers", 5*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return posts >= maxDeliveringPerHost
	})
	good := newTestSubscriber(t, "", false)
	subscribe(good.callback())
	e.save("a", e.item("https://a.example.vn/moi", "Tin mới", time.Minute, topicSlug))
	if _, err := h.Distribute(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the push to the healthy subscriber", 10*time.Second, func() bool {
		good.mu.Lock()
		defer good.mu.Unlock()
		return len(good.pushes) == 1
	})
}
