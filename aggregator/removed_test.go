package aggregator

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
)

// TestRemovedSourceUnpublishedAndKeptForRetention: a source removed from
// the config loses its items' tags and topics (also when the topics
// changed at the same time: full recompute) but its items stay stored;
// back in the config they are published again without a fetch; out of
// the config they are pruned at the default retention.
func TestRemovedSourceUnpublishedAndKeptForRetention(t *testing.T) {
	ctx := context.Background()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		host := strings.TrimPrefix(r.URL.Path, "/")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>F</title>`)
		for i := range 2 {
			fmt.Fprintf(w, `<item><title>Tin %d ở Hà Nội</title><link>https://%s.example.vn/%d</link><category>Thời sự</category>
				<pubDate>Mon, 02 Nov 2026 1%d:00:00 +0700</pubDate></item>`, i, host, i, i)
		}
		io.WriteString(w, `</channel></rss>`)
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: a, url: '{{URL}}/a'}\n  - {id: b, url: '{{URL}}/b', tags: [Nguồn B]}\n",
		"topics:\n  - {slug: hn, title: HN, match: {keywords: [ha noi]}}\n")
	pollAll(t, p, true)
	if _, err := p.RecomputeTopics(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	published := func() (hn, tags []string) {
		items, err := store.TopicItems(ctx, "hn", db.ItemQuery{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			hn = append(hn, it.SourceID)
		}
		slices.Sort(hn)
		all, err := store.Tags(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range all {
			tags = append(tags, fmt.Sprintf("%s=%d", tg.Slug, tg.Count))
		}
		return hn, tags
	}
	hn, tags := published()
	if want := []string{"a", "a", "b", "b"}; !slices.Equal(hn, want) {
		t.Fatalf("hn before: %v, want %v", hn, want)
	}
	if want := []string{"nguon-b=2", "thoi-su=4"}; !slices.Equal(tags, want) {
		t.Fatalf("tags before: %v, want %v", tags, want)
	}
	cfg, _ := p.snapshot()
	full := cfg
	cut := *cfg
	cut.Sources = slices.DeleteFunc(slices.Clone(cfg.Sources), func(s config.Source) bool { return s.ID == "b" })
	// The topic changes as well: a full recompute, removed sources first.
	cut.Topics = slices.Clone(cfg.Topics)
	cut.Topics[0].Match = &config.Rule{Keywords: []string{"tin"}}
	if err := p.Reload(ctx, &cut); err != nil {
		t.Fatal(err)
	}
	if _, err := p.RecomputeTopics(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	hn, tags = published()
	if want := []string{"a", "a"}; !slices.Equal(hn, want) {
		t.Errorf("hn without b: %v, want %v", hn, want)
	}
	if want := []string{"thoi-su=2"}; !slices.Equal(tags, want) {
		t.Errorf("tags without b: %v, want %v (tag nguon-b gone, counts without b)", tags, want)
	}
	if items, _ := store.ScanSourceItems(ctx, "b", 0, 10); len(items) != 2 {
		t.Errorf("b's items stored: %d, want 2", len(items))
	}

	// Back: published again, nothing fetched.
	before := hits.Load()
	if err := p.Reload(ctx, full); err != nil {
		t.Fatal(err)
	}
	if _, err := p.RecomputeTopics(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	hn, tags = published()
	if want := []string{"a", "a", "b", "b"}; !slices.Equal(hn, want) {
		t.Errorf("hn with b back: %v, want %v", hn, want)
	}
	if want := []string{"nguon-b=2", "thoi-su=4"}; !slices.Equal(tags, want) {
		t.Errorf("tags with b back: %v, want %v", tags, want)
	}
	if hits.Load() != before {
		t.Errorf("re-adding b fetched %d times", hits.Load()-before)
	}

	// Out again: pruned at defaults.retention (3650d here), not before.
	if err := p.Reload(ctx, &cut); err != nil {
		t.Fatal(err)
	}
	p.Now = func() time.Time { return time.Date(2036, 10, 1, 0, 0, 0, 0, time.UTC) }
	if n, err := p.Prune(ctx); err != nil || n != 0 {
		t.Errorf("prune within retention: %d, %v", n, err)
	}
	p.Now = func() time.Time { return time.Date(2036, 11, 10, 0, 0, 0, 0, time.UTC) }
	if n, err := p.Prune(ctx); err != nil || n != 4 {
		t.Errorf("prune past retention: %d (%v), want 4: a's and the removed b's", n, err)
	}
}
