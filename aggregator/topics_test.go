package aggregator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/internal/fixture"
)

const taggedFeed = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>https://example.com/</link>
<item><title>Tin một</title><link>https://example.com/1</link><guid>g1</guid><category>Thời sự</category><pubDate>Mon, 02 Nov 2026 10:00:00 +0700</pubDate></item>
<item><title>Tin hai</title><link>https://example.com/2</link><guid>g2</guid><pubDate>Mon, 02 Nov 2026 11:00:00 +0700</pubDate></item>
</channel></rss>`

// etagServer serves body with an ETag and answers 304 to a request that
// carries it.
func etagServer(t *testing.T, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// loadConfig writes a config with one source s (tags as YAML flow list,
// "" for none) and a topic hn matching tag "Hà Nội" into dir and loads it.
func loadConfig(t *testing.T, dir, url, tags string) *config.Config {
	t.Helper()
	src := fmt.Sprintf("  - {id: s, url: '%s/feed'}\n", url)
	if tags != "" {
		src = fmt.Sprintf("  - {id: s, url: '%s/feed', tags: %s}\n", url, tags)
	}
	yaml := "database: test.db\ndefaults: {retention: 3650d}\nsources:\n" + src +
		"topics:\n  - {slug: hn, title: HN, match: {tags: [Hà Nội]}}\n"
	return fixture.ConfigIn(t, dir, yaml)
}

// polledTagged polls taggedFeed once with the config of loadConfig
// (source without tags) into a fresh database in dir.
func polledTagged(t *testing.T) (*Poller, *db.DB, *httptest.Server, string) {
	t.Helper()
	ctx := context.Background()
	srv := etagServer(t, taggedFeed)
	dir := t.TempDir()
	cfg := loadConfig(t, dir, srv.URL, "")
	store := fixture.DB(t, cfg.Database)
	p, err := New(ctx, cfg, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.RecomputeTopics(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	pollAll(t, p, true)
	return p, store, srv, dir
}

// storedTags returns the tag slugs of the stored items by guid, and the
// guids of topic hn's members.
func storedTags(t *testing.T, store *db.DB) (map[string][]string, []string) {
	t.Helper()
	ctx := context.Background()
	items, err := store.ScanItems(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string][]string{}
	for _, it := range items {
		tags[it.GUID] = []string{}
		for _, tg := range it.Tags {
			tags[it.GUID] = append(tags[it.GUID], tg.Slug)
		}
	}
	members, err := store.TopicItems(ctx, "hn", db.ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var hn []string
	for _, it := range members {
		hn = append(hn, it.GUID)
	}
	slices.Sort(hn)
	return tags, hn
}

// TestRecomputeFollowsSourceTags changes a source's tags in the config:
// a re-poll that gets 304 (poll recomputes first, as `bantin poll` does)
// and a recompute by Topics (as `bantin serve` does on SIGHUP) rebuild
// every stored item's tags from its categories plus the source's current
// tags, and topic membership with them; removing the tag removes it.
func TestRecomputeFollowsSourceTags(t *testing.T) {
	ctx := context.Background()
	p, store, srv, dir := polledTagged(t)

	type want struct {
		tags map[string][]string
		hn   []string
	}
	none := want{map[string][]string{"g1": {"thoi-su"}, "g2": {}}, nil}
	tagged := want{map[string][]string{"g1": {"thoi-su", "ha-noi"}, "g2": {"ha-noi"}}, []string{"g1", "g2"}}
	check := func(stage string, w want) {
		t.Helper()
		tags, hn := storedTags(t, store)
		if fmt.Sprint(tags) != fmt.Sprint(w.tags) || !slices.Equal(hn, w.hn) {
			t.Errorf("%s: tags %v, hn %v; want tags %v, hn %v", stage, tags, hn, w.tags, w.hn)
		}
		_, err := store.Tag(ctx, "ha-noi")
		if has := err == nil; has != (w.hn != nil) {
			t.Errorf("%s: tag ha-noi listed = %v (%v), want %v", stage, has, err, w.hn != nil)
		}
	}
	check("first poll", none)

	stages := []struct {
		name, tags string
		recompute  func(cfg *config.Config) (int, error)
		want       want
	}{
		{"poller reload and 304 re-poll", `["Hà Nội"]`, func(cfg *config.Config) (int, error) {
			if err := p.Reload(ctx, cfg); err != nil {
				return 0, err
			}
			n, err := p.RecomputeTopics(ctx, false, nil)
			if res := pollAll(t, p, true); !res["s"].NotModified {
				t.Errorf("re-poll: %+v, want 304", res["s"])
			}
			return n, err
		}, tagged},
		{"serve: tag removed", "", func(cfg *config.Config) (int, error) {
			tp, err := NewTopics(store, cfg)
			if err != nil {
				return 0, err
			}
			return tp.RecomputeTopics(ctx, false, nil)
		}, none},
		{"serve: tag added again", `["Hà Nội"]`, func(cfg *config.Config) (int, error) {
			tp, err := NewTopics(store, cfg)
			if err != nil {
				return 0, err
			}
			return tp.RecomputeTopics(ctx, false, nil)
		}, tagged},
	}
	for _, s := range stages {
		cfg := loadConfig(t, dir, srv.URL, s.tags)
		n, err := s.recompute(cfg)
		if err != nil || n != 2 {
			t.Errorf("%s: recomputed %d items (%v), want 2", s.name, n, err)
		}
		check(s.name, s.want)
		// Nothing changed since: the next recompute is a no-op.
		tp, err := NewTopics(store, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := tp.RecomputeTopics(ctx, false, nil); n != 0 || err != nil {
			t.Errorf("%s: second recompute did %d items (%v), want 0", s.name, n, err)
		}
	}
}

// TestTopicMembersWritesNothing computes membership for a changed config
// in memory: the members are right, the database and its hash unchanged.
func TestTopicMembersWritesNothing(t *testing.T) {
	ctx := context.Background()
	_, store, srv, dir := polledTagged(t)
	seq, _ := store.ChangeSeq(ctx)

	next := loadConfig(t, dir, srv.URL, `["Hà Nội"]`)
	if ok, err := MembershipCurrent(ctx, store, next); ok || err != nil {
		t.Fatalf("MembershipCurrent after a tag change = %v, %v; want false", ok, err)
	}
	tp, err := NewTopics(store, next)
	if err != nil {
		t.Fatal(err)
	}
	_, cl := tp.snapshot()
	members, err := TopicMembers(ctx, store, next, cl, "hn", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var guids []string
	for _, it := range members {
		guids = append(guids, it.GUID)
	}
	if want := []string{"g2", "g1"}; !slices.Equal(guids, want) {
		t.Errorf("TopicMembers = %v, want %v (newest first)", guids, want)
	}
	if after, _ := store.ChangeSeq(ctx); after != seq {
		t.Errorf("TopicMembers wrote to the database (change seq %d -> %d)", seq, after)
	}
	if _, hn := storedTags(t, store); hn != nil {
		t.Errorf("stored hn members = %v, want none", hn)
	}
	if _, err := store.Tag(ctx, "ha-noi"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("tag ha-noi stored by TopicMembers: %v", err)
	}
}

func TestMembershipHash(t *testing.T) {
	base := func() *config.Config {
		return &config.Config{
			Sources: []config.Source{{ID: "a", Tags: []string{"Hà Nội"}}, {ID: "b"}},
			Topics:  []config.Topic{{Slug: "t", Match: &config.Rule{Keywords: []string{"x"}}}},
		}
	}
	cases := []struct {
		name   string
		change func(c *config.Config)
		same   bool
	}{
		{"unchanged", func(c *config.Config) {}, true},
		{"sources reordered", func(c *config.Config) { c.Sources[0], c.Sources[1] = c.Sources[1], c.Sources[0] }, true},
		{"source title changed", func(c *config.Config) { c.Sources[1].Title = "B" }, true},
		{"source tag added", func(c *config.Config) { c.Sources[1].Tags = []string{"Thời sự"} }, false},
		{"source tag removed", func(c *config.Config) { c.Sources[0].Tags = nil }, false},
		{"tag moved to another source", func(c *config.Config) { c.Sources[0].Tags, c.Sources[1].Tags = nil, c.Sources[0].Tags }, false},
		{"rule changed", func(c *config.Config) { c.Topics[0].Match.Keywords = []string{"y"} }, false},
		// Adding or removing a source, tagged or not, changes where its
		// items are published (a removed source's items nowhere); only
		// its items are reclassified (changedSources).
		{"untagged source added", func(c *config.Config) { c.Sources = append(c.Sources, config.Source{ID: "c"}) }, false},
		{"untagged source removed", func(c *config.Config) { c.Sources = c.Sources[:1] }, false},
	}
	want := MembershipHash(base())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := base()
			c.change(cfg)
			got := MembershipHash(cfg)
			if (got == want) != c.same {
				t.Errorf("MembershipHash same = %v, want %v", got == want, c.same)
			}
			// A source added or removed alone redoes only that source.
			if only, partial := changedSources(want, got); strings.HasPrefix(c.name, "untagged") && (!partial || len(only) != 1) {
				t.Errorf("changedSources = %v, %v; want one source", only, partial)
			}
		})
	}
}

// TestRecomputeOnlyTheSourcesWhoseTagsChanged: when only a source's tags
// change, only that source's items are reclassified; a topic change
// reclassifies everything; adding an untagged source nothing.
func TestRecomputeOnlyTheSourcesWhoseTagsChanged(t *testing.T) {
	ctx := context.Background()
	feed := func(n int, host string) string {
		var b strings.Builder
		b.WriteString(`<rss version="2.0"><channel><title>F</title>`)
		for i := range n {
			fmt.Fprintf(&b, `<item><title>Tin %d ở Hà Nội</title><link>https://%s/%d</link></item>`, i, host, i)
		}
		b.WriteString(`</channel></rss>`)
		return b.String()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/a") {
			io.WriteString(w, feed(2, "a.example.vn"))
		} else {
			io.WriteString(w, feed(3, "b.example.vn"))
		}
	}))
	defer srv.Close()
	p, _ := testPoller(t, srv.URL, "  - {id: a, url: '{{URL}}/a'}\n  - {id: b, url: '{{URL}}/b'}\n",
		"topics:\n  - {slug: hn, title: HN, match: {keywords: [ha noi]}}\n")
	pollAll(t, p, true)
	if _, err := p.RecomputeTopics(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	cfg, _ := p.snapshot()
	steps := []struct {
		name   string
		change func(c *config.Config)
		want   int
	}{
		{"tags on b", func(c *config.Config) { c.Sources[1].Tags = []string{"Hà Nội"} }, 3},
		{"untagged source added", func(c *config.Config) {
			c.Sources = append(c.Sources, config.Source{ID: "c", URL: srv.URL + "/c"})
		}, 0},
		{"tags on a, b unchanged", func(c *config.Config) { c.Sources[0].Tags = []string{"Thời sự"} }, 2},
		{"topic rule changed", func(c *config.Config) { c.Topics[0].Match = &config.Rule{Keywords: []string{"tin"}} }, 5},
		// A removed source's items leave the topic; back, they return.
		{"source b removed", func(c *config.Config) {
			c.Sources = slices.DeleteFunc(c.Sources, func(s config.Source) bool { return s.ID == "b" })
		}, 3},
		{"source b back", func(c *config.Config) { c.Sources = append(c.Sources, config.Source{ID: "b", URL: srv.URL + "/b"}) }, 3},
	}
	for _, st := range steps {
		next := *cfg
		next.Sources = slices.Clone(cfg.Sources)
		next.Topics = slices.Clone(cfg.Topics)
		st.change(&next)
		if err := p.Reload(ctx, &next); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		n, err := p.RecomputeTopics(ctx, false, nil)
		if err != nil || n != st.want {
			t.Errorf("%s: recomputed %d items (%v), want %d", st.name, n, err, st.want)
		}
		cfg = &next
	}
}

// TestPollerAndTopicsShareOneSnapshot: the poller's Topics follows every
// Poller.Reload (one config-and-rules snapshot for both), so a recompute
// through it works with the config the poller polls with.
func TestPollerAndTopicsShareOneSnapshot(t *testing.T) {
	ctx := context.Background()
	p, store, srv, dir := polledTagged(t)
	tp := p.Topics()
	if c, _ := tp.snapshot(); c == nil {
		t.Fatal("the poller's Topics holds no config")
	}
	cfg := loadConfig(t, dir, srv.URL, `["Hà Nội"]`)
	if err := p.Reload(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	pc, pcl := p.snapshot()
	tc, tcl := tp.snapshot()
	if pc != cfg || tc != cfg || pcl != tcl {
		t.Fatal("after Poller.Reload, the poller and its Topics do not hold the same config and rules")
	}
	if n, err := tp.RecomputeTopics(ctx, false, nil); err != nil || n != 2 {
		t.Errorf("recompute through the poller's Topics after its reload: %d items (%v), want 2", n, err)
	}
	if _, hn := storedTags(t, store); !slices.Equal(hn, []string{"g1", "g2"}) {
		t.Errorf("items tagged ha-noi: %v, want g1 g2", hn)
	}
}
