package db

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestSearchAfterPrune: items retention prunes leave search at once,
// whether they were indexed or still queued for it; what stays is found
// as before (ranked and by date, paged), and a pruned identity that the
// upstream feed sends again is neither stored nor found. On both engines.
func TestSearchAfterPrune(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	item := func(guid, title string, hours int) Item {
		it := mkItem("s", guid, 0, nil)
		it.Title, it.Published = title, t0.Add(time.Duration(hours)*time.Hour)
		return it
	}
	mustSave(t, d, "s",
		item("old1", "Bão số 4 đổ bộ Quảng Ngãi", -100),
		item("old2", "Giá vàng tăng mạnh", -90),
		item("new1", "Bão số 5 hướng vào Hà Tĩnh", 1),
		item("new2", "Giá vàng giảm nhẹ", 2),
		item("new3", "Hà Nội mưa lớn sau bão", 3))
	if _, err := d.IndexSearch(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// Saved but not yet indexed when retention runs.
	mustSave(t, d, "s", item("old3", "Bão cũ chưa kịp lập chỉ mục", -80))
	search := func(q string, byDate bool, limit, offset int) []string {
		t.Helper()
		res, err := d.Search(ctx, SearchQuery{Match: SearchMatch(SearchPhrases(q)), ByDate: byDate, Limit: limit, Offset: offset})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		out := guids(res)
		slices.Sort(out)
		return out
	}
	if got := search("bão", false, 50, 0); !slices.Equal(got, []string{"new1", "new3", "old1"}) {
		t.Fatalf("before the prune, bão: %q", got)
	}
	if n, err := d.Prune(ctx, "s", t0, 0); err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v; want 3", n, err)
	}
	if n, err := d.IndexSearch(ctx, 0); err != nil || n != 0 {
		t.Errorf("IndexSearch after the prune = %d, %v; want 0 (the queued item went with it)", n, err)
	}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"bão", []string{"new1", "new3"}},
		{"giá vàng", []string{"new2"}},
		{"chưa kịp", nil},
		{"quang ngai", nil},
	} {
		for _, byDate := range []bool{false, true} {
			if got := search(c.q, byDate, 50, 0); !slices.Equal(got, c.want) && (len(got) != 0 || len(c.want) != 0) {
				t.Errorf("after the prune, %q (by date %t): %q, want %q", c.q, byDate, got, c.want)
			}
		}
	}
	// Paged: the two pages hold what is left, once each.
	page1, page2 := search("bão", false, 1, 0), search("bão", false, 1, 1)
	both := append(page1, page2...)
	slices.Sort(both)
	if !slices.Equal(both, []string{"new1", "new3"}) {
		t.Errorf("pages of bão after the prune: %q then %q", page1, page2)
	}
	// The upstream feed still lists a pruned item: not stored again.
	mustSave(t, d, "s", item("old1", "Bão số 4 đổ bộ Quảng Ngãi", -100))
	if _, err := d.IndexSearch(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if got := search("quảng ngãi", false, 50, 0); len(got) != 0 {
		t.Errorf("a pruned item sent again is found: %q", got)
	}
}
