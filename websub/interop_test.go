package websub_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"bantin/aggregator"
	"bantin/config"
	"bantin/db"
	"bantin/internal/fixture"
	"bantin/publisher"
	"bantin/websub"
)

// TestWebSubBantinToBantin subscribes one bantin's poller, through the
// rel="hub" link of a topic feed, to another bantin's built-in hub, and
// checks that a new item published upstream arrives by push, signed.
func TestWebSubBantinToBantin(t *testing.T) {
	ctx := context.Background()

	// Upstream bantin: one topic, built-in hub, base_url on loopback.
	upDB, err := db.Open(ctx, filepath.Join(t.TempDir(), "up.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer upDB.Close()
	if err := upDB.SyncSources(ctx, []db.SourceSpec{{ID: "goc", URL: "https://goc.example.vn/rss", Title: "Báo gốc"}}); err != nil {
		t.Fatal(err)
	}
	save := func(link, title string) {
		t.Helper()
		st, err := upDB.Source(ctx, "goc")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		it := db.Item{SourceID: "goc", GUID: link, Link: link, Title: title, Summary: "<p>" + title + "</p>",
			Published: now, Updated: now, FirstSeen: now, Topics: []string{"thoi-su"}, Hash: link}
		if _, err := upDB.SaveFetch(ctx, st, []db.Item{it}); err != nil {
			t.Fatal(err)
		}
	}
	save("https://goc.example.vn/1", "Tin thời sự đầu tiên")
	var upHandler http.Handler
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { upHandler.ServeHTTP(w, r) }))
	defer up.Close()
	upCfg := &config.Config{
		BaseURL: up.URL,
		WebSub:  config.WebSub{Builtin: true},
		Sources: []config.Source{{ID: "goc", URL: "https://goc.example.vn/rss"}},
		Topics:  []config.Topic{{Slug: "thoi-su", Title: "Thời sự", Limit: 50}},
	}
	pub := publisher.New(upCfg, upDB, nil)
	pub.SeqCheckInterval = 0
	hub := websub.NewHub(pub, upDB, nil)
	upMux := http.NewServeMux()
	upMux.Handle(websub.HubPath, hub)
	upMux.Handle("/", pub.Handler())
	upHandler = upMux

	// Downstream bantin: polls the upstream topic feed, subscribes.
	var downHandler http.Handler
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { downHandler.ServeHTTP(w, r) }))
	defer down.Close()
	yaml := "database: down.db\nbase_url: " + down.URL + "\ndefaults:\n  interval: 10m\n  min_interval: 1m\n  max_interval: 3h\n  timeout: 5s\n" +
		"sources:\n  - {id: tren, url: '" + up.URL + "/topics/thoi-su.atom'}\n"
	cfg, downDB := fixture.Store(t, yaml)
	p, err := aggregator.New(ctx, cfg, downDB, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub := websub.NewSubscriber(p, downDB, nil)
	p.WebSub = sub
	downMux := http.NewServeMux()
	downMux.Handle(websub.CallbackPath, sub)
	downHandler = downMux

	if _, err := p.PollOnce(ctx, true, nil); err != nil {
		t.Fatal(err)
	}
	st, err := downDB.Source(ctx, "tren")
	if err != nil {
		t.Fatal(err)
	}
	if st.HubURL != hub.URL() || st.HubTopic != up.URL+"/topics/thoi-su.atom" {
		t.Fatalf("polled source: hub %q topic %q; want %q and the feed URL", st.HubURL, st.HubTopic, hub.URL())
	}
	if _, err := hub.Distribute(ctx); err != nil { // primes the hub
		t.Fatal(err)
	}
	if err := sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	hub.Wait() // verification of intent
	subs, err := upDB.WebSubSubscriptions(ctx, "", time.Now())
	if err != nil || len(subs) != 1 || subs[0].Callback != down.URL+websub.CallbackPath+"tren" || len(subs[0].Secret) != 64 {
		t.Fatalf("hub subscriptions = %+v, %v; want one for the downstream callback with a secret", subs, err)
	}
	if !sub.Active("tren", time.Now()) {
		t.Fatal("downstream subscription not active after verification")
	}

	save("https://goc.example.vn/2", "Tin nóng được đẩy")
	if n, err := hub.Distribute(ctx); err != nil || n != 1 {
		t.Fatalf("distribute = %d, %v; want 1", n, err)
	}
	hub.Wait()
	items, err := downDB.ScanItems(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range items {
		found = found || it.Title == "Tin nóng được đẩy"
	}
	var m dto.Metric
	sub.Pushes().WithLabelValues(websub.PushAccepted).Write(&m)
	if !found || m.GetCounter().GetValue() != 1 {
		t.Errorf("pushed item stored %v, accepted pushes %v; want true, 1", found, m.GetCounter().GetValue())
	}
}
