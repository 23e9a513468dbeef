package interop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/aggregator"
	"bantin/config"
	"bantin/db"
	"bantin/internal/fixture"
	"bantin/internal/testenv"
	"bantin/publisher"
	"bantin/publisher/render"
	"bantin/tracking"
	"bantin/web"
)

// fixtureDir is testdata/interop under the module root.
func fixtureDir(t testing.TB) string {
	return filepath.Join(testenv.ModuleRoot(t), "testdata", "interop")
}

// The suites here run real readers and validators: testenv skips them
// under -short, and records (or, in CI, fails) the ones whose program or
// ../shared file is missing.

func TestMain(m *testing.M) { testenv.Main(m) }

// schema returns the path of a schema in ../shared/corpus/schemas relative
// to the module root.
func schema(t *testing.T, name string) string {
	t.Helper()
	return testenv.Shared(t, "corpus/schemas/"+name)
}

// tool returns the path of an external program.
func tool(t *testing.T, name string) string {
	t.Helper()
	return testenv.Tool(t, name)
}

// systemPython is the Debian python3 that has python3-feedparser and
// python3-jsonschema, not whatever python3 comes first on PATH, checked to
// import module.
func systemPython(t *testing.T, module string) string {
	t.Helper()
	return testenv.Python(t, module)
}

// feedRef names one published feed.
type feedRef struct {
	Kind   string // "topic" or "tag"
	Slug   string
	Format string // "rss", "atom", "json"
}

func (f feedRef) Path() string {
	dir := "/topics/"
	if f.Kind == "tag" {
		dir = "/tags/"
	}
	return dir + f.Slug + "." + f.Format
}

// Name is a file-name-safe label, also used for subtests.
func (f feedRef) Name() string { return f.Kind + "-" + f.Slug + "." + f.Format }

// storedItem is what bantin stored for one published entry.
type storedItem struct {
	Title      string
	Link       string // as published: without tracking parameters
	StoredLink string // as stored: as upstream wrote it
	ID         int64
	Published  time.Time
	Undated    bool // upstream gave no date: Published is the first-seen time
	Enclosures int
}

// site is the fixture polled into a fresh database and served by the
// publisher on a loopback httptest server.
type site struct {
	Dir      string // the config's directory
	Base     string // publisher base URL (no trailing slash)
	Config   *config.Config
	Store    *db.DB
	Topics   []config.Topic
	Tags     []db.Tag
	Expected map[string][]storedItem // by Kind+"/"+Slug: the entries as stored, newest first
}

// Feeds lists every published topic and tag feed in every format.
func (s *site) Feeds(formats ...string) []feedRef {
	if len(formats) == 0 {
		formats = render.Formats
	}
	var out []feedRef
	for _, format := range formats {
		for _, tp := range s.Topics {
			out = append(out, feedRef{"topic", tp.Slug, format})
		}
		for _, tg := range s.Tags {
			out = append(out, feedRef{"tag", tg.Slug, format})
		}
	}
	return out
}

// Want returns the stored entries of the feed f, newest first.
func (s *site) Want(f feedRef) []storedItem { return s.Expected[f.Kind+"/"+f.Slug] }

// Fetch GETs a published feed and returns its body and Content-Type,
// failing the test on any status but 200.
func (s *site) Fetch(t *testing.T, path string) ([]byte, string) {
	t.Helper()
	resp, err := http.Get(s.Base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d\n%s", path, resp.StatusCode, body)
	}
	return body, resp.Header.Get("Content-Type")
}

// SaveAll fetches the feeds into dir (one file per feed, named f.Name())
// and returns the file paths in the order of feeds.
func (s *site) SaveAll(t *testing.T, dir string, feeds []feedRef) []string {
	t.Helper()
	var files []string
	for _, f := range feeds {
		body, _ := s.Fetch(t, f.Path())
		p := filepath.Join(dir, f.Name())
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

// upstreamHandler serves the fixture files with content types by
// extension and strong validators.
func upstreamHandler(dir string) http.Handler {
	types := map[string]string{
		".rss":  "application/rss+xml; charset=utf-8",
		".atom": "application/atom+xml", // charset from the XML declaration
		".json": "application/feed+json; charset=utf-8",
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := filepath.Base(r.URL.Path)
		ct, ok := types[filepath.Ext(name)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ct)
		http.ServeContent(w, r, name, st.ModTime(), f)
	})
}

// newSite polls the fixture into a temporary database and serves it.
func newSite(t *testing.T) *site {
	t.Helper()
	return newSiteWith(t, "", false)
}

// newSiteWith is newSite with extra YAML appended to the config and,
// with desk, the search and desk pages (package web) served too, as the
// daemon does.
func newSiteWith(t *testing.T, extra string, desk bool) *site {
	t.Helper()
	ctx := context.Background()
	fixtures := fixtureDir(t)
	up := httptest.NewServer(upstreamHandler(fixtures))
	t.Cleanup(up.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()

	tmpl, err := os.ReadFile(filepath.Join(fixtures, "bantin.yaml.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.NewReplacer("{{UP}}", up.URL, "{{BASE}}", base).Replace(string(tmpl)) + extra
	cfg, store := fixture.Store(t, yaml)
	p, err := aggregator.New(ctx, cfg, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var failed []string
	sum, err := p.PollOnce(ctx, true, func(r aggregator.Result) {
		if r.Err != nil || r.Status != http.StatusOK || r.New == 0 {
			mu.Lock()
			failed = append(failed, fmt.Sprintf("%s: status %d, new %d, err %v", r.SourceID, r.Status, r.New, r.Err))
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	if len(failed) > 0 || sum.Sources != len(cfg.Sources) {
		t.Fatalf("poll of the fixture: %d of %d sources polled; failures:\n%s", sum.Sources, len(cfg.Sources), strings.Join(failed, "\n"))
	}

	// Served as `bantin serve` does: feed GETs take the fast path, the
	// rest net/http.
	srv := publisher.New(cfg, store, nil)
	if desk {
		if _, err := store.IndexSearch(ctx, 0); err != nil { // as the daemon does
			t.Fatal(err)
		}
		srv.SeqCheckInterval = 0 // curations show at once
		w, err := web.New(cfg, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		srv.Register(w.Register) // one route table, as the daemon's
	}
	front := publisher.NewFront(srv, publisher.NewHTTPServer(srv.Handler(), nil))
	go front.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		front.Shutdown(ctx)
	})

	s := &site{Base: base, Config: cfg, Store: store, Topics: cfg.Topics, Expected: map[string][]storedItem{}, Dir: cfg.Dir}
	if s.Tags, err = store.Tags(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tp := range cfg.Topics {
		limit := tp.Limit
		if limit <= 0 {
			limit = db.DefaultLimit
		}
		items, err := store.TopicItems(ctx, tp.Slug, db.ItemQuery{Limit: limit, SkipHidden: true})
		if err != nil {
			t.Fatal(err)
		}
		s.Expected["topic/"+tp.Slug] = stored(items)
	}
	for _, tg := range s.Tags {
		items, err := store.TagItems(ctx, tg.Slug, db.ItemQuery{Limit: db.DefaultLimit})
		if err != nil {
			t.Fatal(err)
		}
		s.Expected["tag/"+tg.Slug] = stored(items)
	}
	s.checkFixture(t)
	return s
}

// stored returns the items in the order a reader sees them: newest first
// by the published date at the precision feeds carry (whole seconds),
// then by ID, newest first. The database orders by the full-precision
// date, which differs for items stored without an upstream date within
// the same second (their date is the poll time).
func stored(items []db.Item) []storedItem {
	out := make([]storedItem, 0, len(items))
	for _, it := range items {
		out = append(out, storedItem{Title: it.Title, Link: tracking.Strip(it.Link), StoredLink: it.Link, ID: it.ID,
			Published: it.Published.UTC().Truncate(time.Second), Undated: undated(it),
			Enclosures: len(it.Enclosures)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Published.Equal(out[j].Published) {
			return out[i].Published.After(out[j].Published)
		}
		return out[i].ID > out[j].ID
	})
	return out
}

// undated reports whether the item's feed gave it no date: its published
// date is then the time it was first seen (to the second).
func undated(it db.Item) bool {
	d := it.FirstSeen.Sub(it.Published)
	return d >= 0 && d < time.Second
}

// checkFixture guards the fixture's shape, so that a reader check that
// passes does so on the interesting cases: an empty topic, a topic cut
// at its limit, titles with markup characters, an undated item, and
// Vietnamese tags.
func (s *site) checkFixture(t *testing.T) {
	t.Helper()
	if n := len(s.Expected["topic/trong"]); n != 0 {
		t.Errorf("fixture: topic trong should be empty, has %d items", n)
	}
	if n := len(s.Expected["topic/moi-nhat"]); n != 3 {
		t.Errorf("fixture: topic moi-nhat should be cut at its limit 3, has %d", n)
	}
	var all []string
	tracked := false
	for _, items := range s.Expected {
		for _, it := range items {
			all = append(all, it.Title)
			tracked = tracked || strings.Contains(it.StoredLink, "utm_")
		}
	}
	if !tracked {
		t.Error("fixture: no stored link has a tracking parameter (utm_*) for the feeds to drop")
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{`&`, `"`, `<`} {
		if !strings.Contains(joined, want) {
			t.Errorf("fixture: no stored title contains %q; titles:\n%s", want, joined)
		}
	}
	slugs := map[string]bool{}
	for _, tg := range s.Tags {
		slugs[tg.Slug] = true
	}
	for _, want := range []string{"ha-noi", "thoi-su", "giao-thong", "technology", "podcast"} {
		if !slugs[want] {
			t.Errorf("fixture: tag %q missing; tags: %v", want, s.Tags)
		}
	}
}

// sortedTitles returns the titles sorted, for comparisons where a reader
// does not keep the feed's order.
func sortedTitles(items []storedItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Title
	}
	sort.Strings(out)
	return out
}

// runTool runs a command with a timeout and returns its combined output.
func runTool(ctx context.Context, timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return out, fmt.Errorf("%s timed out after %v: %w", name, timeout, ctx.Err())
	}
	return out, err
}

// mediaType is a Content-Type without parameters.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}
