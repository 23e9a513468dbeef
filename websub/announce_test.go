package websub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/internal/testenv"
	"bantin/publisher"
)

func TestNotifyHubs(t *testing.T) {
	var mu sync.Mutex
	var got []string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != "POST" || r.Form.Get("hub.mode") != "publish" {
			http.Error(w, "bad", 400)
			return
		}
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
	a := NewAnnouncer(e.srv, e.db, nil)
	ctx := context.Background()

	steps := []struct {
		name   string
		change func()
		want   []string
	}{
		{"first call records only", func() {}, nil},
		{"no change", func() {}, nil},
		{"new item in topic and tag", func() {
			e.save("a", e.item("https://a.example.vn/moi", "Tin mới", time.Minute, topicSlug))
		}, []string{
			testBase + "/tags/dat-dai.atom", testBase + "/tags/dat-dai.json", testBase + "/tags/dat-dai.rss",
			testBase + "/topics/dat-dai.atom", testBase + "/topics/dat-dai.json", testBase + "/topics/dat-dai.rss",
		}},
		{"change outside published first pages", func() {
			it := e.item("https://d.example.vn/cu", "Tin ngoài chủ đề, không thẻ", time.Hour)
			it.Tags = nil
			e.save("d", it)
		}, nil},
	}
	for _, st := range steps {
		mu.Lock()
		got = nil
		mu.Unlock()
		st.change()
		n, err := a.Notify(ctx)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		mu.Lock()
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") || n != len(st.want) {
			t.Errorf("%s: announced (%d)\n%s\nwant\n%s", st.name, n, strings.Join(got, "\n"), strings.Join(st.want, "\n"))
		}
		mu.Unlock()
	}

	// Feeds carry the hub link.
	if r := e.get("/topics/" + topicSlug + ".atom"); !strings.Contains(string(r), `<link href="`+hub.URL+`/" rel="hub">`) {
		t.Error("atom feed lacks rel=hub link")
	}
}

// TestNotifyHubsRetriesAndSurvivesRestart: announcements a hub refused are
// retried after a pause until it accepts them, and what each hub was told
// is kept in the database, so a change made while bantin was down is
// announced by a new process, once.
func TestNotifyHubsRetriesAndSurvivesRestart(t *testing.T) {
	var mu sync.Mutex
	down := false
	var got []string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		r.ParseForm()
		got = append(got, r.Form.Get("hub.url"))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	e := newEnv(t)
	cfg := testConfig()
	cfg.WebSub.Hubs = []string{hub.URL + "/"}
	e.srv.Reload(cfg)
	clk := testenv.NewClock(time.Now())
	a := NewAnnouncer(e.srv, e.db, nil)
	a.Now = clk.Now
	ctx := context.Background()
	announced := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := len(got)
		got = nil
		return n
	}
	if n, err := a.Notify(ctx); err != nil || n != 0 {
		t.Fatalf("first call: %d, %v; want it to record only", n, err)
	}

	mu.Lock()
	down = true
	mu.Unlock()
	e.save("a", e.item("https://a.example.vn/1-moi", "Tin mới khi hub tạm dừng", time.Minute, topicSlug))
	if n, err := a.Notify(ctx); err == nil || n != 0 {
		t.Errorf("hub down: %d announced, err %v; want 0 and an error", n, err)
	}
	if n, err := a.Notify(ctx); err != nil || n != 0 {
		t.Errorf("before the retry pause: %d, %v; want nothing", n, err)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	clk.Add(time.Minute)
	if n, err := a.Notify(ctx); err != nil || n != 6 || announced() != 6 {
		t.Errorf("retry after the pause: %d, %v; want the topic and tag feeds in 3 formats (6)", n, err)
	}

	// A new process with nothing changed announces nothing; a change made
	// while no process ran is announced by the next one.
	restarted := NewAnnouncer(publisher.New(cfg, e.db, nil), e.db, nil)
	restarted.Now = clk.Now
	if n, err := restarted.Notify(ctx); err != nil || n != 0 {
		t.Errorf("restart without a change: %d, %v; want 0", n, err)
	}
	e.save("b", e.item("https://b.example.vn/2-moi", "Tin mới khi bantin dừng", 30*time.Second, topicSlug))
	again := NewAnnouncer(publisher.New(cfg, e.db, nil), e.db, nil)
	again.Now = clk.Now
	if n, err := again.Notify(ctx); err != nil || n != 6 || announced() != 6 {
		t.Errorf("restart after a change: %d, %v; want 6", n, err)
	}
}

// TestNotifyHubsReadsLegacyRecords: what a SQLite desk recorded under the
// former NUL-separated keys still counts: the next change is announced,
// not merely recorded.
func TestNotifyHubsReadsLegacyRecords(t *testing.T) {
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
	if e.db.Postgres() {
		t.Skip("legacy keys exist on SQLite only")
	}
	cfg := testConfig()
	cfg.WebSub.Hubs = []string{hub.URL + "/"}
	e.srv.Reload(cfg)
	ctx := context.Background()
	_, h, err := e.srv.FirstPage(ctx, "topic/"+topicSlug, "atom")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetFeedVersion(ctx, legacyAnnounceKey(hub.URL+"/", "topic/"+topicSlug), h.Get("ETag"), time.Now()); err != nil {
		t.Fatal(err)
	}
	e.save("a", e.item("https://a.example.vn/sau-nang-cap", "Tin sau khi nâng cấp", time.Minute, topicSlug))
	if _, err := NewAnnouncer(e.srv, e.db, nil).Notify(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	sort.Strings(got)
	want := []string{testBase + "/topics/dat-dai.atom", testBase + "/topics/dat-dai.json", testBase + "/topics/dat-dai.rss"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("announced %q, want the topic's three feeds (its record was under the legacy key)", got)
	}
}
