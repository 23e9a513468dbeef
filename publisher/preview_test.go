package publisher

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/publisher/render"
)

// TestPreviewFatesArePublished: what preview says became of each
// candidate (the fates of the one composition that built the page, not a
// second run) is what the published feed contains: every FateEntry is the
// feed's item at its index, every FateFolded is named in its entry's "also
// reported by" and is no item of its own, every other fate is absent, and
// the feed has no item preview does not list. Over configs that between
// them give every fate (a source removed from the config included).
func TestPreviewFatesArePublished(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := time.Minute
	e.save("c", e.item("https://c.example.vn/1", "Bão số 3 đổ bộ vào miền Trung", 30*m, topicSlug),
		e.item("https://c.example.vn/2", "Giá xăng dầu tăng từ chiều nay", 40*m, topicSlug))
	e.save("a", e.item("https://a.example.vn/1", "Giá nhà ở Hà Nội tăng mạnh", 60*m, topicSlug),
		e.item("https://a.example.vn/2", "Lãi suất ngân hàng tiếp tục giảm", 180*m, topicSlug))
	e.save("b", e.item("https://a.example.vn/1?utm_source=b", "Hà Nội: giá nhà tăng mạnh", 120*m, topicSlug))
	hiddenIDs := e.save("d", e.item("https://d.example.vn/4", "Tin bị ẩn trong cơ sở dữ liệu", 10*m, topicSlug),
		e.item("https://d.example.vn/1", "Tin bị ẩn trong cấu hình", 90*m, topicSlug),
		e.item("https://d.example.vn/2", "Chứng khoán hồi phục", 240*m, topicSlug),
		e.item("https://d.example.vn/3", "Tin được ghim từ hôm trước", 300*m, topicSlug))
	if err := e.db.SetCuration(ctx, topicSlug, hiddenIDs[0], db.Hide, true); err != nil {
		t.Fatal(err)
	}
	dbHidden, err := e.db.Item(ctx, hiddenIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		topic func(*config.Topic)
	}{
		{"limit, per source, dedupe, hide, pin", func(tp *config.Topic) {
			tp.Limit, tp.MaxPerSource = 3, 1
			tp.Hide = []string{"https://d.example.vn/1"}
			tp.Pin = []string{"https://d.example.vn/3"}
		}},
		{"max_age", func(tp *config.Topic) { tp.MaxAge = config.Duration(150 * m) }},
		{"source removed", nil},
	}
	kinds := map[render.FateKind]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := *e.cfg
			cfg.Topics = slices.Clone(e.cfg.Topics)
			if tc.topic != nil {
				tc.topic(&cfg.Topics[0])
			} else {
				cfg.Sources = slices.DeleteFunc(slices.Clone(cfg.Sources), func(s config.Source) bool { return s.ID == "c" })
			}
			e.srv.Reload(&cfg)
			var feed struct {
				Items []struct {
					ID      string `json:"id"`
					Content string `json:"content_html"`
				} `json:"items"`
			}
			if err := json.Unmarshal(e.get("/topics/"+topicSlug+".json").body, &feed); err != nil {
				t.Fatal(err)
			}
			published := map[string]bool{}
			for _, it := range feed.Items {
				published[it.ID] = true
			}
			p, err := PreviewTopic(ctx, e.db, &cfg, &cfg.Topics[0], nil, e.now)
			if err != nil {
				t.Fatal(err)
			}
			entries := 0
			for _, c := range p.Fates() {
				kinds[c.Fate.Kind] = true
				id := render.EntryID(testBase, c.Item.SourceID, c.Item.GUID)
				switch c.Fate.Kind {
				case render.FateEntry:
					entries++
					if i := c.Fate.Index - 1; i < 0 || i >= len(feed.Items) || feed.Items[i].ID != id {
						t.Errorf("%s: preview says entry %d, the feed does not have it there", c.Item.Link, c.Fate.Index)
					}
				case render.FateFolded:
					lead := render.EntryID(testBase, c.Fate.Entry.Item.SourceID, c.Fate.Entry.Item.GUID)
					i := c.Fate.Index - 1
					if published[id] || i < 0 || i >= len(feed.Items) || feed.Items[i].ID != lead ||
						!strings.Contains(feed.Items[i].Content, render.SourceName(c.Item)) {
						t.Errorf("%s: preview says folded into entry %d, the feed does not show it so", c.Item.Link, c.Fate.Index)
					}
				default:
					if published[id] {
						t.Errorf("%s: preview says %s, the feed publishes it", c.Item.Link, c.Fate.Kind)
					}
				}
			}
			if entries != len(feed.Items) || entries != len(p.Entries) {
				t.Errorf("preview has %d entries (%d on its page), the feed %d items", entries, len(p.Entries), len(feed.Items))
			}
			if f := p.Fate(dbHidden); f.Kind != render.FateHidden || published[render.EntryID(testBase, "d", dbHidden.GUID)] {
				t.Errorf("item hidden in the database: preview says %s, published %t", f.Kind, published[render.EntryID(testBase, "d", dbHidden.GUID)])
			}
		})
	}
	for _, k := range []render.FateKind{render.FateEntry, render.FateFolded, render.FateHidden, render.FatePerSource, render.FateFull, render.FateTooOld, render.FateNoSource} {
		if !kinds[k] {
			t.Errorf("no candidate was %s: the test does not cover it", k)
		}
	}
}
