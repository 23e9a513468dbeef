package publisher

import (
	"bytes"
	"encoding/xml"
	"slices"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"bantin/aggregator/normaliser"
	"bantin/db"
	"bantin/publisher/render"
)

// TestItemsKeepTheirCategorySpelling: two sources spell one tag
// differently ("Đại hội Đảng", the Party, and "Đại hội đảng"). Whichever
// is polled first, every format shows each item's category as its own
// source wrote it; only the slug (Atom term, tag feed URL) is shared, and
// the tag feed is titled with the first spelling stored.
func TestItemsKeepTheirCategorySpelling(t *testing.T) {
	const (
		linkA = "https://a.example.vn/dai-hoi"
		linkB = "https://b.example.vn/dai-hoi"
		slug  = "dai-hoi-dang"
	)
	tests := map[string]struct {
		first, second string
		title         string // the tag feed's title: the first spelling stored
	}{
		"source a polled first": {first: "a", second: "b", title: "Đại hội Đảng"},
		"source b polled first": {first: "b", second: "a", title: "Đại hội đảng"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			items := map[string]db.Item{
				"a": e.tagged(linkA, "Khai mạc Đại hội XIV", time.Hour, "Đại hội Đảng", "Chính trị"),
				"b": e.tagged(linkB, "Bế mạc đại hội", 2*time.Hour, "Đại hội đảng", "Thời sự"),
			}
			e.save(tc.first, items[tc.first])
			e.save(tc.second, items[tc.second])
			want := map[string][]string{ // by link; ordered by slug
				linkA: {"Chính trị", "Đại hội Đảng"},
				linkB: {"Đại hội đảng", "Thời sự"},
			}
			for _, format := range render.Formats {
				body := e.get("/tags/" + slug + "." + format).body
				pf, err := gofeed.NewParser().Parse(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s: gofeed: %v", format, err)
				}
				if pf.Title != tc.title {
					t.Errorf("%s: tag feed title = %q, want %q", format, pf.Title, tc.title)
				}
				if len(pf.Items) != len(want) {
					t.Fatalf("%s: %d items, want %d", format, len(pf.Items), len(want))
				}
				for _, it := range pf.Items {
					if !slices.Equal(it.Categories, want[it.Link]) {
						t.Errorf("%s: item %s categories = %q, want %q", format, it.Link, it.Categories, want[it.Link])
					}
				}
				if format == render.FormatAtom {
					checkAtomTerms(t, body, map[string]string{"Đại hội Đảng": slug, "Đại hội đảng": slug, "Chính trị": "chinh-tri", "Thời sự": "thoi-su"})
				}
			}
		})
	}
}

// tagged is an item of the tag feeds with upstream categories, its tags
// computed as the normaliser stores them.
func (e *testEnv) tagged(link, title string, age time.Duration, categories ...string) db.Item {
	it := e.item(link, title, age)
	it.Categories = categories
	it.Tags = normaliser.Tags(categories, nil)
	return it
}

// checkAtomTerms checks that every Atom category label has its term.
// checkAtomTerms checks that every Atom category carries the display name
// as term (what readers show) and the slug at the end of its scheme URL;
// terms maps display names to slugs.
func checkAtomTerms(t *testing.T, body []byte, terms map[string]string) {
	t.Helper()
	var doc struct {
		Entries []struct {
			Categories []struct {
				Term   string `xml:"term,attr"`
				Scheme string `xml:"scheme,attr"`
			} `xml:"category"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("atom: %v", err)
	}
	for _, en := range doc.Entries {
		for _, c := range en.Categories {
			slug, ok := terms[c.Term]
			if !ok {
				t.Errorf("atom category term %q is not a display name (scheme %q)", c.Term, c.Scheme)
			} else if want := testBase + "/tags/" + slug; c.Scheme != want {
				t.Errorf("atom category %q: scheme = %q, want %q", c.Term, c.Scheme, want)
			}
		}
	}
}
