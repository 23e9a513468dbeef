package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/aggregator"
	"bantin/aggregator/classifier"
	"bantin/config"
	"bantin/db"
	"bantin/publisher"
)

const (
	testEditor   = "Minh"
	testPassword = "đúng-mật-khẩu"
)

var (
	testHashOnce sync.Once
	testHash     string
)

// testConfigYAML: three sources, two topics, one editor ({{HASH}}).
const testConfigYAML = `
base_url: http://desk.example.vn
database: bantin.db
defaults:
  timezone: Asia/Ho_Chi_Minh
site:
  title: "Bàn tin <Thử>"
  description: "Tin tổng hợp & thử nghiệm"
sources:
  - id: vne
    url: https://vne.example.vn/rss
    title: "VnE"
  - id: tn
    url: https://tn.example.vn/rss
    title: "Thanh Niên"
  - id: world
    url: https://world.example.com/atom
    language: en
topics:
  - slug: ha-noi
    title: "Hà Nội"
    match:
      keywords: ["ha noi"]
  - slug: kinh-te
    title: "Kinh tế"
    match:
      any:
        - keywords: ["giá vàng", "tỷ giá", "vn-index"]
        - all:
            - keywords: ["thị trường"]
            - keywords: ["chứng khoán"]
`

type env struct {
	t     *testing.T
	cfg   *config.Config
	store *db.DB
	web   *Web
	ts    *httptest.Server
	now   time.Time
	ids   map[string]int64 // by title
}

// newEnv stores items (title, summary, source) and serves the publisher
// and the web pages on loopback. editors: whether an editor is configured.
func newEnv(t *testing.T, editors bool, items ...db.Item) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	yaml := testConfigYAML
	if editors {
		testHashOnce.Do(func() {
			h, err := HashPassword(testPassword)
			if err != nil {
				panic(err)
			}
			testHash = h
		})
		yaml += fmt.Sprintf("editors:\n  - name: %s\n    password: %q\n", testEditor, testHash)
	}
	cfg, err := config.Parse([]byte(yaml), filepath.Join(dir, "bantin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var specs []db.SourceSpec
	for _, s := range cfg.Sources {
		specs = append(specs, db.SourceSpec{ID: s.ID, URL: s.URL, Title: s.Title})
	}
	if err := store.SyncSources(ctx, specs); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, cfg: cfg, store: store, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), ids: map[string]int64{}}
	cl, err := classifier.Compile(cfg.Topics)
	if err != nil {
		t.Fatal(err)
	}
	for i := range items {
		it := items[i]
		if it.SourceID == "" {
			it.SourceID = "vne"
		}
		if it.GUID == "" {
			it.GUID = fmt.Sprintf("g%d", i)
		}
		if it.Link == "" {
			it.Link = fmt.Sprintf("https://%s.example.vn/bai-%d.html", it.SourceID, i)
		}
		if it.Published.IsZero() {
			it.Published = e.now.Add(-time.Duration(i+1) * time.Hour)
		}
		aggregator.Reclassify(cfg, cl, &it, e.now)
		src, err := store.Source(ctx, it.SourceID)
		if err != nil {
			t.Fatal(err)
		}
		res, err := store.SaveFetch(ctx, src, []db.Item{it})
		if err != nil {
			t.Fatal(err)
		}
		e.ids[it.Title] = res.IDs[0]
	}
	if _, err := store.IndexSearch(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := store.SetTopicsHash(ctx, aggregator.MembershipHash(cfg)); err != nil {
		t.Fatal(err)
	}
	pub := publisher.New(cfg, store, nil)
	pub.SeqCheckInterval = 0
	if e.web, err = New(cfg, store, nil); err != nil {
		t.Fatal(err)
	}
	e.web.now = func() time.Time { return e.now }
	pub.Register(e.web.Register) // one route table, as the daemon's
	e.ts = httptest.NewServer(pub.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(c *http.Client, method, path string, form url.Values) response {
	e.t.Helper()
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn returns a client with a session and the session's CSRF token.
func (e *env) signIn() (*http.Client, string) {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	r := e.do(c, "GET", "/desk/login", nil)
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		e.t.Fatalf("no csrf on the sign-in page (%d):\n%s", r.status, r.body)
	}
	r = e.do(c, "POST", "/desk/login", url.Values{"name": {testEditor}, "password": {testPassword}, "csrf": {m[1]}})
	if r.status != 200 || !strings.Contains(r.body, testEditor) {
		e.t.Fatalf("sign-in: %d\n%s", r.status, r.body)
	}
	m = csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		e.t.Fatal("no csrf on the desk")
	}
	return c, m[1]
}
