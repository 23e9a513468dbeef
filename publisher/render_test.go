package publisher

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"bantin/db"
	"bantin/internal/testenv"
	"bantin/publisher/render"
)

func renderAll(t *testing.T, f *render.Feed) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, format := range render.Formats {
		b, err := render.Render(f, format)
		if err != nil {
			t.Fatalf("Render(%s): %v", format, err)
		}
		out[format] = b
	}
	return out
}

func TestRenderGolden(t *testing.T) {
	f := fixtureFeed(t)
	for _, format := range render.Formats {
		t.Run(format, func(t *testing.T) {
			got, err := render.Render(f, format)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := render.Render(f, format)
			if !bytes.Equal(got, again) {
				t.Fatalf("Render(%s) is not deterministic", format)
			}
			testenv.Golden(t, "testdata/golden/topic."+format, got)
		})
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	if _, err := render.Render(fixtureFeed(t), "html"); err == nil {
		t.Fatal("Render(html): got nil error, want one")
	}
}

// writeTemp writes data to a file in a temp dir and returns its path.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func emptyFeed(t *testing.T) *render.Feed {
	f := fixtureFeed(t)
	f.Entries, f.Next, f.Hubs = nil, "", nil
	return f
}

// validationFeeds are the feeds every validator test checks.
func validationFeeds(t *testing.T) map[string]*render.Feed {
	older := fixtureFeed(t)
	older.Cursor, older.Next, older.Hubs = older.Next, "", nil
	nasty := fixtureFeed(t)
	nasty.Title = nastyTitle
	nasty.Entries[0].Item.Title = nastyTitle
	nasty.Entries[0].Item.Language = "not a language!"
	// legacy holds rows stored with invalid metadata (a bare "mp3" type,
	// a non-address e-mail, IRIs, no title or text) and upstream items
	// the normaliser repaired: both must give valid feeds.
	var repaired []db.Item
	for _, name := range []string{"metadata.rss", "untitled.rss", "plaintext.atom"} {
		repaired = append(repaired, normalised(t, name, "", "https://upstream.example.org/"+name)...)
	}
	legacy := tagFeed(append(legacyItems(), repaired...))
	return map[string]*render.Feed{"fixture": fixtureFeed(t), "empty": emptyFeed(t), "older-page": older, "nasty": nasty, "legacy": legacy}
}

// writeFeeds renders each validation feed in format into a temp dir and
// returns the file paths, sorted.
func writeFeeds(t *testing.T, format string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, f := range validationFeeds(t) {
		b, err := render.Render(f, format)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+"."+format)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

func TestAtomValidRelaxNG(t *testing.T) {
	jing := needTool(t, "jing")
	schema := sharedSchema(t, "atom.rnc")
	paths := writeFeeds(t, render.FormatAtom)
	out, err := exec.Command(jing, append([]string{"-c", schema}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("jing: %v\n%s", err, out)
	}
	t.Logf("jing: %d Atom documents valid", len(paths))
}

func TestRSSValidXSD(t *testing.T) {
	xmllint := needTool(t, "xmllint")
	schema := sharedSchema(t, "rss-2_0.xsd")
	// This XSD demands at least one <item>, which RSS 2.0 itself does not
	// ("a channel may contain any number of items"): the empty feed is
	// left out here and checked by the other tests.
	var paths []string
	for _, p := range writeFeeds(t, render.FormatRSS) {
		if filepath.Base(p) != "empty.rss" {
			paths = append(paths, p)
		}
	}
	out, err := exec.Command(xmllint, append([]string{"--noout", "--schema", schema}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
}

func TestJSONFeedSchema(t *testing.T) {
	schema := sharedSchema(t, "jsonfeed-1.1.schema.json")
	py := testenv.Python(t, "jsonschema")
	const script = `
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
errs = [e.message + " at " + "/".join(map(str, e.path)) for e in v.iter_errors(doc)]
print("\n".join(errs))
sys.exit(1 if errs else 0)
`
	for _, p := range writeFeeds(t, render.FormatJSON) {
		if out, err := exec.Command(py, "-c", script, schema, p).CombinedOutput(); err != nil {
			t.Errorf("%s: schema: %v\n%s", filepath.Base(p), err, out)
		}
	}
}

func TestFeedparserNoBozo(t *testing.T) {
	py := testenv.Python(t, "feedparser")
	const script = `
import json, sys, feedparser
d = feedparser.parse(open(sys.argv[1], "rb").read())
print(json.dumps({"bozo": int(d.bozo), "exc": str(d.get("bozo_exception", "")), "version": d.version,
  "titles": [e.get("title", "") for e in d.entries], "ids": [e.get("id", "") for e in d.entries]}))
`
	f := fixtureFeed(t)
	for _, format := range []string{render.FormatRSS, render.FormatAtom, render.FormatJSON} {
		t.Run(format, func(t *testing.T) {
			b, err := render.Render(f, format)
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(py, "-c", script, writeTemp(t, "feed."+format, b)).Output()
			if err != nil {
				t.Fatalf("feedparser: %v", err)
			}
			var got struct {
				Bozo    int
				Exc     string
				Version string
				Titles  []string
				IDs     []string
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if format == render.FormatJSON && got.Version == "" {
				t.Skip("this feedparser does not read JSON Feed")
			}
			if got.Bozo != 0 {
				t.Fatalf("bozo = %d (%s), want 0", got.Bozo, got.Exc)
			}
			if len(got.Titles) != len(f.Entries) {
				t.Fatalf("entries = %d, want %d", len(got.Titles), len(f.Entries))
			}
			for i, e := range f.Entries {
				if want := render.EntryTitle(e.Item); got.Titles[i] != want {
					t.Errorf("entry %d title = %q, want %q", i, got.Titles[i], want)
				}
				if want := render.EntryID(f.BaseURL, e.Item.SourceID, e.Item.GUID); got.IDs[i] != want {
					t.Errorf("entry %d id = %q, want %q", i, got.IDs[i], want)
				}
			}
		})
	}
}

// parsedItem is what the cross-format test compares.
type parsedItem struct {
	ID, Title, Link string
	Published       time.Time
	Categories      string
	Enclosure       string
	Authors         string
	Content         string
	Updated         time.Time
}

func parseBack(t *testing.T, b []byte) (*gofeed.Feed, []parsedItem) {
	t.Helper()
	pf, err := gofeed.NewParser().Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gofeed: %v\n%s", err, b)
	}
	var items []parsedItem
	for _, it := range pf.Items {
		p := parsedItem{ID: it.GUID, Title: it.Title, Link: it.Link, Categories: strings.Join(it.Categories, "|")}
		if it.PublishedParsed != nil {
			p.Published = it.PublishedParsed.UTC()
		}
		if len(it.Enclosures) > 0 {
			e := it.Enclosures[0]
			p.Enclosure = e.URL + " " + e.Type
		}
		var names []string
		for _, a := range it.Authors {
			names = append(names, a.Name)
		}
		p.Authors = strings.Join(names, "|")
		p.Content = it.Content
		if it.UpdatedParsed != nil {
			p.Updated = it.UpdatedParsed.UTC()
		}
		items = append(items, p)
	}
	return pf, items
}

func TestCrossFormat(t *testing.T) {
	f := fixtureFeed(t)
	out := renderAll(t, f)
	parsed := map[string][]parsedItem{}
	for _, format := range render.Formats {
		pf, items := parseBack(t, out[format])
		parsed[format] = items
		if pf.Title != f.Title {
			t.Errorf("%s: feed title = %q, want %q", format, pf.Title, f.Title)
		}
		if len(items) != len(f.Entries) {
			t.Fatalf("%s: %d items, want %d", format, len(items), len(f.Entries))
		}
	}
	for i, e := range f.Entries {
		want := parsedItem{
			ID:        render.EntryID(testBase, e.Item.SourceID, e.Item.GUID),
			Title:     render.EntryTitle(e.Item),
			Link:      e.Item.Link,
			Published: e.Item.Published.UTC(),
		}
		var cats []string
		for _, tg := range render.SortedTags(e.Item) {
			cats = append(cats, tg.Name)
		}
		want.Categories = strings.Join(cats, "|")
		if len(e.Item.Enclosures) > 0 {
			want.Enclosure = e.Item.Enclosures[0].URL + " " + render.EnclosureType(e.Item.Enclosures[0])
		}
		var names []string
		for _, a := range e.Item.Authors {
			names = append(names, a.Name)
		}
		want.Content = render.ContentHTML(e)
		for _, format := range render.Formats {
			want.Updated = e.Item.Updated.UTC()
			if format == render.FormatRSS {
				want.Updated = time.Time{} // RSS items have no updated date
			}
			want.Authors = strings.Join(names, "|")
			if len(names) == 0 {
				want.Authors = render.SourceName(e.Item) // Atom, JSON: the source
			}
			if format == render.FormatRSS {
				want.Authors = strings.Join(names, ", ") // one dc:creator
			}
			if got := parsed[format][i]; got != want {
				t.Errorf("%s item %d:\n got %+v\nwant %+v", format, i, got, want)
			}
		}
	}
}

// TestFeedLanguageOfFewEntries: the feed declares a language (Atom
// xml:lang, RSS <language>, JSON Feed language) only when at least half
// of its entries carry it: the entries that name none inherit it, so one
// Vietnamese entry among several of unknown language leaves it out.
func TestFeedLanguageOfFewEntries(t *testing.T) {
	f := fixtureFeed(t) // two of four entries "vi"
	if b, _ := render.Render(f, render.FormatRSS); !strings.Contains(string(b), "<language>vi</language>") {
		t.Errorf("half of the entries vi: no <language>vi</language> in\n%.400s", b)
	}
	for i := range f.Entries {
		if i > 0 {
			f.Entries[i].Item.Language = ""
		}
	}
	f.Entries = append(f.Entries, f.Entries[1], f.Entries[2]) // one vi among six
	for format, lang := range map[string]string{render.FormatRSS: "<language>", render.FormatAtom: `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang=`, render.FormatJSON: `"language":`} {
		b, err := render.Render(f, format)
		if err != nil {
			t.Fatal(err)
		}
		if format == render.FormatJSON {
			var top map[string]json.RawMessage
			if err := json.Unmarshal(b, &top); err != nil {
				t.Fatal(err)
			}
			b = top["language"]
		}
		if strings.Contains(string(b), lang) || format == render.FormatJSON && b != nil {
			t.Errorf("%s: one entry of six in vi, yet the feed declares a language (%s)", format, lang)
		}
		if format == render.FormatAtom && !strings.Contains(string(b), `<entry xml:lang="vi">`) {
			t.Errorf("atom: the vi entry lost its own xml:lang")
		}
	}
}
