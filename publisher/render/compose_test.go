package render

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
)

var t0 = time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)

func mkItem(id int64, src, link, title string, age time.Duration) db.Item {
	return db.Item{
		ID: id, SourceID: src, GUID: fmt.Sprintf("g%d", id), Link: link, Title: title,
		Published: t0.Add(-age), Updated: t0.Add(-age), SourceTitle: "Source " + strings.ToUpper(src),
	}
}

// summary renders entries as "ID(related IDs)*" ("*" = pinned).
func summary(entries []Entry) string {
	var parts []string
	for _, e := range entries {
		s := fmt.Sprint(e.Item.ID)
		if len(e.Related) > 0 {
			var ids []string
			for _, r := range e.Related {
				ids = append(ids, fmt.Sprint(r.ID))
			}
			s += "(" + strings.Join(ids, ",") + ")"
		}
		if e.Pinned {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestCompose(t *testing.T) {
	off := false
	h := time.Hour
	// Three reports of one story: tracking parameters, host case, near title.
	story := []db.Item{
		mkItem(1, "a", "https://vnexpress.net/luat-dat-dai.html?utm_source=facebook&fbclid=XYZ", "Quốc hội thông qua Luật Đất đai sửa đổi", 1*h),
		mkItem(2, "b", "https://VNEXPRESS.net/luat-dat-dai.html#binh-luan", "Luật Đất đai: Quốc hội bỏ phiếu", 3*h),
		mkItem(3, "c", "https://thanhnien.vn/quoc-hoi-luat-dat-dai.htm", "Quốc hội chính thức thông qua luật đất đai sửa đổi", 2*h),
	}
	other := mkItem(4, "a", "https://vnexpress.net/bao-so-3.html", "Bão số 3 đổ bộ Quảng Ninh", 30*time.Minute)
	// bridge is newest first: b2, b1 (source b), a1 (source a).
	bridge := []db.Item{
		mkItem(3, "b", "https://b.example/y2", "Hà Nội: mở rộng đường Vành đai 4!", 2*h),
		mkItem(2, "b", "https://news.example/story-1", "Ha Noi ring road 4 widened", 3*h),
		mkItem(1, "a", "https://news.example/story-1?utm_source=rss", "Hà Nội mở rộng đường Vành đai 4", 4*h),
	}
	cases := []struct {
		name       string
		topic      config.Topic
		candidates []db.Item
		curations  []db.Curation
		want       string
	}{
		{
			name:       "three sources one story, earliest kept",
			candidates: []db.Item{other, story[0], story[2], story[1]},
			want:       "4 2(3,1)",
		},
		{
			name:       "dedupe off",
			topic:      config.Topic{Dedupe: &off},
			candidates: []db.Item{other, story[0], story[2], story[1]},
			want:       "4 1 3 2",
		},
		{
			name: "titles equal after folding within 48h",
			candidates: []db.Item{
				mkItem(1, "a", "https://a.vn/1", "BÃO SỐ 3 ĐỔ BỘ!", 1*h),
				mkItem(2, "b", "https://b.vn/2", "Bão số 3   đổ bộ", 2*h),
				mkItem(3, "c", "https://c.vn/3", "Bao so 3 do bo", 80*h),
			},
			want: "2(1) 3",
		},
		{
			name: "near titles outside 48h stay apart",
			candidates: []db.Item{
				mkItem(1, "a", "https://a.vn/1", "Quốc hội thông qua Luật Đất đai sửa đổi", 1*h),
				mkItem(2, "b", "https://b.vn/2", "Quốc hội chính thức thông qua luật đất đai sửa đổi", 60*h),
			},
			want: "1 2",
		},
		{
			name: "same title from one source is a series",
			candidates: []db.Item{
				mkItem(1, "a", "https://a.vn/1", "Bản tin thời sự sáng nay", 1*h),
				mkItem(2, "a", "https://a.vn/2", "Bản tin thời sự sáng nay", 25*h),
			},
			want: "1 2",
		},
		{
			name: "near titles with different numbers stay apart",
			candidates: []db.Item{
				mkItem(1, "a", "https://a.vn/1", "Kết quả xổ số miền Bắc ngày 10/3", 1*h),
				mkItem(2, "b", "https://b.vn/2", "Kết quả xổ số miền Bắc ngày 9/3", 20*h),
			},
			want: "1 2",
		},
		{
			name: "same link from one source is one story",
			candidates: []db.Item{
				mkItem(1, "a", "https://a.vn/1?utm_source=rss", "Tin A", 1*h),
				mkItem(2, "a", "https://a.vn/1", "Tin A (cập nhật)", 2*h),
			},
			want: "2(1)",
		},
		{
			name: "short titles are not near",
			candidates: []db.Item{
				mkItem(1, "a", "https://a.vn/1", "Tin sáng", 1*h),
				mkItem(2, "b", "https://b.vn/2", "Tin tối", 2*h),
			},
			want: "1 2",
		},
		{
			name:       "pins lead whatever their date",
			topic:      config.Topic{Pin: []string{"https://C.vn/old?utm_medium=x"}},
			candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "b", "https://b.vn/2", "Hai", 2*h), mkItem(3, "c", "https://c.vn/old", "Ba", 900*h), mkItem(5, "d", "https://d.vn/5", "Năm", 1000*h)},
			curations:  []db.Curation{{ItemID: 5, Action: db.Pin}},
			want:       "3* 5* 1 2",
		},
		{
			name:       "hides absent",
			topic:      config.Topic{Hide: []string{"https://B.vn/2#x"}},
			candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "b", "https://b.vn/2", "Hai", 2*h), mkItem(3, "c", "https://c.vn/3", "Ba", 3*h)},
			curations:  []db.Curation{{ItemID: 3, Action: db.Hide}, {ItemID: 1, Action: db.Hide, Topic: "other-topic"}},
			want:       "1",
		},
		{
			name:       "hidden wins over pinned",
			topic:      config.Topic{Hide: []string{"https://a.vn/1"}},
			candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "b", "https://b.vn/2", "Hai", 2*h)},
			curations:  []db.Curation{{ItemID: 1, Action: db.Pin}},
			want:       "2",
		},
		{
			name:       "max age",
			topic:      config.Topic{MaxAge: config.Duration(24 * h)},
			candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "b", "https://b.vn/2", "Hai", 23*h), mkItem(3, "c", "https://c.vn/3", "Ba", 25*h)},
			want:       "1 2",
		},
		{
			name:       "max per source",
			topic:      config.Topic{MaxPerSource: 2},
			candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "a", "https://a.vn/2", "Hai", 2*h), mkItem(3, "a", "https://a.vn/3", "Ba", 3*h), mkItem(4, "b", "https://b.vn/4", "Bốn", 4*h)},
			want:       "1 2 4",
		},
		{
			name:       "limit",
			topic:      config.Topic{Limit: 2},
			candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "b", "https://b.vn/2", "Hai", 2*h), mkItem(3, "c", "https://c.vn/3", "Ba", 3*h)},
			want:       "1 2",
		},
		{
			name:       "limit counts stories, not reports",
			topic:      config.Topic{Limit: 2},
			candidates: []db.Item{other, story[0], story[2], story[1], mkItem(9, "z", "https://z.vn/9", "Chín", 5*h)},
			want:       "4 2(3,1)",
		},
		{
			// The audit's case: b1 and a1 share a canonical link, a1 and
			// b2 a folded title; b1 and b2 (one source) are not compared
			// by title. a1 joins both entries: one entry, led by a1.
			name:       "a report of two entries' stories merges them",
			candidates: bridge,
			want:       "1(2,3)",
		},
		{
			name:       "merge into a pinned entry keeps the pinned lead",
			topic:      config.Topic{Pin: []string{"https://b.example/y2"}},
			candidates: bridge,
			want:       "3(1,2)*",
		},
		{
			name:       "merged entries free a place under the limit",
			topic:      config.Topic{Limit: 2},
			candidates: append(append([]db.Item(nil), bridge...), mkItem(7, "c", "https://c.vn/7", "Tin khác hẳn", 9*h)),
			want:       "1(2,3) 7",
		},
		{
			name:       "a DB curation covers the other items of its link",
			topic:      config.Topic{Dedupe: &off},
			candidates: bridge,
			curations:  []db.Curation{{ItemID: 2, Action: db.Hide, Link: "https://news.example/story-1", CanonicalLink: "https://news.example/story-1"}},
			want:       "3",
		},
		{
			name:       "a DB pin covers the other items of its link",
			topic:      config.Topic{Dedupe: &off},
			candidates: bridge,
			curations:  []db.Curation{{ItemID: 1, Action: db.Pin, Link: "https://news.example/story-1?utm_source=rss"}},
			want:       "2* 1* 3",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.topic.Slug = "t"
			before := fmt.Sprint(c.candidates)
			got := summary(Compose(c.topic, c.candidates, c.curations, t0))
			if got != c.want {
				t.Errorf("Compose = %q, want %q", got, c.want)
			}
			if after := fmt.Sprint(c.candidates); after != before {
				t.Errorf("Compose modified its candidates")
			}
		})
	}
}

func TestComposerStopsBeforeNewEntryWhenFull(t *testing.T) {
	c := NewComposer(config.Topic{Slug: "t", Limit: 1}, nil, t0, true)
	a := mkItem(1, "a", "https://a.vn/x?utm_source=1", "Một hai ba bốn", time.Hour)
	dup := mkItem(2, "b", "https://a.vn/x", "Khác", 2*time.Hour)
	next := mkItem(3, "c", "https://c.vn/3", "Ba", 3*time.Hour)
	for _, step := range []struct {
		item db.Item
		want bool
	}{{a, true}, {dup, true}, {next, false}} {
		if got := c.Add(step.item); got != step.want {
			t.Errorf("Add(%d) = %v, want %v", step.item.ID, got, step.want)
		}
	}
	if got, want := summary(c.Entries()), "2(1)"; got != want {
		t.Errorf("Entries = %q, want %q", got, want)
	}
}

func TestCanonLink(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"tracking and fragment", "HTTPS://Example.COM:443/a?utm_source=x&b=2&fbclid=1&a=1#frag", "https://example.com/a?a=1&b=2"},
		{"default http port, empty path", "http://example.com:80", "http://example.com/"},
		{"other port kept", "http://example.com:8080/x", "http://example.com:8080/x"},
		{"relative as written", "/a/b", "/a/b"},
		{"empty", "  ", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := canonLink(c.in); got != c.want {
				t.Errorf("canonLink(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestTitleSimilarity(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		near bool
	}{
		{"one word added", "Quốc hội thông qua Luật Đất đai sửa đổi", "Quốc hội chính thức thông qua luật đất đai sửa đổi", true},
		{"different story", "Quốc hội thông qua Luật Đất đai sửa đổi", "Quốc hội thông qua Luật Thủ đô", false},
		{"english word appended", "Storm Yagi hits northern Vietnam", "Storm Yagi hits northern Vietnam hard", true},
		{"english two words changed", "Storm Yagi hits northern Vietnam", "Typhoon Yagi hits northern Vietnam hard", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := jaccard(shingles(titleKey(c.a)), shingles(titleKey(c.b)))
			if got := j >= NearTitle; got != c.near {
				t.Errorf("jaccard = %.2f, near = %v, want %v", j, got, c.near)
			}
		})
	}
}

func TestComposerOlderPageLeavesPinsOut(t *testing.T) {
	pin := mkItem(1, "a", "https://a.vn/1", "Một", time.Hour)
	c := NewComposer(config.Topic{Slug: "t", Pin: []string{"https://a.vn/1"}}, []db.Curation{{ItemID: 2, Action: db.Pin}}, t0, false)
	c.AddPinned(pin)
	for _, it := range []db.Item{pin, mkItem(2, "b", "https://b.vn/2", "Hai", 2*time.Hour), mkItem(3, "c", "https://c.vn/3", "Ba", 3*time.Hour)} {
		c.Add(it)
	}
	if got, want := summary(c.Entries()), "3"; got != want {
		t.Errorf("older page = %q, want %q (pins only lead the first page)", got, want)
	}
}

// TestComposerMergeIsOrderIndependent offers the same reports in every
// order: the page (which entries, which report leads, the related ones) is
// the same, because the lead is always the earliest report.
func TestComposerMergeIsOrderIndependent(t *testing.T) {
	h := time.Hour
	items := []db.Item{
		mkItem(1, "a", "https://news.example/story-1?utm_source=rss", "Hà Nội mở rộng đường Vành đai 4", 4*h),
		mkItem(2, "b", "https://news.example/story-1", "Ha Noi ring road 4 widened", 3*h),
		mkItem(3, "b", "https://b.example/y2", "Hà Nội: mở rộng đường Vành đai 4!", 2*h),
		mkItem(4, "c", "https://c.example/4", "Ha Noi ring road 4 widened today", 5*h),
	}
	var perms [][]db.Item
	var permute func(prefix, rest []db.Item)
	permute = func(prefix, rest []db.Item) {
		if len(rest) == 0 {
			perms = append(perms, prefix)
			return
		}
		for i := range rest {
			next := append(append([]db.Item(nil), rest[:i]...), rest[i+1:]...)
			permute(append(append([]db.Item(nil), prefix...), rest[i]), next)
		}
	}
	permute(nil, items)
	const want = "4(1,2,3)"
	for _, p := range perms {
		c := NewComposer(config.Topic{Slug: "t"}, nil, t0, true)
		var order []string
		for _, it := range p {
			c.Add(it)
			order = append(order, fmt.Sprint(it.ID))
		}
		if got := summary(c.Entries()); got != want {
			t.Errorf("order %s: Entries = %q, want %q", strings.Join(order, ","), got, want)
		}
	}
}

// TestComposerFate checks what the Composer says became of each candidate.
func TestComposerFate(t *testing.T) {
	h := time.Hour
	off := false
	cases := []struct {
		name       string
		topic      config.Topic
		curations  []db.Curation
		candidates []db.Item
		item       int64 // candidate asked about (by ID)
		kind       FateKind
		entry      int64 // Fate.Entry.Item.ID
		index      int
	}{
		{name: "own entry", candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "b", "https://b.vn/2", "Hai", 2*h)},
			item: 2, kind: FateEntry, entry: 2, index: 2},
		{name: "folded into the earliest report", candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "b", "https://a.vn/1?utm_source=x", "Hai", 2*h)},
			item: 1, kind: FateFolded, entry: 2, index: 1},
		{name: "hidden", topic: config.Topic{Hide: []string{"https://a.vn/1"}}, candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h)},
			item: 1, kind: FateHidden},
		{name: "hidden by a curation of another item of its link", curations: []db.Curation{{ItemID: 9, Action: db.Hide, CanonicalLink: "https://a.vn/1"}},
			candidates: []db.Item{mkItem(1, "a", "https://a.vn/1#top", "Một", h)}, item: 1, kind: FateHidden},
		{name: "too old", topic: config.Topic{MaxAge: config.Duration(24 * h)}, candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", 25*h)},
			item: 1, kind: FateTooOld},
		{name: "max per source names the source's entry", topic: config.Topic{MaxPerSource: 1, Dedupe: &off},
			candidates: []db.Item{mkItem(1, "b", "https://b.vn/1", "Một", h), mkItem(2, "a", "https://a.vn/2", "Hai", 2*h), mkItem(3, "a", "https://a.vn/3", "Ba", 3*h)},
			item:       3, kind: FatePerSource, entry: 2, index: 2},
		{name: "page full", topic: config.Topic{Limit: 1}, candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "b", "https://b.vn/2", "Hai", 2*h)},
			item: 2, kind: FateFull},
		{name: "never offered", topic: config.Topic{Limit: 1}, candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(2, "b", "https://b.vn/2", "Hai", 2*h), mkItem(3, "c", "https://c.vn/3", "Ba", 3*h)},
			item: 3, kind: FateUnseen},
		{name: "pinned by link leads", topic: config.Topic{Pin: []string{"https://c.vn/3"}}, candidates: []db.Item{mkItem(1, "a", "https://a.vn/1", "Một", h), mkItem(3, "c", "https://c.vn/3", "Ba", 3*h)},
			item: 3, kind: FateEntry, entry: 3, index: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.topic.Slug = "t"
			comp := NewComposer(c.topic, c.curations, t0, true)
			var asked db.Item
			for _, it := range c.candidates {
				if it.ID == c.item {
					asked = it
				}
				if !comp.Add(it) {
					break
				}
			}
			f := comp.Fate(asked)
			if f.Kind != c.kind || f.Entry.Item.ID != c.entry || f.Index != c.index {
				t.Errorf("Fate(%d) = %s, entry %d at %d; want %s, entry %d at %d", c.item, f.Kind, f.Entry.Item.ID, f.Index, c.kind, c.entry, c.index)
			}
			// Fates, the composition's own account, agrees with Fate for
			// every candidate and lists each one offered exactly once.
			listed := map[int64]bool{}
			for _, cand := range comp.Fates() {
				if listed[cand.Item.ID] {
					t.Errorf("Fates lists %d twice", cand.Item.ID)
				}
				listed[cand.Item.ID] = true
				if g, w := cand.Fate, comp.Fate(cand.Item); g.Kind != w.Kind || g.Index != w.Index || g.Entry.Item.ID != w.Entry.Item.ID {
					t.Errorf("Fates says %d: %s at %d, Fate says %s at %d", cand.Item.ID, g.Kind, g.Index, w.Kind, w.Index)
				}
			}
			if listed[c.item] != (c.kind != FateUnseen) {
				t.Errorf("Fates lists %d: %t, fate %s", c.item, listed[c.item], c.kind)
			}
		})
	}
}
