package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/aggregator"
	"bantin/aggregator/normaliser"
	"bantin/config"
	"bantin/db"
	"bantin/internal/fixture"
	"bantin/internal/testenv"
	"bantin/publisher"
	"bantin/publisher/render"
)

// The corpus run's bounds.
const (
	// hangBound is how long one file may take through one stage before
	// it counts as a hang.
	hangBound = 10 * time.Second
	// batchSize is the number of sources one poller run gets.
	batchSize = 500
	// testBase is the base_url of the publishing side.
	testBase = "http://bantin.test"
)

// corpusDirs are the corpora ingested, relative to ../shared/corpus.
var corpusDirs = []string{"feedparser", "feedvalidator", "gofeed"}

// notBozoExceptions reads testdata/conformance/not-bozo-exceptions.tsv:
// feedparser files whose Expect says `not bozo` and that have entries, but
// where bantin stores none, each with a category and the reason. Keyed by
// path under feedparser/.
func notBozoExceptions(t *testing.T) map[string][2]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "testdata", "conformance", "not-bozo-exceptions.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][2]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.SplitN(line, "\t", 3)
		if len(cols) != 3 {
			t.Fatalf("not-bozo-exceptions.tsv: bad line %q", line)
		}
		m["feedparser/"+cols[0]] = [2]string{cols[1], cols[2]}
	}
	return m
}

// corpusFile is one feed file of the corpus.
type corpusFile struct {
	Rel    string      // path under ../shared/corpus, with forward slashes
	Abs    string      // absolute path
	Header http.Header // simulated response headers (feedparser Header: comments)
	Index  *indexEntry // feedparser INDEX.tsv row, nil for other corpora
	ID     string      // source id suffix: the file's number
}

// listCorpus returns every feed file of corpusDirs, sorted.
func listCorpus(t *testing.T, corpus string, index map[string]indexEntry) []*corpusFile {
	t.Helper()
	var files []*corpusFile
	for _, dir := range corpusDirs {
		root := filepath.Join(corpus, dir)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			name := d.Name()
			if name == "LICENSE" || name == ".htaccess" || strings.HasSuffix(name, ".tsv") || strings.HasSuffix(name, ".md") {
				return nil
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			f := &corpusFile{Rel: dir + "/" + rel, Abs: path, Header: http.Header{}}
			if dir == "feedparser" {
				if e, ok := index[rel]; ok {
					f.Index = &e
					f.Header = splitHeaders(e.Headers)
				}
			}
			files = append(files, f)
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", root, err)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Rel < files[j].Rel })
	for i, f := range files {
		f.ID = fmt.Sprintf("%05d", i)
	}
	return files
}

// sampleCorpus keeps every encoding case and every INDEX row that asserts
// not bozo, plus one file in every `every` of the rest, deterministically.
func sampleCorpus(files []*corpusFile, every int) []*corpusFile {
	if every <= 1 {
		return files
	}
	var out []*corpusFile
	for i, f := range files {
		important := strings.HasPrefix(f.Rel, "feedparser/encoding/") || strings.HasPrefix(f.Rel, "feedparser/illformed/chardet/") ||
			strings.HasPrefix(f.Rel, "feedparser/http/")
		if important || i%every == 0 {
			out = append(out, f)
		}
	}
	return out
}

// contentType is the Content-Type a file is served with ("" for none).
func (f *corpusFile) contentType() string { return f.Header.Get("Content-Type") }

// directResult is what the in-process pass learnt about one file.
type directResult struct {
	ParseErr error
	Encoding string
	Items    []db.Item
	Problems []string // text and rendering problems
}

// guard runs fn in its own goroutine with a time bound, turning a panic
// into an error. hung reports that fn did not finish in time (it is left
// running).
func guard(bound time.Duration, fn func()) (panicked string, hung bool) {
	done := make(chan string, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Sprintf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		fn()
		done <- ""
	}()
	select {
	case p := <-done:
		return p, false
	case <-time.After(bound):
		return "", true
	}
}

// direct parses, normalises and renders one file in-process, as the
// poller would after fetching it with its simulated headers.
func direct(f *corpusFile, loc *time.Location, now time.Time) directResult {
	var r directResult
	body, err := os.ReadFile(f.Abs)
	if err != nil {
		r.ParseErr = err
		return r
	}
	base := "http://corpus.example/" + f.Rel
	if cl := f.Header.Get("Content-Location"); cl != "" {
		base = cl
	}
	normaliser.IsHTML(body, f.contentType())
	normaliser.Discover(body, base)
	p, err := normaliser.Parse(body, f.contentType(), base)
	if err != nil {
		r.ParseErr = err
		return r
	}
	r.Encoding = p.Encoding
	r.Items = normaliser.Normalise(p, normaliser.Options{SourceID: "s" + f.ID, Location: loc, Now: now, SourceTags: []string{"Thời sự"}})
	for _, it := range r.Items {
		r.Problems = append(r.Problems, itemTextProblems(it)...)
	}
	feed := &render.Feed{
		Title: "corpus " + f.Rel, ID: render.FeedID(testBase, "topic", "direct"),
		BaseURL: testBase, SiteLink: testBase + "/",
		Self: map[string]string{},
	}
	for _, it := range r.Items {
		it.ID = 1
		feed.Entries = append(feed.Entries, render.Entry{Item: it})
	}
	for _, format := range render.Formats {
		feed.Self[format] = testBase + "/topics/direct." + format
	}
	for _, format := range render.Formats {
		out, err := render.Render(feed, format)
		if err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("Render %s: %v", format, err))
			continue
		}
		if err := checkPublished(format, out); err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("Render %s: %v", format, err))
		}
	}
	return r
}

// corpusStats are the figures the corpus test prints.
type corpusStats struct {
	mu                sync.Mutex
	files             int
	crashes, hangs    []string
	textProblems      []string
	renderProblems    []string
	parseFailures     int
	storedA, storedB  int
	published         int
	notBozoNoItems    []string // unexcused
	excused           []string
	encodingMismatch  []string
	encodingChecked   int
	titleInfoMismatch []string
	unsafe            []string      // unsafe HTML in published entries
	titleNotPlain     int           // published titles with markup or references left
	slowest           time.Duration // the longest single poll
	slowestFile       string
}

// checkSafety records unsafe HTML in the entries of a published topic
// page, and counts titles that are not plain text.
func (s *corpusStats) checkSafety(path, format string, body []byte) {
	if !strings.HasPrefix(path, "/topics/") {
		return
	}
	entries, err := entriesOf(format, body)
	if err != nil {
		s.add(&s.renderProblems, "GET %s: %v", path, err)
		return
	}
	for _, e := range entries {
		for field, h := range e.HTML {
			for _, d := range htmlDangers(h) {
				s.add(&s.unsafe, "GET %s: entry of %s: %s: %s", path, e.SourceID, field, d)
			}
		}
		if d := plainDangers(e.Title); len(d) > 0 {
			s.mu.Lock()
			s.titleNotPlain++
			s.mu.Unlock()
			s.add(&s.titleInfoMismatch, "%s title %q of %s: %s", format, clip(e.Title, 100), e.SourceID, strings.Join(d, ", "))
		}
	}
}

func (s *corpusStats) add(list *[]string, format string, args ...any) {
	s.mu.Lock()
	*list = append(*list, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// TestCorpus ingests every feed of the shared corpora through the real
// pipeline twice (file:// sources, and an HTTP server that replays the
// feedparser Header: comments), publishes everything, and checks: no
// crash, no hang, stored text valid UTF-8 in NFC, published feeds
// well-formed, items stored for every well-formed feedparser case that has
// entries, and encodings decoded as the feedparser suite expects.
func TestCorpus(t *testing.T) {
	corpus := corpusRoot(t)
	index := readIndex(t, corpus)
	files := listCorpus(t, corpus, index)
	if raceEnabled {
		files = sampleCorpus(files, 3)
	}
	start := time.Now()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	st := &corpusStats{files: len(files)}

	// Pass 0: in-process, one guarded goroutine per file, so that a panic
	// or hang is pinned to its file before the poller (whose workers
	// cannot be recovered from here) sees it.
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	results := make([]directResult, len(files))
	var safe []*corpusFile
	for i, f := range files {
		var r directResult
		panicked, hung := guard(hangBound, func() { r = direct(f, loc, now) })
		if panicked == "" && !hung {
			results[i] = r
		}
		switch {
		case panicked != "":
			st.add(&st.crashes, "%s: %s", f.Rel, panicked)
		case hung:
			st.add(&st.hangs, "%s: parse+normalise+render over %v", f.Rel, hangBound)
		default:
			safe = append(safe, f)
			if results[i].ParseErr != nil {
				st.parseFailures++
			}
			for _, p := range results[i].Problems {
				st.add(&st.textProblems, "%s (direct): %s", f.Rel, p)
			}
		}
	}
	t.Logf("direct pass: %d files in %v", len(files), time.Since(start).Round(time.Millisecond))

	// Pass A: file:// sources polled into SQLite, then published.
	dir := t.TempDir()
	storeA := fixture.DB(t, filepath.Join(dir, "a.db"))
	srcA := make([]sourceDef, len(safe))
	for i, f := range safe {
		srcA[i] = sourceDef{ID: "f" + f.ID, URL: (&url.URL{Scheme: "file", Path: f.Abs}).String(), File: f}
	}
	cfgA := pollBatches(t, st, storeA, filepath.Join(dir, "a.db"), dir, "a", srcA)
	t.Logf("pass A (file://): %v", time.Since(start).Round(time.Millisecond))
	st.storedA = checkStore(t, st, storeA, srcA)
	st.published += publishVisit(t, st, cfgA, storeA, st.checkSafety)
	t.Logf("pass A published: %v", time.Since(start).Round(time.Millisecond))

	// Pass B: the same files over HTTP with their simulated headers.
	srv := httptest.NewServer(replayHandler(safe))
	defer srv.Close()
	storeB := fixture.DB(t, filepath.Join(dir, "b.db"))
	srcB := make([]sourceDef, len(safe))
	for i, f := range safe {
		srcB[i] = sourceDef{ID: "h" + f.ID, URL: srv.URL + "/c/" + f.ID + "/" + pathEscape(f.Rel), File: f, AllowPrivate: true}
	}
	cfgB := pollBatches(t, st, storeB, filepath.Join(dir, "b.db"), dir, "b", srcB)
	t.Logf("pass B (http): %v", time.Since(start).Round(time.Millisecond))
	st.storedB = checkStore(t, st, storeB, srcB)
	st.published += publishVisit(t, st, cfgB, storeB, st.checkSafety)
	t.Logf("pass B published: %v", time.Since(start).Round(time.Millisecond))

	// Expectations of the feedparser suite, judged on pass B (the headers
	// they assume are replayed there).
	checkNotBozo(t, st, storeB, srcB)
	byRel := map[string]directResult{}
	for i, f := range files {
		byRel[f.Rel] = results[i]
	}
	checkEncodings(t, st, storeB, srcB, byRel)

	for _, list := range []struct {
		name  string
		items []string
	}{
		{"crash", st.crashes}, {"hang", st.hangs}, {"text", st.textProblems}, {"render", st.renderProblems}, {"unsafe", st.unsafe},
		{"not bozo without items", st.notBozoNoItems}, {"encoding mismatch", st.encodingMismatch},
	} {
		for i, s := range list.items {
			if i == 20 && os.Getenv("CONFORMANCE_VERBOSE") == "" {
				t.Errorf("... and %d more %s problems", len(list.items)-20, list.name)
				break
			}
			t.Errorf("%s: %s", list.name, s)
		}
	}
	for _, s := range st.excused {
		t.Logf("justified exception: %s", s)
	}
	for _, s := range st.titleInfoMismatch {
		t.Logf("info: %s", s)
	}
	fmt.Printf("conformance corpus: files ingested %d, crashes %d, hangs %d, not-bozo files without items %d (+%d justified), encoding mismatches %d (%d checks); stored items %d (file://) %d (http), published documents %d, parse failures %d, text problems %d, render problems %d, unsafe HTML %d, titles with markup-like text %d (info: literal text after decoding once), slowest poll %v (%s), %v\n",
		st.files, len(st.crashes), len(st.hangs), len(st.notBozoNoItems), len(st.excused), len(st.encodingMismatch), st.encodingChecked,
		st.storedA, st.storedB, st.published, st.parseFailures, len(st.textProblems), len(st.renderProblems), len(st.unsafe), st.titleNotPlain,
		st.slowest.Round(time.Millisecond), st.slowestFile, time.Since(start).Round(time.Second))
}

// sourceDef is one configured source of a pass.
type sourceDef struct {
	ID, URL      string
	AllowPrivate bool
	File         *corpusFile
}

func pathEscape(rel string) string {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// buildConfig writes a config (as JSON, which is YAML) for sources and the
// topics that group them, and loads it with config.Parse.
func buildConfig(t *testing.T, dir, dbPath string, sources []sourceDef, topics map[string][]string) *config.Config {
	t.Helper()
	type src struct {
		ID           string `json:"id"`
		URL          string `json:"url"`
		AllowPrivate bool   `json:"allow_private,omitempty"`
	}
	type rule struct {
		Sources []string `json:"sources"`
	}
	type topic struct {
		Slug   string `json:"slug"`
		Title  string `json:"title"`
		Limit  int    `json:"limit"`
		Dedupe bool   `json:"dedupe"`
		Match  rule   `json:"match"`
	}
	doc := map[string]any{
		"database": dbPath,
		"base_url": testBase,
		"defaults": map[string]any{
			"interval": "1h", "timeout": "10s", "retention": "36500d", "per_host": 4, "workers": 8,
		},
	}
	var ss []src
	for _, s := range sources {
		ss = append(ss, src{s.ID, s.URL, s.AllowPrivate})
	}
	doc["sources"] = ss
	var ts []topic
	slugs := make([]string, 0, len(topics))
	for slug := range topics {
		slugs = append(slugs, slug)
	}
	slices.Sort(slugs)
	for _, slug := range slugs {
		ts = append(ts, topic{slug, "Corpus " + slug, 200, false, rule{topics[slug]}})
	}
	doc["topics"] = ts
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data, filepath.Join(dir, "bantin.yaml"))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// pollBatches polls sources in batches of batchSize, one Poller run per
// batch over store, each batch with a topic holding all its sources. It
// returns a config holding every source and topic, for publishing.
func pollBatches(t *testing.T, st *corpusStats, store *db.DB, dbPath, dir, pass string, sources []sourceDef) *config.Config {
	t.Helper()
	ctx := context.Background()
	all := map[string][]string{}
	for b := 0; b*batchSize < len(sources); b++ {
		batch := sources[b*batchSize : min((b+1)*batchSize, len(sources))]
		slug := fmt.Sprintf("%s-%03d", pass, b)
		ids := make([]string, len(batch))
		byID := map[string]*corpusFile{}
		for i, s := range batch {
			ids[i] = s.ID
			byID[s.ID] = s.File
		}
		all[slug] = ids
		cfg := buildConfig(t, dir, dbPath, batch, map[string][]string{slug: ids})
		p, err := aggregator.New(ctx, cfg, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		reported := map[string]bool{}
		done := make(chan error, 1)
		go func() {
			_, err := p.PollOnce(ctx, true, func(r aggregator.Result) {
				mu.Lock()
				reported[r.SourceID] = true
				mu.Unlock()
				st.mu.Lock()
				if r.Duration > st.slowest {
					st.slowest, st.slowestFile = r.Duration, byID[r.SourceID].Rel
				}
				st.mu.Unlock()
				if r.Duration > hangBound {
					st.add(&st.hangs, "%s (pass %s): poll took %v", byID[r.SourceID].Rel, pass, r.Duration)
				}
			})
			done <- err
		}()
		// A batch gets hangBound per source it could spend alone, shared
		// among the workers, and never less than a minute.
		limit := max(time.Minute, hangBound*time.Duration(len(batch))/8)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("PollOnce: %v", err)
			}
		case <-time.After(limit):
			mu.Lock()
			for _, id := range ids {
				if !reported[id] {
					st.hangs = append(st.hangs, fmt.Sprintf("%s (pass %s): not polled within %v", byID[id].Rel, pass, limit))
				}
			}
			mu.Unlock()
			t.Fatalf("pass %s batch %d hung", pass, b)
		}
	}
	return buildConfig(t, dir, dbPath, sources, all)
}

// checkStore checks every stored item and source and returns the number of
// items.
func checkStore(t *testing.T, st *corpusStats, store *db.DB, sources []sourceDef) int {
	t.Helper()
	ctx := context.Background()
	byID := map[string]*corpusFile{}
	for _, s := range sources {
		byID[s.ID] = s.File
	}
	n := 0
	for after := int64(0); ; {
		page, err := store.ScanItems(ctx, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		ids := make([]int64, len(page))
		for i, it := range page {
			ids[i] = it.ID
		}
		full, err := store.Items(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range full {
			for _, p := range itemTextProblems(it) {
				st.add(&st.textProblems, "%s (stored item %d): %s", byID[it.SourceID].Rel, it.ID, p)
			}
		}
		n += len(page)
		after = page[len(page)-1].ID
	}
	srcs, err := store.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		for _, p := range sourceTextProblems(s) {
			st.add(&st.textProblems, "%s (stored source): %s", byID[s.ID].Rel, p)
		}
	}
	return n
}

// publishVisit serves cfg's topics (every page) and every tag (first page)
// in all three formats and checks each document, calling visit (when not
// nil) with every well-formed topic and tag document; it returns the
// number of documents. Every stored item must appear in some topic page.
func publishVisit(t *testing.T, st *corpusStats, cfg *config.Config, store *db.DB, visit func(path, format string, body []byte)) int {
	t.Helper()
	ctx := context.Background()
	h := publisher.New(cfg, store, nil).Handler()
	get := func(path string) (int, []byte) {
		req := httptest.NewRequest("GET", path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	docs := 0
	check := func(path, format string) []byte {
		code, body := get(path)
		docs++
		if code != http.StatusOK {
			st.add(&st.renderProblems, "GET %s: status %d: %s", path, code, clip(string(body), 200))
			return nil
		}
		if err := checkPublished(format, body); err != nil {
			st.add(&st.renderProblems, "GET %s: %v", path, err)
			return nil
		}
		if visit != nil {
			visit(path, format, body)
		}
		return body
	}
	seen := map[string]bool{}
	for _, tp := range cfg.Topics {
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 10000 {
				t.Fatalf("topic %s: paging does not end", tp.Slug)
			}
			q := ""
			if cursor != "" {
				q = "?before=" + url.QueryEscape(cursor)
			}
			for _, format := range []string{"rss", "atom"} {
				check("/topics/"+tp.Slug+"."+format+q, format)
			}
			body := check("/topics/"+tp.Slug+".json"+q, "json")
			var jf struct {
				NextURL string `json:"next_url"`
				Items   []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			if body == nil || json.Unmarshal(body, &jf) != nil {
				break
			}
			for _, it := range jf.Items {
				seen[it.ID] = true
			}
			if jf.NextURL == "" {
				break
			}
			u, err := url.Parse(jf.NextURL)
			if err != nil {
				t.Fatalf("next_url %q: %v", jf.NextURL, err)
			}
			next := u.Query().Get("before")
			if next == "" || next == cursor {
				t.Fatalf("topic %s: next_url %q does not advance", tp.Slug, jf.NextURL)
			}
			cursor = next
		}
	}
	count, err := store.ItemCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != count {
		t.Errorf("published %d distinct entries over the catch-all topics, stored %d items", len(seen), count)
	}
	tags, err := store.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tags {
		for _, format := range render.Formats {
			check("/tags/"+pathEscape(tg.Slug)+"."+format, format)
		}
	}
	for _, p := range []string{"/", "/opml.xml"} {
		code, body := get(p)
		docs++
		if code != http.StatusOK {
			st.add(&st.renderProblems, "GET %s: status %d", p, code)
		} else if p == "/opml.xml" {
			if err := testenv.WellFormedXML(body); err != nil {
				st.add(&st.renderProblems, "GET %s: %v", p, err)
			}
		}
	}
	return docs
}

// replayHandler serves each file at /c/ID/REL with its simulated headers:
// Status and Location (rewritten to this server) as well as Content-Type
// and the others; no Content-Type at all when none is simulated.
func replayHandler(files []*corpusFile) http.Handler {
	byID := map[string]*corpusFile{}
	target := ""
	for _, f := range files {
		byID[f.ID] = f
		if f.Rel == "feedparser/http/target.xml" {
			target = f.ID
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/-/return-304.xml" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, "/c/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		id, _, _ := strings.Cut(rest, "/")
		f := byID[id]
		if f == nil {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(f.Abs)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		status := http.StatusOK
		w.Header()["Content-Type"] = nil // no sniffing: only what the file simulates
		for name, vals := range f.Header {
			switch strings.ToLower(name) {
			case "status":
				if n, err := strconv.Atoi(strings.TrimSpace(vals[0])); err == nil {
					status = n
				}
			case "location":
				loc := vals[0]
				if strings.Contains(loc, "/tests/http/target.xml") && target != "" {
					loc = "/c/" + target + "/feedparser/http/target.xml"
				} else if i := strings.Index(loc, "/-/"); i >= 0 {
					loc = loc[i:]
				}
				w.Header().Set("Location", loc)
			default:
				w.Header()[http.CanonicalHeaderKey(name)] = vals
			}
		}
		if inm := r.Header.Get("If-None-Match"); inm != "" && inm == f.Header.Get("ETag") {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.WriteHeader(status)
		if status != http.StatusNotModified {
			io.Copy(w, strings.NewReader(string(body)))
		}
	})
}

// checkNotBozo: every feedparser file whose Expect starts with `not bozo`
// and that has entries must have at least one stored item.
func checkNotBozo(t *testing.T, st *corpusStats, store *db.DB, sources []sourceDef) {
	t.Helper()
	ctx := context.Background()
	exceptions := notBozoExceptions(t)
	counts, err := store.SourceCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sources {
		f := s.File
		if f.Index == nil || !strings.HasPrefix(f.Index.Expect, "not bozo") {
			continue
		}
		raw, err := os.ReadFile(f.Abs)
		if err != nil || !hasEntries(raw) {
			continue
		}
		exc, excused := exceptions[f.Rel]
		if counts[s.ID] > 0 {
			if excused {
				t.Logf("exception no longer needed: %s (%s)", f.Rel, exc[1])
			}
			continue
		}
		reason := "no error, but no items stored"
		if src, err := store.Source(ctx, s.ID); err == nil && src.LastError != "" {
			reason = src.LastError
		}
		fields, _ := entryFields(raw)
		switch {
		case !excused:
			st.add(&st.notBozoNoItems, "%s: %s [first entry has %v]", f.Rel, reason, fields)
		case exc[0] == "empty" && len(fields) > 0:
			st.add(&st.notBozoNoItems, "%s: listed as an empty entry, but its first entry has %v (%s)", f.Rel, fields, reason)
		default:
			st.add(&st.excused, "%s: %s: %s", f.Rel, exc[0], exc[1])
		}
	}
}
