package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestSetItemTags replaces stored tags in steps and checks each item's
// tags, the tag list with counts (what /tags/ serves) and whether the
// change sequence moved.
func TestSetItemTags(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	res := mustSave(t, d, "s", mkItem("s", "a", 1, []string{"Thời sự"}), mkItem("s", "b", 2, nil))
	a, b := res.IDs[0], res.IDs[1]
	steps := []struct {
		name     string
		set      map[int64][]Tag
		wantA    []string
		wantB    []string
		wantTags string // slug:name:count of listed tags
		wantBump bool
	}{
		{"source tag added to both", map[int64][]Tag{a: {{"thoi-su", "Thời sự", 0}, {"ha-noi", "Hà Nội", 0}}, b: {{"ha-noi", "Hà Nội", 0}}},
			[]string{"thoi-su", "ha-noi"}, []string{"ha-noi"}, "ha-noi:Hà Nội:2 thoi-su:Thời sự:1", true},
		{"same again: no change", map[int64][]Tag{a: {{"thoi-su", "x", 0}, {"ha-noi", "y", 0}}, b: {{"ha-noi", "", 0}}},
			[]string{"thoi-su", "ha-noi"}, []string{"ha-noi"}, "ha-noi:Hà Nội:2 thoi-su:Thời sự:1", false},
		{"repeats and empty slugs dropped, nameless named by slug", map[int64][]Tag{b: {{"moi", "", 0}, {"", "x", 0}, {"moi", "Mới", 0}}},
			[]string{"thoi-su", "ha-noi"}, []string{"moi"}, "ha-noi:Hà Nội:1 moi:moi:1 thoi-su:Thời sự:1", true},
		{"source tag removed; unknown id ignored", map[int64][]Tag{a: {{"thoi-su", "Thời sự", 0}}, 9999: {{"x", "x", 0}}},
			[]string{"thoi-su"}, []string{"moi"}, "moi:moi:1 thoi-su:Thời sự:1", true},
	}
	for _, st := range steps {
		before, _ := d.ChangeSeq(ctx)
		if err := d.SetItemTags(ctx, st.set); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		after, _ := d.ChangeSeq(ctx)
		if (after > before) != st.wantBump {
			t.Errorf("%s: bumped = %v, want %v", st.name, after > before, st.wantBump)
		}
		items, err := d.Items(ctx, []int64{a, b})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range [][]string{st.wantA, st.wantB} {
			got := []string{}
			for _, tg := range items[i].Tags {
				got = append(got, tg.Slug)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: item %s tags = %v, want %v", st.name, items[i].GUID, got, want)
			}
		}
		tags, _ := d.Tags(ctx)
		var got []string
		for _, tg := range tags {
			got = append(got, fmt.Sprintf("%s:%s:%d", tg.Slug, tg.Name, tg.Count))
		}
		if g := fmt.Sprint(got); g != "["+st.wantTags+"]" {
			t.Errorf("%s: Tags = %s, want [%s]", st.name, g, st.wantTags)
		}
		if items, _ := d.TagItems(ctx, "ha-noi", ItemQuery{}); len(items) != countIn(st.wantA, st.wantB, "ha-noi") {
			t.Errorf("%s: TagItems(ha-noi) = %v", st.name, guids(items))
		}
	}
}

func countIn(a, b []string, slug string) int {
	n := 0
	for _, l := range [][]string{a, b} {
		if slices.Contains(l, slug) {
			n++
		}
	}
	return n
}

// TestLookupsByLinkAndGUID covers the ways an editor names an item.
func TestLookupsByLinkAndGUID(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s", "u")
	s := mustSave(t, d, "s", mkItem("s", "a", 1, nil), mkItem("s", "dup", 2, nil))
	shared := mkItem("u", "b", 3, nil)
	shared.Link, shared.CanonicalLink = "https://news.example/s/a?utm_medium=y", "https://news.example/s/a"
	u := mustSave(t, d, "u", shared, mkItem("u", "dup", 4, nil))
	sa, sdup, ub, udup := s.IDs[0], s.IDs[1], u.IDs[0], u.IDs[1]
	ids := func(items []Item) []int64 {
		out := []int64{}
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	cases := []struct {
		name string
		get  func() ([]Item, error)
		want []int64
	}{
		{"by canonical link: both sources, newest first", func() ([]Item, error) { return d.ItemsByLink(ctx, "https://news.example/s/a") }, []int64{ub, sa}},
		{"by link as stored", func() ([]Item, error) { return d.ItemsByLink(ctx, "https://news.example/s/a?utm_source=x") }, []int64{sa}},
		{"empty links", func() ([]Item, error) { return d.ItemsByLink(ctx, "", "") }, []int64{}},
		{"guid in two sources", func() ([]Item, error) { return d.ItemsByGUID(ctx, "dup") }, []int64{sdup, udup}},
		{"unique guid", func() ([]Item, error) { return d.ItemsByGUID(ctx, "b") }, []int64{ub}},
		{"guids of a source", func() ([]Item, error) { return d.GUIDs(ctx, "s") }, []int64{sa, sdup}},
	}
	// The index of canonical links holds only those that differ from the
	// link (migration 0013); lookups still use it, not a scan of items.
	if !d.Postgres() {
		rows, err := d.SQL().QueryContext(ctx, "EXPLAIN QUERY PLAN "+itemByLinkSQL, "https://news.example/s/a")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, "INDEX items_canonical_link") || !strings.Contains(p, "INDEX items_link") {
			t.Errorf("ItemByLink's plan does not use both link indexes: %s", p)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items, err := c.get()
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(items); !slices.Equal(got, c.want) {
				t.Errorf("got ids %v, want %v", got, c.want)
			}
		})
	}

	// SetCurations is all or nothing.
	if err := d.SetCurations(ctx, "t", []int64{sa, 9999}, Hide, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetCurations with an unknown id: %v, want ErrNotFound", err)
	}
	if cs, _ := d.Curations(ctx, "t"); len(cs) != 0 {
		t.Errorf("a failed SetCurations stored %d curations", len(cs))
	}
	if err := d.SetCurations(ctx, "t", []int64{sa, ub}, Hide, true); err != nil {
		t.Fatal(err)
	}
	cs, _ := d.Curations(ctx, "t")
	if len(cs) != 2 || cs[0].CanonicalLink != "https://news.example/s/a" || cs[1].CanonicalLink != "https://news.example/s/a" {
		t.Errorf("Curations = %+v, want both items hidden with their canonical link", cs)
	}
}
