package publisher

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bantin/db"
	"bantin/internal/testenv"
	"bantin/publisher/render"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const testBase = "http://news.example.org"

// sharedSchema returns the path of a schema file under ../shared/corpus/schemas
// (relative to the module root), skipping the test under -short and
// (recorded, see testenv) when it is absent.
func sharedSchema(t testing.TB, name string) string {
	t.Helper()
	return testenv.Shared(t, "corpus/schemas/"+name)
}

// needTool returns the path of an executable, skipping the test under
// -short and (recorded) when it is not installed.
func needTool(t testing.TB, name string) string {
	t.Helper()
	return testenv.Tool(t, name)
}

// fixtureItems loads testdata/publisher/items.json.
func fixtureItems(t testing.TB) []db.Item {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "testdata", "publisher", "items.json"))
	if err != nil {
		t.Fatal(err)
	}
	var items []db.Item
	if err := json.Unmarshal(data, &items); err != nil {
		t.Fatalf("items.json: %v", err)
	}
	return items
}

// fixtureFeed is a topic feed over the fixture items: the first entry folds
// in a duplicate from another source, the second is pinned, and the page
// links to an older one.
func fixtureFeed(t testing.TB) *render.Feed {
	t.Helper()
	items := fixtureItems(t)
	dup := items[3]
	dup.ID, dup.SourceID, dup.GUID = 99, "thanhnien", "tn-1"
	dup.Link = "https://thanhnien.vn/quoc-hoi-luat-dat-dai.htm"
	dup.SourceTitle = "Thanh Niên & <Bạn đọc>"
	f := &render.Feed{
		Title:       "Đại hội <Đảng> & \"Quốc hội\"",
		Description: "Tin về Đại hội Đảng & Quốc hội",
		ID:          render.FeedID(testBase, "topic", "dai-hoi-dang"),
		BaseURL:     testBase,
		SiteLink:    testBase + "/",
		Self: map[string]string{
			render.FormatRSS:  testBase + "/topics/dai-hoi-dang.rss",
			render.FormatAtom: testBase + "/topics/dai-hoi-dang.atom",
			render.FormatJSON: testBase + "/topics/dai-hoi-dang.json",
		},
		Next: db.Cursor{Published: time.Date(2024, 1, 15, 12, 30, 45, 0, time.UTC), ID: 4}.String(),
		Hubs: []string{"https://pubsubhubbub.appspot.com/"},
	}
	for i, it := range items {
		e := render.Entry{Item: it}
		if i == 0 {
			e.Related = []db.Item{dup}
		}
		if i == 1 {
			e.Pinned = true
		}
		f.Entries = append(f.Entries, e)
	}
	return f
}

// shape is the entries' lead, related and pinned item ids, to compare pages.
func shape(entries []render.Entry) string {
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%d %t", e.Item.ID, e.Pinned)
		for _, r := range e.Related {
			fmt.Fprintf(&b, " %d", r.ID)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
