package render

import (
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
)

// TestMaxPerSourceCountsMergedLeads: max_per_source holds for the entries
// as published when cross-source dedupe folds an earlier report of a
// capped source into another source's entry. Before, that report became
// the merged entry's lead and the source had 3 entries under a cap of 2.
func TestMaxPerSourceCountsMergedLeads(t *testing.T) {
	h := time.Hour
	a1 := mkItem(1, "a", "https://a.vn/1", "Hà Nội cấm xe máy từ năm 2030", 1*h)
	a2 := mkItem(2, "a", "https://a.vn/2", "Giá vàng SJC tăng vọt phiên sáng", 2*h)
	b1 := mkItem(3, "b", "https://b.vn/1", "Xăng RON 95 giảm hơn 500 đồng mỗi lít", 3*h)
	a3 := mkItem(4, "a", "https://a.vn/3", "Xăng RON 95 giảm hơn 500 đồng mỗi lít", 5*h) // same story as b1, earlier
	b2 := mkItem(5, "b", "https://b.vn/2", "Bão số 5 suy yếu thành áp thấp", 6*h)

	cases := []struct {
		name  string
		topic config.Topic
		want  string
	}{
		// a has a1 and a2: a3 may not lead the story of b1; it stays in
		// b1's entry as "also reported by".
		{"cap 2", config.Topic{MaxPerSource: 2}, "1 2 3(4) 5"},
		// Under the cap the earliest report leads, as always.
		{"cap 3", config.Topic{MaxPerSource: 3}, "1 2 4(3) 5"},
		{"no cap", config.Topic{}, "1 2 4(3) 5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			entries := Compose(tc.topic, []db.Item{a1, a2, b1, a3, b2}, nil, t0)
			if got := summary(entries); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if tc.topic.MaxPerSource == 0 {
				return
			}
			per := map[string]int{}
			for _, e := range entries {
				per[e.Item.SourceID]++
			}
			for src, n := range per {
				if n > tc.topic.MaxPerSource {
					t.Errorf("source %s leads %d entries, cap %d", src, n, tc.topic.MaxPerSource)
				}
			}
		})
	}

	// explain's view: a3 is folded into b1's entry, not over the cap.
	c := NewComposer(config.Topic{MaxPerSource: 2}, nil, t0, true)
	for _, it := range []db.Item{a1, a2, b1, a3, b2} {
		c.Add(it)
	}
	if f := c.Fate(a3); f.Kind != FateFolded || f.Entry.Item.ID != b1.ID {
		t.Errorf("fate of the capped source's earlier report: %s into %d, want folded into %d", f.Kind, f.Entry.Item.ID, b1.ID)
	}
}

// TestMaxPerSourceReadmitsAfterMerge: a report left out because its
// source had its cap comes back when dedupe later moves that source's
// entry under another source's lead (the cap no longer binds): the
// source is not left with fewer entries than its cap while a report of
// it was dropped.
func TestMaxPerSourceReadmitsAfterMerge(t *testing.T) {
	h := time.Hour
	a1 := mkItem(1, "a", "https://a.vn/1", "Xăng RON 95 giảm hơn 500 đồng mỗi lít", 1*h)
	a2 := mkItem(2, "a", "https://a.vn/2", "Giá vàng SJC tăng vọt phiên sáng", 2*h)      // over a's cap of 1, for now
	b1 := mkItem(3, "b", "https://b.vn/1", "Xăng RON 95 giảm hơn 500 đồng mỗi lít", 3*h) // a1's story, earlier: leads it
	b2 := mkItem(4, "b", "https://b.vn/2", "Bão số 5 suy yếu thành áp thấp", 6*h)
	topic := config.Topic{MaxPerSource: 1}
	if got, want := summary(Compose(topic, []db.Item{a1, a2, b1, b2}, nil, t0)), "2 3(1)"; got != want {
		t.Errorf("got %s, want %s (a's entry is led by b: a2 comes back; b2 is over b's cap)", got, want)
	}
	c := NewComposer(topic, nil, t0, true)
	for _, it := range []db.Item{a1, a2, b1, b2} {
		c.Add(it)
	}
	if f := c.Fate(a2); f.Kind != FateEntry {
		t.Errorf("explain's view of a2: %s, want an entry", f.Kind)
	}
}
