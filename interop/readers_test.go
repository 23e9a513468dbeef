package interop

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // newsboat's cache is SQLite
)

// TestAtomValidatesWithJing validates every published Atom feed (topics
// and tags, the empty topic included) against the RFC 4287 RELAX NG
// schema with jing, in one jing run. A deliberately invalid document
// (an entry without id) is validated too and must fail, so that a jing
// that accepts anything cannot pass the test.
func TestAtomValidatesWithJing(t *testing.T) {
	jing := tool(t, "jing")
	rnc := schema(t, "atom.rnc")
	s := newSite(t)
	dir := t.TempDir()
	feeds := s.Feeds("atom")
	files := s.SaveAll(t, dir, feeds)
	bad := filepath.Join(dir, "control-invalid.atom")
	if err := os.WriteFile(bad, []byte(invalidAtom), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := runTool(context.Background(), 50*time.Second, jing, append([]string{"-c", rnc, bad}, files...)...)
	byFile := jingErrors(out)
	if len(byFile[bad]) == 0 {
		t.Fatalf("jing accepted the invalid control document; output:\n%s", out)
	}
	for i, f := range feeds {
		t.Run(f.Name(), func(t *testing.T) {
			if errs := byFile[files[i]]; len(errs) > 0 {
				body, _ := os.ReadFile(files[i])
				t.Errorf("%s fails RFC 4287 RELAX NG:\n%s\nfeed:\n%s", f.Path(), strings.Join(errs, "\n"), body)
			}
		})
	}
	if extra := byFile[""]; len(extra) > 0 {
		t.Errorf("jing reported problems not tied to a file:\n%s", strings.Join(extra, "\n"))
	}
}

// invalidAtom lacks the required entry id (and feed author).
const invalidAtom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><id>urn:x</id><updated>2026-11-25T00:00:00Z</updated>
<entry><title>no id</title><updated>2026-11-25T00:00:00Z</updated></entry></feed>`

// jingErrors groups jing's "FILE:LINE:COL: error: ..." lines by file; its
// Java warnings about missing optional jars are dropped; other lines go
// under "".
func jingErrors(out []byte) map[string][]string {
	m := map[string][]string{}
	re := regexp.MustCompile(`^(/[^:]+):\d+:\d+: (error|fatal): `)
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "[warning]") {
			continue
		}
		if mm := re.FindStringSubmatch(line); mm != nil {
			m[mm[1]] = append(m[mm[1]], line)
		} else {
			m[""] = append(m[""], line)
		}
	}
	return m
}

// TestRSSWellFormedAndXSD checks every published RSS feed with xmllint:
// well-formed XML (always required), then against the unofficial RSS 2.0
// XML Schema (rss-2_0.xsd). That schema follows the spec more strictly
// than readers do in one place: it requires at least one <item>, while
// the RSS 2.0 spec allows a channel without items, and an empty topic
// must still be a subscribable feed. So the XSD must pass for every feed
// with items; for a feed without items only the missing-child complaint
// on <channel> is tolerated (and logged), any other complaint fails.
func TestRSSWellFormedAndXSD(t *testing.T) {
	xmllint := tool(t, "xmllint")
	xsd := schema(t, "rss-2_0.xsd")
	s := newSite(t)
	dir := t.TempDir()
	feeds := s.Feeds("rss")
	files := s.SaveAll(t, dir, feeds)
	ctx := context.Background()

	if out, err := runTool(ctx, 30*time.Second, xmllint, append([]string{"--noout", "--nonet"}, files...)...); err != nil || len(out) > 0 {
		t.Errorf("xmllint --noout: %v\n%s", err, out)
	}
	out, _ := runTool(ctx, 30*time.Second, xmllint, append([]string{"--noout", "--nonet", "--schema", xsd}, files...)...)
	byFile := map[string][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		for _, f := range files {
			if strings.HasPrefix(line, f+":") || strings.HasPrefix(line, f+" fails") {
				byFile[f] = append(byFile[f], line)
			}
		}
	}
	emptyChannel := regexp.MustCompile(`element channel: Schemas validity error : Element 'channel': Missing child element\(s\)`)
	for i, f := range feeds {
		t.Run(f.Name(), func(t *testing.T) {
			errs := byFile[files[i]]
			if !strings.Contains(string(out), files[i]+" validates") && len(errs) == 0 {
				t.Fatalf("xmllint said nothing about %s:\n%s", files[i], out)
			}
			if len(errs) == 0 {
				return
			}
			if len(s.Want(f)) == 0 {
				var other []string
				for _, e := range errs {
					if !emptyChannel.MatchString(e) && !strings.HasSuffix(e, " fails to validate") {
						other = append(other, e)
					}
				}
				if len(other) == 0 {
					t.Logf("tolerated: rss-2_0.xsd requires an <item>; %s has none (the RSS 2.0 spec allows that)", f.Path())
					return
				}
				errs = other
			}
			body, _ := os.ReadFile(files[i])
			t.Errorf("%s fails rss-2_0.xsd:\n%s\nfeed:\n%s", f.Path(), strings.Join(errs, "\n"), body)
		})
	}
}

// jsonSchemaScript validates JSON files against a JSON Schema with the
// Debian python3-jsonschema and prints {file: [errors]} as JSON.
const jsonSchemaScript = `
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
v = cls(schema, format_checker=cls.FORMAT_CHECKER)
res = {}
for f in sys.argv[2:]:
    doc = json.load(open(f, encoding="utf-8"))
    res[f] = sorted("/".join(map(str, e.absolute_path)) + ": " + e.message for e in v.iter_errors(doc))
print(json.dumps(res, ensure_ascii=False))
`

// TestJSONFeedSchema validates every published JSON Feed against the JSON
// Feed 1.1 JSON Schema with python3-jsonschema (a control document with
// a wrong version must fail), and checks in Go what the schema cannot
// check without optional format packages: every URL absolute.
func TestJSONFeedSchema(t *testing.T) {
	py := systemPython(t, "jsonschema")
	sch := schema(t, "jsonfeed-1.1.schema.json")
	s := newSite(t)
	dir := t.TempDir()
	feeds := s.Feeds("json")
	files := s.SaveAll(t, dir, feeds)
	bad := filepath.Join(dir, "control-invalid.json")
	if err := os.WriteFile(bad, []byte(`{"version": "https://jsonfeed.org/version/9", "title": "x", "items": [{"title": "no id"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runTool(context.Background(), 30*time.Second, py, append([]string{"-c", jsonSchemaScript, sch, bad}, files...)...)
	if err != nil {
		t.Fatalf("jsonschema: %v\n%s", err, out)
	}
	var res map[string][]string
	if err := json.Unmarshal(lastLine(out), &res); err != nil {
		t.Fatalf("jsonschema output: %v\n%s", err, out)
	}
	if len(res[bad]) == 0 {
		t.Fatalf("jsonschema accepted the invalid control document")
	}
	for i, f := range feeds {
		t.Run(f.Name(), func(t *testing.T) {
			errs, ok := res[files[i]]
			if !ok {
				t.Fatalf("no result for %s", files[i])
			}
			if len(errs) > 0 {
				body, _ := os.ReadFile(files[i])
				t.Errorf("%s fails the JSON Feed 1.1 schema:\n%s\nfeed:\n%s", f.Path(), strings.Join(errs, "\n"), body)
			}
			body, _ := os.ReadFile(files[i])
			var doc any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			for _, u := range urlsIn(doc, "") {
				pu, err := url.Parse(u[1])
				if err != nil || !pu.IsAbs() || pu.Host == "" {
					t.Errorf("%s: %s = %q is not an absolute URL", f.Path(), u[0], u[1])
				}
			}
		})
	}
}

// urlsIn returns [path, value] of every string member named url or *_url
// (or "id"-less link fields) in a decoded JSON document.
func urlsIn(v any, path string) [][2]string {
	var out [][2]string
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			p := path + "/" + k
			if s, ok := val.(string); ok && (k == "url" || strings.HasSuffix(k, "_url") || k == "image" || k == "icon" || k == "favicon" || k == "avatar") {
				out = append(out, [2]string{p, s})
				continue
			}
			out = append(out, urlsIn(val, p)...)
		}
	case []any:
		for i, val := range x {
			out = append(out, urlsIn(val, fmt.Sprintf("%s/%d", path, i))...)
		}
	}
	return out
}

func lastLine(out []byte) []byte {
	out = bytes.TrimSpace(out)
	if i := bytes.LastIndexByte(out, '\n'); i >= 0 {
		return out[i+1:]
	}
	return out
}

// feedparserScript reads each URL with feedparser over HTTP (so that
// Content-Type, charset and gzip are part of what it judges) and prints
// the results as JSON. feedparser 6.0 (Debian 12) has no JSON Feed
// parser; JSON feeds are then read with Python's json module and marked
// "reader": "json".
const feedparserScript = `
import json, sys, urllib.request
import feedparser
try:
    import feedparser.parsers.json
    has_json = True
except ImportError:
    has_json = False
out = []
for url in sys.argv[1:]:
    if url.endswith(".json") and not has_json:
        with urllib.request.urlopen(url) as r:
            doc = json.loads(r.read().decode("utf-8"))
        out.append({"url": url, "reader": "json", "bozo": 0, "bozo_exception": "", "version": doc.get("version", ""),
                    "entries": [{"title": i.get("title", ""), "link": i.get("url", ""), "id": i.get("id", ""),
                                 "enclosures": len(i.get("attachments", []))} for i in doc.get("items", [])]})
        continue
    d = feedparser.parse(url)
    out.append({
        "url": url, "reader": "feedparser " + feedparser.__version__, "status": d.get("status", 0),
        "bozo": int(bool(d.bozo)), "bozo_exception": repr(d.get("bozo_exception")) if d.bozo else "",
        "version": d.get("version", ""), "encoding": d.get("encoding", ""),
        "entries": [{"title": e.get("title", ""), "link": e.get("link", ""), "id": e.get("id", ""),
                     "enclosures": len(e.get("enclosures", []))} for e in d.entries],
    })
print(json.dumps(out, ensure_ascii=False))
`

type parsedFeed struct {
	URL           string `json:"url"`
	Reader        string `json:"reader"`
	Status        int    `json:"status"`
	Bozo          int    `json:"bozo"`
	BozoException string `json:"bozo_exception"`
	Version       string `json:"version"`
	Encoding      string `json:"encoding"`
	Entries       []struct {
		Title      string `json:"title"`
		Link       string `json:"link"`
		ID         string `json:"id"`
		Enclosures int    `json:"enclosures"`
	} `json:"entries"`
}

// TestFeedparser reads every published feed with Python feedparser (the
// Debian package, over HTTP): no bozo flag, the expected feed version,
// and entries equal to what bantin stored, in order: same count, same
// titles (markup characters, quotes and Vietnamese intact), same links,
// same number of enclosures.
func TestFeedparser(t *testing.T) {
	py := systemPython(t, "feedparser")
	s := newSite(t)
	feeds := s.Feeds()
	args := []string{"-c", feedparserScript}
	for _, f := range feeds {
		args = append(args, s.Base+f.Path())
	}
	out, err := runTool(context.Background(), 50*time.Second, py, args...)
	if err != nil {
		t.Fatalf("feedparser: %v\n%s", err, out)
	}
	var res []parsedFeed
	if err := json.Unmarshal(lastLine(out), &res); err != nil {
		t.Fatalf("feedparser output: %v\n%s", err, out)
	}
	if len(res) != len(feeds) {
		t.Fatalf("feedparser returned %d results for %d feeds", len(res), len(feeds))
	}
	wantVersion := map[string]string{"rss": "rss20", "atom": "atom10", "json": "json11"}
	for i, f := range feeds {
		t.Run(f.Name(), func(t *testing.T) {
			r := res[i]
			if r.Reader == "json" {
				wantVersion["json"] = "https://jsonfeed.org/version/1.1"
			}
			if r.Bozo != 0 {
				t.Errorf("%s: bozo: %s", f.Path(), r.BozoException)
			}
			if r.Status != 0 && r.Status != 200 {
				t.Errorf("%s: status %d", f.Path(), r.Status)
			}
			if r.Version != wantVersion[f.Format] {
				t.Errorf("%s: version %q, want %q", f.Path(), r.Version, wantVersion[f.Format])
			}
			if r.Encoding != "" && r.Encoding != "utf-8" {
				t.Errorf("%s: encoding %q, want utf-8", f.Path(), r.Encoding)
			}
			want := s.Want(f)
			var gotT, wantT, gotL, wantL []string
			for _, e := range r.Entries {
				gotT = append(gotT, e.Title)
				gotL = append(gotL, e.Link)
			}
			for _, it := range want {
				wantT = append(wantT, it.Title)
				wantL = append(wantL, it.Link)
			}
			if !slices.Equal(gotT, wantT) {
				t.Errorf("%s (%s): titles\n got %d: %q\nwant %d: %q", f.Path(), r.Reader, len(gotT), gotT, len(wantT), wantT)
			}
			if !slices.Equal(gotL, wantL) {
				t.Errorf("%s (%s): links\n got: %q\nwant: %q", f.Path(), r.Reader, gotL, wantL)
			}
			if len(r.Entries) == len(want) {
				for j, e := range r.Entries {
					if e.Enclosures != want[j].Enclosures {
						t.Errorf("%s (%s): %q has %d enclosures, want %d", f.Path(), r.Reader, e.Title, e.Enclosures, want[j].Enclosures)
					}
				}
			}
		})
	}
}

// TestNewsboat reads every published RSS and Atom feed with newsboat (the
// Debian package; it has no JSON Feed support) in non-interactive mode:
// `newsboat -x reload` with a private urls file, cache, config and HOME,
// one newsboat per feed (newsboat keeps one copy of an item per guid, and
// our topic and tag feeds rightly share entry ids), then reads the items
// newsboat stored from its SQLite cache (rss_item) and compares them with
// what bantin stored. newsboat does not keep the feed's order (undated
// items), so titles and links are compared as sorted lists.
func TestNewsboat(t *testing.T) {
	newsboat := tool(t, "newsboat")
	s := newSite(t)
	feeds := s.Feeds("rss", "atom")
	type result struct {
		items []storedItem
		feed  bool // newsboat stored the feed itself
		log   string
		err   error
	}
	results := make([]result, len(feeds))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, f := range feeds {
		dir := t.TempDir()
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := &results[i]
			r.items, r.feed, r.log, r.err = newsboatRead(ctx, newsboat, dir, s.Base+f.Path())
		}()
	}
	wg.Wait()
	for i, f := range feeds {
		t.Run(f.Name(), func(t *testing.T) {
			r := results[i]
			if r.err != nil {
				t.Fatalf("%s: %v", f.Path(), r.err)
			}
			if r.log != "" {
				t.Errorf("%s: newsboat error log:\n%s", f.Path(), r.log)
			}
			if !r.feed {
				t.Fatalf("%s: newsboat stored no feed for it (fetch or parse failed)", f.Path())
			}
			want := s.Want(f)
			gotT, wantT := sortedTitles(r.items), sortedTitles(want)
			if !slices.Equal(gotT, wantT) {
				t.Errorf("%s: newsboat titles\n got %d: %q\nwant %d: %q", f.Path(), len(gotT), gotT, len(wantT), wantT)
			}
			if gotL, wantL := links(r.items), links(want); !slices.Equal(gotL, wantL) {
				t.Errorf("%s: newsboat links\n got: %q\nwant: %q", f.Path(), gotL, wantL)
			}
		})
	}
}

// newsboatRead runs `newsboat -x reload` on one feed URL in dir and returns
// the items from its cache, whether the feed itself was stored, and the
// contents of its error log.
func newsboatRead(ctx context.Context, newsboat, dir, feedURL string) ([]storedItem, bool, string, error) {
	urlsFile := filepath.Join(dir, "urls")
	cacheFile := filepath.Join(dir, "cache.db")
	confFile := filepath.Join(dir, "config")
	errLog := filepath.Join(dir, "error.log")
	conf := "max-items 0\ndownload-timeout 20\ndownload-retries 1\nuse-proxy no\n" +
		"show-read-feeds yes\ncleanup-on-quit no\nerror-log \"" + errLog + "\"\n"
	for name, data := range map[string]string{urlsFile: feedURL + "\n", confFile: conf} {
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			return nil, false, "", err
		}
	}
	cmd := exec.CommandContext(ctx, newsboat, "-u", urlsFile, "-c", cacheFile, "-C", confFile, "-x", "reload")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir, "TERM=dumb")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, false, "", fmt.Errorf("newsboat -x reload: %w\n%s", err, out)
	}
	log, _ := os.ReadFile(errLog)

	cache, err := sql.Open("sqlite", "file:"+cacheFile+"?mode=ro")
	if err != nil {
		return nil, false, "", err
	}
	defer cache.Close()
	var feeds int
	if err := cache.QueryRowContext(ctx, `SELECT count(*) FROM rss_feed WHERE rssurl = ?`, feedURL).Scan(&feeds); err != nil {
		return nil, false, "", fmt.Errorf("newsboat cache: %w", err)
	}
	rows, err := cache.QueryContext(ctx, `SELECT title, url FROM rss_item WHERE feedurl = ? AND deleted = 0`, feedURL)
	if err != nil {
		return nil, false, "", fmt.Errorf("newsboat cache: %w", err)
	}
	defer rows.Close()
	var items []storedItem
	for rows.Next() {
		var it storedItem
		if err := rows.Scan(&it.Title, &it.Link); err != nil {
			return nil, false, "", err
		}
		items = append(items, it)
	}
	return items, feeds == 1, strings.TrimSpace(string(log)), rows.Err()
}

func links(items []storedItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Link)
	}
	slices.Sort(out)
	return out
}
