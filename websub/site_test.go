package websub

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/internal/fixture"
	"bantin/publisher"
)

// The site the hub and the announcer publish: a real SQLite database
// behind a publisher.Server behind an httptest server on 127.0.0.1.

const (
	testBase  = "http://news.example.org"
	topicSlug = "dat-dai"
)

type siteEnv struct {
	t    testing.TB
	db   *db.DB
	cfg  *config.Config
	srv  *publisher.Server
	ts   *httptest.Server
	now  time.Time // items are published relative to it
	path string    // the database
}

// dbPath is the database of e (a file, or a PostgreSQL URL).
func (e *siteEnv) dbPath() string { return e.path }

func testConfig() *config.Config {
	return &config.Config{
		BaseURL:  testBase,
		Defaults: config.Defaults{Settings: config.Settings{Interval: config.Duration(15 * time.Minute)}},
		Sources: []config.Source{
			{ID: "a", URL: "https://a.example.vn/rss"}, {ID: "b", URL: "https://b.example.vn/rss"},
			{ID: "c", URL: "https://c.example.vn/rss"}, {ID: "d", URL: "https://d.example.vn/rss"},
		},
		Topics: []config.Topic{
			{Slug: topicSlug, Title: "Đất đai", Limit: 50},
			{Slug: "khac", Title: "Khác", Limit: 2},
		},
	}
}

// newEnv is the site with the items of seed, serving its feeds.
func newEnv(t testing.TB) *siteEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bantin.db")
	if url := os.Getenv(config.EnvDatabase); url != "" { // TestOnPostgres
		path = url
	}
	d := fixture.DB(t, path)
	cfg := testConfig()
	var specs []db.SourceSpec
	for _, s := range cfg.Sources {
		specs = append(specs, db.SourceSpec{ID: s.ID, URL: s.URL, Title: "Báo " + strings.ToUpper(s.ID)})
	}
	if err := d.SyncSources(context.Background(), specs); err != nil {
		t.Fatal(err)
	}
	e := &siteEnv{t: t, db: d, cfg: cfg, now: time.Now().UTC().Truncate(time.Second), path: path}
	e.srv = publisher.New(cfg, d, nil)
	e.srv.SeqCheckInterval = 0
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)
	h := time.Hour
	e.save("a", e.item("https://a.example.vn/1", "Giá nhà tăng", 1*h, topicSlug))
	e.save("b", e.item("https://b.example.vn/2", "Thị trường bất động sản", 2*h, topicSlug))
	e.save("c", e.item("https://c.example.vn/3", "Chuyện khác", 3*h, "khac"))
	return e
}

// save stores items of one source (GUID: the link).
func (e *siteEnv) save(src string, items ...db.Item) {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.db.Source(ctx, src)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range items {
		items[i].SourceID, items[i].GUID = src, items[i].Link
		items[i].Updated, items[i].FirstSeen = items[i].Published, items[i].Published
	}
	if _, err := e.db.SaveFetch(ctx, s, items); err != nil {
		e.t.Fatal(err)
	}
}

// item is an item published age ago, tagged dat-dai, in topics.
func (e *siteEnv) item(link, title string, age time.Duration, topics ...string) db.Item {
	return db.Item{
		Link: link, Title: title, Summary: "<p>" + title + "</p>", Language: "vi",
		Published: e.now.Add(-age), Topics: topics,
		Tags: []db.Tag{{Slug: "dat-dai", Name: "Đất đai"}},
	}
}

// get returns the body of a 200 answer to GET path.
func (e *siteEnv) get(path string) []byte {
	e.t.Helper()
	resp, err := http.Get(e.ts.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return body
}
