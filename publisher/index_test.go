package publisher

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"bantin/db"
)

// TestIndexTimesInDefaultZone: the index page shows item times in the
// config's defaults timezone with its UTC offset (and abbreviation); the
// machine-readable datetime stays RFC 3339 in UTC.
func TestIndexTimesInDefaultZone(t *testing.T) {
	published := time.Date(2020, 4, 26, 3, 11, 0, 0, time.UTC)
	tests := map[string]struct{ zone, want string }{
		"vietnam":       {"Asia/Ho_Chi_Minh", "2020-04-26 10:11 UTC+07:00"},
		"summer time":   {"Europe/Paris", "2020-04-26 05:11 CEST (UTC+02:00)"},
		"date line":     {"America/Los_Angeles", "2020-04-25 20:11 PDT (UTC-07:00)"},
		"utc":           {"UTC", "2020-04-26 03:11 UTC"},
		"no zone named": {"", "2020-04-26 03:11 UTC"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.cfg.Defaults.Timezone = tc.zone
			e.save("a", e.item("https://a.example.vn/1", "Giá xăng giảm", e.now.Sub(published), topicSlug))
			doc, err := html.Parse(bytes.NewReader(e.get("/").body))
			if err != nil {
				t.Fatal(err)
			}
			var shown, datetime []string
			htmlWalk(doc, func(n *html.Node) {
				if n.DataAtom != atom.Time {
					return
				}
				for _, a := range n.Attr {
					if a.Key == "datetime" {
						datetime = append(datetime, a.Val)
					}
				}
				if n.FirstChild != nil {
					shown = append(shown, n.FirstChild.Data)
				}
			})
			if len(shown) != 1 || shown[0] != tc.want {
				t.Errorf("index shows %q, want [%q]", shown, tc.want)
			}
			if want := "2020-04-26T03:11:00Z"; len(datetime) != 1 || datetime[0] != want {
				t.Errorf("datetime = %q, want [%q]", datetime, want)
			}
		})
	}
}

// topicReads counts the topic reads of a *db.DB by topic.
type topicReads struct {
	*db.DB
	mu    sync.Mutex
	reads map[string]int
}

func (c *topicReads) TopicItems(ctx context.Context, slug string, q db.ItemQuery) ([]db.Item, error) {
	c.mu.Lock()
	c.reads[slug]++
	c.mu.Unlock()
	return c.DB.TopicItems(ctx, slug, q)
}

func (c *topicReads) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.reads
	c.reads = map[string]int{}
	return out
}

// TestIndexComposesChangedTopicsOnly: the index, rendered again at every
// change of any topic, composes again only the topics that changed, and
// shows their new items; a reload composes every topic again.
func TestIndexComposesChangedTopicsOnly(t *testing.T) {
	e := newEnv(t)
	reads := &topicReads{DB: e.db, reads: map[string]int{}}
	e.srv.store = reads
	e.save("a", e.item("https://a.example.vn/1", "Giá nhà tăng", time.Hour, topicSlug))
	e.save("c", e.item("https://c.example.vn/3", "Chuyện khác", time.Hour, "khac"))
	e.get("/")
	if got := reads.take(); got[topicSlug] == 0 || got["khac"] == 0 {
		t.Fatalf("the first index render read the topics %v, want both", got)
	}
	e.save("b", e.item("https://b.example.vn/2", "Thị trường bất động sản", time.Minute, topicSlug))
	if body := string(e.get("/").body); !strings.Contains(body, "Thị trường bất động sản") {
		t.Errorf("the index lacks the new item of %s:\n%s", topicSlug, body)
	}
	if got := reads.take(); got[topicSlug] == 0 || got["khac"] != 0 {
		t.Errorf("after a change of %s the index read the topics %v, want %s only", topicSlug, got, topicSlug)
	}
	e.srv.Reload(e.cfg)
	e.get("/")
	if got := reads.take(); got[topicSlug] == 0 || got["khac"] == 0 {
		t.Errorf("after a reload the index read the topics %v, want both", got)
	}
}
