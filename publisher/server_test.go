package publisher

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/internal/fixture"
	"bantin/internal/testenv"
	"bantin/publisher/render"
)

const topicSlug = "dat-dai"

// testEnv is a real SQLite database behind a Server behind an httptest
// server on 127.0.0.1.
type testEnv struct {
	t   testing.TB
	db  *db.DB
	cfg *config.Config
	srv *Server
	ts  *httptest.Server
	now time.Time
	dir string // holds bantin.db
}

// dbPath is the database file of e.
func (e *testEnv) dbPath() string { return filepath.Join(e.dir, "bantin.db") }

func testConfig() *config.Config {
	return &config.Config{
		BaseURL:  testBase,
		Defaults: config.Defaults{Settings: config.Settings{Interval: config.Duration(15 * time.Minute)}},
		Sources: []config.Source{
			{ID: "a", URL: "https://a.example.vn/rss", Settings: config.Settings{Interval: config.Duration(10 * time.Minute)}},
			{ID: "b", URL: "https://b.example.vn/rss", Settings: config.Settings{Interval: config.Duration(30 * time.Minute)}},
			{ID: "c", URL: "https://c.example.vn/rss", Settings: config.Settings{Interval: config.Duration(20 * time.Minute)}},
			{ID: "d", URL: "https://d.example.vn/rss", Settings: config.Settings{Interval: config.Duration(45 * time.Minute)}},
		},
		Topics: []config.Topic{
			{Slug: topicSlug, Title: "Đất đai <b>&amp;</b> \"nhà ở\"", Description: "Luật Đất đai & thị trường", Limit: 50},
			{Slug: "khac", Title: "Khác", Limit: 2},
		},
	}
}

func newEnv(t testing.TB) *testEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	d := fixture.DB(t, filepath.Join(dir, "bantin.db"))
	cfg := testConfig()
	var specs []db.SourceSpec
	for _, s := range cfg.Sources {
		specs = append(specs, db.SourceSpec{ID: s.ID, URL: s.URL, Title: "Báo " + strings.ToUpper(s.ID)})
	}
	if err := d.SyncSources(ctx, specs); err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, db: d, cfg: cfg, now: time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC), dir: dir}
	e.srv = New(cfg, d, nil)
	e.srv.SeqCheckInterval = 0
	e.srv.now = func() time.Time { return e.now }
	// The reference net/http server of the differential tests is the
	// daemon's (NewHTTPServer: its limits, e.g. MaxHeaderBytes).
	e.ts = httptest.NewUnstartedServer(nil)
	e.ts.Config = NewHTTPServer(e.srv.Handler(), nil)
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	return e
}

// save stores items of one source (GUID defaults to the link).
func (e *testEnv) save(src string, items ...db.Item) []int64 {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.db.Source(ctx, src)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range items {
		items[i].SourceID = src
		if items[i].GUID == "" {
			items[i].GUID = items[i].Link
		}
		if items[i].Updated.IsZero() {
			items[i].Updated = items[i].Published
		}
		if items[i].FirstSeen.IsZero() {
			items[i].FirstSeen = items[i].Published
		}
	}
	res, err := e.db.SaveFetch(ctx, s, items)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.IDs
}

func (e *testEnv) item(link, title string, age time.Duration, topics ...string) db.Item {
	return db.Item{
		Link: link, Title: title, Summary: "<p>" + title + "</p>", Language: "vi",
		Published: e.now.Add(-age), Topics: topics,
		Tags: []db.Tag{{Slug: "dat-dai", Name: "Đất đai"}},
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request without transparent decompression.
func (e *testEnv) do(method, path string, header map[string]string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

func (e *testEnv) get(path string) response {
	e.t.Helper()
	r := e.do("GET", path, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET %s: status %d, want 200: %s", path, r.status, r.body)
	}
	return r
}

func (e *testEnv) seed() {
	h := time.Hour
	e.save("a", e.item("https://a.example.vn/1", "Giá nhà tăng", 1*h, topicSlug))
	e.save("b", e.item("https://b.example.vn/2", "Thị trường bất động sản", 2*h, topicSlug))
	e.save("c", e.item("https://c.example.vn/3", "Chuyện khác", 3*h, "khac"))
}

func TestHandlerRoutes(t *testing.T) {
	e := newEnv(t)
	e.seed()
	cases := []struct {
		name, path string
		status     int
		ctype      string
		contains   string
	}{
		{"topic rss", "/topics/" + topicSlug + ".rss", 200, "application/rss+xml; charset=utf-8", "Giá nhà tăng"},
		{"topic atom", "/topics/" + topicSlug + ".atom", 200, "application/atom+xml; charset=utf-8", "Giá nhà tăng"},
		{"topic json", "/topics/" + topicSlug + ".json", 200, "application/feed+json; charset=utf-8", "Giá nhà tăng"},
		{"tag rss", "/tags/dat-dai.rss", 200, "application/rss+xml; charset=utf-8", "Chuyện khác"},
		{"tag atom", "/tags/dat-dai.atom", 200, "application/atom+xml; charset=utf-8", "Chuyện khác"},
		{"tag json", "/tags/dat-dai.json", 200, "application/feed+json; charset=utf-8", "Chuyện khác"},
		{"index", "/", 200, "text/html; charset=utf-8", "/topics/" + topicSlug + ".atom"},
		{"opml", "/opml.xml", 200, "text/x-opml; charset=utf-8", `xmlUrl="` + testBase + `/topics/khac.rss"`},
		{"opml tags", "/opml.xml?tags=1", 200, "text/x-opml; charset=utf-8", `xmlUrl="` + testBase + `/tags/dat-dai.rss"`},
		{"healthz", "/healthz", 200, "text/plain; charset=utf-8", "ok"},
		{"unknown topic", "/topics/nope.rss", 404, "text/plain; charset=utf-8", "No topic or tag named"},
		{"unknown tag", "/tags/nope.atom", 404, "text/plain; charset=utf-8", "No topic or tag named"},
		{"tag without items", "/tags/khac.json", 404, "text/plain; charset=utf-8", "No topic or tag named"},
		{"unknown format", "/topics/" + topicSlug + ".html", 404, "text/plain; charset=utf-8", "format"},
		{"topic page", "/topics/" + topicSlug, 200, "text/html; charset=utf-8", "Giá nhà tăng"},
		{"tag page", "/tags/dat-dai", 200, "text/html; charset=utf-8", "Chuyện khác"},
		{"unknown topic page", "/topics/nope", 404, "text/plain; charset=utf-8", "no topic or tag named"},
		{"empty feed file", "/topics/.rss", 404, "text/plain; charset=utf-8", "is not a feed"},
		{"bad cursor", "/topics/" + topicSlug + ".rss?before=yesterday", 400, "text/plain; charset=utf-8", "before="},
		{"unknown page", "/nope", 404, "text/plain; charset=utf-8", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("GET", c.path, nil)
			if r.status != c.status {
				t.Fatalf("status = %d, want %d: %s", r.status, c.status, r.body)
			}
			if got := r.header.Get("Content-Type"); got != c.ctype {
				t.Errorf("Content-Type = %q, want %q", got, c.ctype)
			}
			if !bytes.Contains(r.body, []byte(c.contains)) {
				t.Errorf("body lacks %q:\n%s", c.contains, r.body)
			}
		})
	}
	if got := e.do("POST", "/topics/"+topicSlug+".rss", nil).status; got != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d, want 405", got)
	}
}

func TestHandlerCaching(t *testing.T) {
	e := newEnv(t)
	e.seed()
	path := "/topics/" + topicSlug + ".atom"
	first := e.get(path)
	etag, lastMod := first.header.Get("ETag"), first.header.Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 18 {
		t.Fatalf("ETag = %q, want a quoted strong tag", etag)
	}
	if _, err := http.ParseTime(lastMod); err != nil {
		t.Fatalf("Last-Modified = %q: %v", lastMod, err)
	}
	if got := first.header.Get("Vary"); got != "Accept-Encoding" {
		t.Errorf("Vary = %q, want Accept-Encoding", got)
	}
	if got, want := first.header.Get("Cache-Control"), "public, max-age=600"; got != want {
		t.Errorf("Cache-Control = %q, want %q (shortest interval of a and b)", got, want)
	}
	lm, _ := http.ParseTime(lastMod)
	cases := []struct {
		name   string
		method string
		header map[string]string
		status int
		body   bool
	}{
		{"if-none-match", "GET", map[string]string{"If-None-Match": etag}, 304, false},
		{"if-none-match list with weak", "GET", map[string]string{"If-None-Match": `"other", W/` + etag}, 304, false},
		{"if-none-match star", "GET", map[string]string{"If-None-Match": "*"}, 304, false},
		{"if-none-match other", "GET", map[string]string{"If-None-Match": `"other"`}, 200, true},
		{"if-none-match wins over ims", "GET", map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": lastMod}, 200, true},
		{"if-modified-since equal", "GET", map[string]string{"If-Modified-Since": lastMod}, 304, false},
		{"if-modified-since later", "GET", map[string]string{"If-Modified-Since": lm.Add(time.Hour).Format(http.TimeFormat)}, 304, false},
		{"if-modified-since earlier", "GET", map[string]string{"If-Modified-Since": lm.Add(-time.Second).Format(http.TimeFormat)}, 200, true},
		{"head", "HEAD", nil, 200, false},
		{"head conditional", "HEAD", map[string]string{"If-None-Match": etag}, 304, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.method, path, c.header)
			if r.status != c.status {
				t.Fatalf("status = %d, want %d", r.status, c.status)
			}
			if got := len(r.body) > 0; got != c.body {
				t.Errorf("has body = %v, want %v", got, c.body)
			}
			if r.header.Get("ETag") != etag {
				t.Errorf("ETag = %q, want %q", r.header.Get("ETag"), etag)
			}
			if c.method == "HEAD" && c.status == 200 {
				if got, want := r.header.Get("Content-Length"), fmt.Sprint(len(first.body)); got != want {
					t.Errorf("HEAD Content-Length = %s, want %s", got, want)
				}
			}
		})
	}

	t.Run("gzip", func(t *testing.T) {
		r := e.do("GET", path, map[string]string{"Accept-Encoding": "br;q=1, gzip;q=0.8"})
		if r.header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding = %q, want gzip", r.header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plain, first.body) {
			t.Error("gunzipped body differs from the identity body")
		}
		gzTag := r.header.Get("ETag")
		if gzTag == etag {
			t.Errorf("gzip ETag = identity ETag %q, want a distinct strong tag", gzTag)
		}
		if got := e.do("GET", path, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gzTag}).status; got != 304 {
			t.Errorf("If-None-Match gzip tag: status %d, want 304", got)
		}
		if got := e.do("GET", path, map[string]string{"Accept-Encoding": "gzip;q=0, *"}).header.Get("Content-Encoding"); got != "" {
			t.Errorf("gzip;q=0: Content-Encoding = %q, want none", got)
		}
	})

	t.Run("served bytes are stable until a change", func(t *testing.T) {
		again := e.get(path)
		if again.header.Get("ETag") != etag || !bytes.Equal(again.body, first.body) {
			t.Fatal("second GET differs without a database change")
		}
		e.now = e.now.Add(time.Hour) // unchanged content keeps Last-Modified across re-renders
		e.save("d", e.item("https://d.example.vn/9", "Ngoài chủ đề", time.Hour, "khac"))
		if r := e.get(path); r.header.Get("Last-Modified") != lastMod || r.header.Get("ETag") != etag {
			t.Errorf("after an unrelated change: ETag %s Last-Modified %s, want %s %s",
				r.header.Get("ETag"), r.header.Get("Last-Modified"), etag, lastMod)
		}
	})

	t.Run("a change invalidates", func(t *testing.T) {
		e.save("a", e.item("https://a.example.vn/new", "Tin mới về đất đai", 10*time.Minute, topicSlug))
		r := e.get(path)
		if r.header.Get("ETag") == etag {
			t.Fatal("ETag unchanged after a new item")
		}
		if !bytes.Contains(r.body, []byte("Tin mới về đất đai")) {
			t.Error("new item missing after change")
		}
		if got := e.do("GET", path, map[string]string{"If-Modified-Since": lastMod}).status; got != 200 {
			t.Errorf("If-Modified-Since old Last-Modified after change: %d, want 200", got)
		}
	})

	t.Run("reload invalidates", func(t *testing.T) {
		cfg := testConfig()
		cfg.Topics[0].Title = "Đất đai (mới)"
		e.srv.Reload(cfg)
		if r := e.get(path); !bytes.Contains(r.body, []byte("<title>Đất đai (mới)</title>")) {
			t.Errorf("title after Reload not updated:\n%s", r.body)
		}
		if got := e.do("GET", "/topics/khac.rss", nil).status; got != 200 {
			t.Errorf("khac after reload: %d", got)
		}
		cfg = testConfig()
		cfg.Topics = cfg.Topics[:1]
		e.srv.Reload(cfg)
		if got := e.do("GET", "/topics/khac.rss", nil).status; got != 404 {
			t.Errorf("removed topic after reload: %d, want 404", got)
		}
	})
}

// jsonPage is what the paging test reads from a JSON Feed page.
type jsonPage struct {
	NextURL string `json:"next_url"`
	FeedURL string `json:"feed_url"`
	Items   []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"items"`
}

// pages follows the next links of a JSON Feed from path to the last page
// (at most most pages).
func (e *testEnv) pages(path string, most int) []jsonPage {
	e.t.Helper()
	var out []jsonPage
	for path != "" {
		if len(out) == most {
			e.t.Fatal("paging does not end")
		}
		var p jsonPage
		if err := json.Unmarshal(e.get(path).body, &p); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, p)
		path = strings.TrimPrefix(p.NextURL, testBase)
	}
	return out
}

func TestHandlerPaging(t *testing.T) {
	e := newEnv(t)
	var all []string
	for i := range 5 {
		title := fmt.Sprintf("Tin số %d", i)
		e.save("c", e.item(fmt.Sprintf("https://c.example.vn/p%d", i), title, time.Duration(i+1)*time.Hour, "khac"))
		all = append(all, title)
	}
	var got []string
	for pages, p := range e.pages("/topics/khac.json", 6) {
		if len(p.Items) > 2 {
			t.Fatalf("page %d has %d items, limit 2", pages, len(p.Items))
		}
		if p.FeedURL != testBase+"/topics/khac.json" {
			t.Errorf("page %d: feed_url %q, want the feed's own URL on every page", pages, p.FeedURL)
		}
		for _, it := range p.Items {
			got = append(got, it.Title)
		}
	}
	if strings.Join(got, "|") != strings.Join(all, "|") {
		t.Errorf("paged titles = %q, want %q", got, all)
	}

	atom := string(e.get("/topics/khac.atom").body)
	rss := string(e.get("/topics/khac.rss").body)
	for name, body := range map[string]string{"atom": atom, "rss": rss} {
		if !strings.Contains(body, `rel="next"`) || !strings.Contains(body, "khac."+name+"?before=") {
			t.Errorf("%s first page lacks rel=next to khac.%s?before=...:\n%s", name, name, body)
		}
	}
}

// TestPagingWithMaxPerSource: max_per_source keeps the first page varied
// but leaves no item of the topic out of every page: the first page's
// next link starts at the newest item the cap left out, and the older
// pages (the archive) are not capped. (Before, the next link started
// after the first page's last entry, and 9 of these 11 items were on no
// page.)
func TestPagingWithMaxPerSource(t *testing.T) {
	e := newEnv(t)
	cfg := testConfig()
	cfg.Topics[1].Limit, cfg.Topics[1].MaxPerSource = 3, 1
	e.srv.Reload(cfg)
	want := map[string]bool{}
	for i := range 9 {
		title := fmt.Sprintf("Tin A %d", i)
		e.save("a", e.item(fmt.Sprintf("https://a.example.vn/p%d", i), title, time.Duration(i+1)*time.Hour, "khac"))
		want[title] = true
	}
	for i := range 2 {
		title := fmt.Sprintf("Tin B %d", i)
		e.save("b", e.item(fmt.Sprintf("https://b.example.vn/p%d", i), title, time.Duration(2*i+2)*time.Hour+30*time.Minute, "khac"))
		want[title] = true
	}
	seen := map[string]bool{}
	for pages, p := range e.pages("/topics/khac.json", 11) {
		if pages == 0 {
			perSource := map[string]int{}
			for _, it := range p.Items {
				perSource[it.Title[:5]]++
			}
			if perSource["Tin A"] != 1 || perSource["Tin B"] != 1 {
				t.Errorf("first page %v: want one item of each source (max_per_source 1)", p.Items)
			}
		}
		for _, it := range p.Items {
			seen[it.Title] = true
		}
	}
	for title := range want {
		if !seen[title] {
			t.Errorf("%q is on no page", title)
		}
	}
}

func TestHandlerComposition(t *testing.T) {
	e := newEnv(t)
	h := time.Hour
	ctx := context.Background()
	// One story from three sources: tracking parameters, host case, near title.
	e.save("b", e.item("https://vnexpress.net/luat-dat-dai.html?utm_source=facebook&fbclid=X", "Quốc hội thông qua Luật Đất đai sửa đổi", 2*h, topicSlug))
	e.save("c", e.item("https://VNExpress.NET/luat-dat-dai.html#comments", "Luật Đất đai được thông qua", 1*h, topicSlug))
	e.save("a", e.item("https://thanhnien.vn/quoc-hoi-dat-dai.htm", "Quốc hội chính thức thông qua luật đất đai sửa đổi", 3*h, topicSlug))
	other := e.save("d", e.item("https://d.example.vn/gia-dat", "Giá đất Hà Nội", 30*time.Minute, topicSlug))
	pinned := e.save("d", e.item("https://d.example.vn/cu", "Bài cũ được ghim", 500*h, topicSlug))
	hidden := e.save("d", e.item("https://d.example.vn/an", "Bài bị ẩn", 4*h, topicSlug))
	e.save("d", e.item("https://d.example.vn/an-yaml", "Bài ẩn trong YAML", 5*h, topicSlug))
	if err := e.db.SetCuration(ctx, topicSlug, pinned[0], db.Pin, true); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetCuration(ctx, topicSlug, hidden[0], db.Hide, true); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Topics[0].Hide = []string{"https://D.example.vn/an-yaml?utm_campaign=x"}
	e.srv.Reload(cfg)
	_ = other

	var feed struct {
		Items []struct {
			Title       string `json:"title"`
			ContentHTML string `json:"content_html"`
			Bantin      struct {
				SourceID       string `json:"source_id"`
				Pinned         bool   `json:"pinned"`
				AlsoReportedBy []struct {
					Source string `json:"source"`
					URL    string `json:"url"`
				} `json:"also_reported_by"`
			} `json:"_bantin"`
		} `json:"items"`
	}
	if err := json.Unmarshal(e.get("/topics/"+topicSlug+".json").body, &feed); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range feed.Items {
		titles = append(titles, it.Title)
	}
	want := []string{"Bài cũ được ghim", "Giá đất Hà Nội", "Quốc hội chính thức thông qua luật đất đai sửa đổi"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Fatalf("titles = %q, want %q", titles, want)
	}
	if !feed.Items[0].Bantin.Pinned {
		t.Error("first item not marked pinned")
	}
	story := feed.Items[2]
	if story.Bantin.SourceID != "a" {
		t.Errorf("kept report from %q, want the earliest (a)", story.Bantin.SourceID)
	}
	var names []string
	for _, r := range story.Bantin.AlsoReportedBy {
		names = append(names, r.Source)
	}
	if got, want := strings.Join(names, ", "), "Báo B, Báo C"; got != want {
		t.Errorf("also_reported_by = %q, want %q", got, want)
	}
	if !strings.Contains(story.ContentHTML, "<p>Also reported by: Báo B, Báo C</p>") {
		t.Errorf("content lacks the also-reported line: %s", story.ContentHTML)
	}

	atom := e.get("/topics/" + topicSlug + ".atom").body
	var af struct {
		Entries []struct {
			Links []struct {
				Rel   string `xml:"rel,attr"`
				Href  string `xml:"href,attr"`
				Title string `xml:"title,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(atom, &af); err != nil {
		t.Fatal(err)
	}
	var related []string
	for _, l := range af.Entries[2].Links {
		if l.Rel == "related" {
			related = append(related, l.Title+" "+l.Href)
		}
	}
	wantRel := []string{
		"Báo B https://vnexpress.net/luat-dat-dai.html", // trackers removed
		"Báo C https://VNExpress.NET/luat-dat-dai.html#comments",
	}
	if strings.Join(related, "\n") != strings.Join(wantRel, "\n") {
		t.Errorf("atom related links:\n%s\nwant:\n%s", strings.Join(related, "\n"), strings.Join(wantRel, "\n"))
	}
	rss := e.get("/topics/" + topicSlug + ".rss").body
	if !bytes.Contains(rss, []byte("Also reported by: Báo B, Báo C")) {
		t.Error("rss lacks the also-reported line")
	}
	for _, absent := range []string{"Bài bị ẩn", "Bài ẩn trong YAML"} {
		for _, format := range render.Formats {
			if bytes.Contains(e.get("/topics/"+topicSlug+"."+format).body, []byte(absent)) {
				t.Errorf("%s: hidden item %q published", format, absent)
			}
		}
	}
	// Stored items stay separate and intact.
	for _, link := range []string{"https://VNExpress.NET/luat-dat-dai.html#comments", "https://d.example.vn/an"} {
		if _, err := e.db.ItemByLink(ctx, link); err != nil {
			t.Errorf("stored item %s: %v", link, err)
		}
	}
}

func TestHealthzDown(t *testing.T) {
	e := newEnv(t)
	e.db.Close()
	if r := e.do("GET", "/healthz", nil); r.status != http.StatusServiceUnavailable {
		t.Errorf("healthz with closed DB: %d, want 503", r.status)
	}
}

// TestListenAndServeShutsDown: Serve answers with the daemon's http.Server
// and returns nil once its context is cancelled.
func TestListenAndServeShutsDown(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	// Its http.Server is the daemon's (NewHTTPServer): headers up to 64 KiB.
	for _, c := range []struct{ size, status int }{{60 << 10, 200}, {80 << 10, http.StatusRequestHeaderFieldsTooLarge}} {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/topics/"+topicSlug+".rss", nil)
		req.Header.Set("Cookie", strings.Repeat("a", c.size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%d bytes of headers: %d, want %d", c.size, resp.StatusCode, c.status)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

// TestServedFeedsValid validates what the server actually serves (topic
// with dedupe and pins, tag feed, an older page) with jing and xmllint.
func TestServedFeedsValid(t *testing.T) {
	jing := needTool(t, "jing")
	atomSchema := sharedSchema(t, "atom.rnc")
	e := newEnv(t)
	e.seed()
	e.save("c", e.item("https://VNExpress.net/x?utm_source=a", "Quốc hội thông qua Luật Đất đai sửa đổi", 5*time.Hour, topicSlug))
	e.save("d", e.item("https://vnexpress.net/x", "Luật Đất đai được thông qua", 6*time.Hour, topicSlug))
	for i := range 4 {
		e.save("b", e.item(fmt.Sprintf("https://b.example.vn/k%d", i), fmt.Sprintf("Khác %d", i), time.Duration(i+1)*time.Hour, "khac"))
	}
	var p jsonPage
	if err := json.Unmarshal(e.get("/topics/khac.json").body, &p); err != nil {
		t.Fatal(err)
	}
	older := strings.TrimPrefix(strings.Replace(p.NextURL, ".json", ".atom", 1), testBase)
	dir := t.TempDir()
	var atoms, rsses []string
	for i, path := range []string{"/topics/" + topicSlug, "/tags/dat-dai", "/topics/khac"} {
		for _, format := range []string{render.FormatAtom, render.FormatRSS} {
			file := filepath.Join(dir, fmt.Sprintf("%d.%s", i, format))
			if err := os.WriteFile(file, e.get(path+"."+format).body, 0o644); err != nil {
				t.Fatal(err)
			}
			if format == render.FormatAtom {
				atoms = append(atoms, file)
			} else {
				rsses = append(rsses, file)
			}
		}
	}
	file := filepath.Join(dir, "older.atom")
	if err := os.WriteFile(file, e.get(older).body, 0o644); err != nil {
		t.Fatal(err)
	}
	atoms = append(atoms, file)
	if out, err := exec.Command(jing, append([]string{"-c", atomSchema}, atoms...)...).CombinedOutput(); err != nil {
		t.Errorf("jing: %v\n%s", err, out)
	}
	if xmllint, ok := testenv.HaveTool(t, "xmllint"); ok {
		rssSchema := sharedSchema(t, "rss-2_0.xsd")
		if out, err := exec.Command(xmllint, append([]string{"--noout", "--schema", rssSchema}, rsses...)...).CombinedOutput(); err != nil {
			t.Errorf("xmllint: %v\n%s", err, out)
		}
	}
}

// TestLastModifiedSurvivesRestart: the same bytes keep their
// Last-Modified in a new process (the version is in the database), so a
// reader polling with If-Modified-Since alone gets 304 after a restart;
// new bytes get a new Last-Modified.
func TestLastModifiedSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	e.seed()
	path := "/topics/" + topicSlug + ".rss"
	first := e.get(path)
	lm := first.header.Get("Last-Modified")
	ctx := context.Background()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitFor("the feed version to be recorded", func() bool {
		etag, _, err := e.db.FeedVersion(ctx, "topic/"+topicSlug+".rss")
		return err == nil && etag == first.header.Get("Etag")
	})

	// "Restart": a new Server over the same database, an hour later.
	restarted := New(e.cfg, e.db, nil)
	restarted.now = func() time.Time { return e.now.Add(time.Hour) }
	e.ts.Config.Handler = restarted.Handler()
	again := e.get(path)
	if got := again.header.Get("Last-Modified"); got != lm || again.header.Get("Etag") != first.header.Get("Etag") {
		t.Errorf("after a restart: Last-Modified %q (ETag %s), want %q (ETag %s)", got, again.header.Get("Etag"), lm, first.header.Get("Etag"))
	}
	if r := e.do("GET", path, map[string]string{"If-Modified-Since": lm}); r.status != http.StatusNotModified {
		t.Errorf("If-Modified-Since %s after a restart: status %d, want 304", lm, r.status)
	}

	// New bytes: a new Last-Modified (the restarted server's clock).
	e.save("a", e.item("https://a.example.vn/sau", "Tin sau khi khởi động lại", time.Minute, topicSlug))
	restarted.SeqCheckInterval = 0
	changed := e.get(path)
	if got, want := changed.header.Get("Last-Modified"), e.now.Add(time.Hour).UTC().Format(http.TimeFormat); got != want {
		t.Errorf("after a change: Last-Modified %q, want %q", got, want)
	}
}

// TestHandlerPreconditions: If-Match and If-Unmodified-Since are evaluated
// (412 when false, RFC 9110 13.1.1/13.1.4), and list headers sent as
// several lines count as one list.
func TestHandlerPreconditions(t *testing.T) {
	e := newEnv(t)
	e.seed()
	path := "/topics/" + topicSlug + ".rss"
	first := e.get(path)
	etag, lm := first.header.Get("Etag"), first.header.Get("Last-Modified")
	t0, _ := http.ParseTime(lm)
	tests := []struct {
		name   string
		header [][2]string
		want   int
	}{
		{"If-Match the tag", [][2]string{{"If-Match", etag}}, 200},
		{"If-Match star", [][2]string{{"If-Match", "*"}}, 200},
		{"If-Match in a list", [][2]string{{"If-Match", `"x", ` + etag}}, 200},
		{"If-Match other", [][2]string{{"If-Match", `"nope"`}}, 412},
		{"If-Match weak never matches", [][2]string{{"If-Match", "W/" + etag}}, 412},
		{"If-Unmodified-Since later", [][2]string{{"If-Unmodified-Since", t0.Add(time.Hour).Format(http.TimeFormat)}}, 200},
		{"If-Unmodified-Since earlier", [][2]string{{"If-Unmodified-Since", "Mon, 01 Jan 1990 00:00:00 GMT"}}, 412},
		{"If-Match wins over If-Unmodified-Since", [][2]string{{"If-Match", etag}, {"If-Unmodified-Since", "Mon, 01 Jan 1990 00:00:00 GMT"}}, 200},
		{"If-None-Match on two lines", [][2]string{{"If-None-Match", `"old"`}, {"If-None-Match", etag}}, 304},
		{"Accept-Encoding on two lines", [][2]string{{"Accept-Encoding", "identity"}, {"Accept-Encoding", "gzip"}}, 200},
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
			for _, h := range tc.header {
				req.Header.Add(h[0], h[1])
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.name == "Accept-Encoding on two lines" && resp.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("Content-Encoding %q, want gzip (the second line accepts it)", resp.Header.Get("Content-Encoding"))
			}
		})
	}
}

// TestIndexShowsTheFeedsFirstEntries: the index lists, per topic, the
// first entries of the topic's feed (composed alone, for speed), pins
// first, nothing beyond them.
func TestIndexShowsTheFeedsFirstEntries(t *testing.T) {
	e := newEnv(t)
	for i := range 8 {
		e.save("a", e.item(fmt.Sprintf("https://a.example.vn/tin-%d", i), fmt.Sprintf("Tin đất đai số %d", i), time.Duration(i+1)*time.Hour, topicSlug))
	}
	old, err := e.db.ItemByLink(context.Background(), "https://a.example.vn/tin-7")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetCuration(context.Background(), topicSlug, old.ID, db.Pin, true); err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.Unmarshal(e.get("/topics/"+topicSlug+".json").body, &feed); err != nil {
		t.Fatal(err)
	}
	index := string(e.get("/").body)
	for i, it := range feed.Items {
		if shown := strings.Contains(index, it.Title); shown != (i < indexItems) {
			t.Errorf("feed entry %d %q on the index: %v, want %v", i+1, it.Title, shown, i < indexItems)
		}
	}
	if feed.Items[0].Title != "Tin đất đai số 7" {
		t.Errorf("first feed entry %q, want the pinned one", feed.Items[0].Title)
	}
}

// TestIfModifiedSinceNewVersionSameSecond: a feed that changes within the
// second of the version a reader has carries the same Last-Modified (HTTP
// dates have seconds), so a reader that revalidates with
// If-Modified-Since alone gets the new version (200), not a 304 that
// would hide it until the next change; on the fast path and net/http.
func TestIfModifiedSinceNewVersionSameSecond(t *testing.T) {
	e := newEnv(t)
	e.seed()
	addr, front := startFront(t, e, nil)
	path := "/topics/" + topicSlug + ".atom"
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(base, ims string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if ims != "" {
			req.Header.Set("If-Modified-Since", ims)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Last-Modified"), string(b)
	}
	for i, base := range []string{e.ts.URL, "http://" + addr} {
		_, lastMod, _ := get(base, "")
		title := fmt.Sprintf("Tin mới trong cùng giây %d", i)
		e.save("a", e.item(fmt.Sprintf("https://a.example.vn/cung-giay-%d", i), title, time.Minute, topicSlug))
		e.get(path) // the new version, rendered in the same second (e.now)
		status, newMod, body := get(base, lastMod)
		if status != http.StatusOK || !strings.Contains(body, title) {
			t.Errorf("%s If-Modified-Since %s (new version, Last-Modified %s): status %d, want 200 with the new item", base, lastMod, newMod, status)
		}
	}
	if front.Stats().FastResponses == 0 {
		t.Error("the fast path answered nothing")
	}
}
