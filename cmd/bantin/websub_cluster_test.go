package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bantin/db"
	"bantin/db/pgtest"
	"bantin/internal/testenv"
	"bantin/websub"
)

// TestWebSubOnceAcrossInstances: two `bantin run` daemons on one
// PostgreSQL database behind a load balancer that alternates between
// them: a source's hub gets one subscription request from the two, its
// verification and pushes are taken by whichever daemon they reach (each
// pushed item stored once), and a change is announced to websub.hubs
// once.
func TestWebSubOnceAcrossInstances(t *testing.T) {
	dsn := pgtest.URL(t)
	var (
		mu        sync.Mutex
		subscribe []url.Values
		published []string
		confirmed int
	)
	var lbURL string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f := r.PostForm
		switch f.Get("hub.mode") {
		case "publish":
			mu.Lock()
			published = append(published, f.Get("hub.url"))
			mu.Unlock()
		case "subscribe":
			mu.Lock()
			subscribe = append(subscribe, f)
			mu.Unlock()
			q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {f.Get("hub.topic")}, "hub.challenge": {"thử-thách"}, "hub.lease_seconds": {"3600"}}
			resp, err := http.Get(f.Get("hub.callback") + "?" + q.Encode())
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 && string(b) == "thử-thách" {
					mu.Lock()
					confirmed++
					mu.Unlock()
				}
			}
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hub.Close()
	feed := func(titles ...string) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Nguồn</title><id>urn:x</id><updated>2026-11-02T10:00:00Z</updated>`)
		b.WriteString(`<link rel="hub" href="` + hub.URL + `/"/><link rel="self" href="` + lbURL + `/up/feed.xml"/>`)
		for i, title := range titles {
			b.WriteString(`<entry><title>` + title + `</title><id>urn:x:` + hex.EncodeToString([]byte(title)) + `</id><link href="https://x.example/` +
				string(rune('a'+i)) + `"/><updated>2026-11-02T10:00:00Z</updated></entry>`)
		}
		return b.String() + "</feed>"
	}
	var backends [2]atomic.Pointer[string]
	var next atomic.Int64
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/up/feed.xml" { // the upstream feed
			w.Header().Set("Content-Type", "application/atom+xml")
			io.WriteString(w, feed("Tin gốc"))
			return
		}
		k := next.Add(1)
		base := backends[k%2].Load()
		if base == nil { // the other one is still starting
			base = backends[(k+1)%2].Load()
		}
		if base == nil {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		req, _ := http.NewRequest(r.Method, *base+r.URL.RequestURI(), r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	defer lb.Close()
	lbURL = lb.URL

	yaml := "database: ignored.db\nbase_url: " + lb.URL + "\nwebsub:\n  hubs: ['" + hub.URL + "/']\n" +
		"defaults:\n  interval: 10m\n  min_interval: 1m\n  max_interval: 2h\n  timeout: 5s\n" +
		"sources:\n  - {id: s, url: '" + lb.URL + "/up/feed.xml', tags: [tin]}\n"
	cfgPath := filepath.Join(t.TempDir(), "bantin.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(db.EnvDatabase, dsn)
	var in [2]*runningDaemon
	// A daemon's first subscription round may run before the test's: the
	// load balancer sends to whichever daemon is up.
	for i := range in {
		in[i] = runDaemon(t, mustLoad(t, cfgPath), DaemonOptions{Polling: true})
		backends[i].Store(&in[i].base)
	}
	ctx := context.Background()
	store := in[0].store
	testenv.WaitFor(t, "the poll that learns the hub", 20*time.Second, func() bool {
		st, err := store.Source(ctx, "s")
		return err == nil && st.HubURL != ""
	})
	both := func(f func(r *runningDaemon)) {
		var wg sync.WaitGroup
		for _, r := range in {
			wg.Add(1)
			go func() { defer wg.Done(); f(r) }()
		}
		wg.Wait()
	}
	syncBoth := func() {
		both(func(r *runningDaemon) {
			if err := r.sub.Sync(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	syncBoth()
	// A daemon's own first round (at its start, once the other's poll
	// had learnt the hub) may still be sending the request that the
	// test's rounds found claimed: its verification is awaited.
	testenv.WaitFor(t, "the hub's verification", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return confirmed > 0
	})
	syncBoth() // each takes over what the other verified
	mu.Lock()
	n, ok := len(subscribe), confirmed
	var secret string
	if n > 0 {
		secret = subscribe[0].Get("hub.secret")
	}
	mu.Unlock()
	if n != 1 || ok != 1 {
		t.Fatalf("the hub got %d subscription requests from two daemons (%d confirmed), want 1", n, ok)
	}
	for i, r := range in {
		if !r.sub.Active("s", time.Now()) {
			t.Errorf("daemon %d: subscription not active", i)
		}
	}
	both(func(r *runningDaemon) { // what the hub was last told: recorded
		if _, err := r.announcer.Notify(ctx); err != nil {
			t.Error(err)
		}
	})

	// Pushes through the load balancer reach both daemons.
	titles := []string{"Tin gốc", "Tin đẩy một", "Tin đẩy hai"}
	for i := range 2 {
		body := feed(titles[:i+2]...)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(body))
		req, _ := http.NewRequest(http.MethodPost, lb.URL+websub.CallbackPath+"s", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/atom+xml")
		req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("push %d: status %d, want 204", i+1, resp.StatusCode)
		}
	}
	items, err := store.ScanItems(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, it := range items {
		count[it.Title]++
	}
	for _, title := range titles {
		if count[title] != 1 {
			t.Errorf("%q stored %d times, want once", title, count[title])
		}
	}
	var accepted float64
	for _, r := range in {
		accepted += metric(t, r.base, `bantin_websub_pushes_total{result="accepted"}`)
	}
	if accepted != 2 {
		t.Errorf("accepted pushes on the two daemons: %v, want 2", accepted)
	}

	// The change is announced once, whichever daemon notices it.
	both(func(r *runningDaemon) {
		if _, err := r.announcer.Notify(ctx); err != nil {
			t.Error(err)
		}
	})
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]int{}
	for _, u := range published {
		seen[u]++
	}
	for _, format := range []string{"rss", "atom", "json"} {
		if u := lb.URL + "/tags/tin." + format; seen[u] != 1 {
			t.Errorf("%s announced %d times by two daemons, want once (all: %q)", u, seen[u], published)
		}
	}
}
