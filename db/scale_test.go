package db

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fill stores n items of source src in batches of 50, spread over topics
// t0..t3 and tags x0..x9 (skewed: every item has tag x0 and topic t0).
func fill(tb testing.TB, d *DB, src string, n int) {
	tb.Helper()
	for start := 0; start < n; start += 50 {
		var items []Item
		for i := start; i < min(start+50, n); i++ {
			topics := []string{"t0"}
			if i%4 != 0 {
				topics = append(topics, fmt.Sprintf("t%d", i%4))
			}
			items = append(items, mkItem(src, fmt.Sprintf("%s-%d", src, i), i,
				[]string{"x0", fmt.Sprintf("x%d", i%10)}, topics...))
		}
		mustSave(tb, d, src, items...)
	}
}

// queryPlan returns the EXPLAIN QUERY PLAN details of query, one per line.
func queryPlan(tb testing.TB, d *DB, query string, args ...any) string {
	tb.Helper()
	rows, err := d.SQL().Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		tb.Fatalf("EXPLAIN QUERY PLAN: %v", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			tb.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// TestQueryPlansUseIndexes checks, on a populated database with and
// without ANALYZE statistics,
// that feed pages are one index range scan in feed order (no sort of the
// whole membership) and that the other hot queries are indexed. (A SCAN of
// the tiny sources table is the planner's choice with two sources.)
func TestQueryPlansUseIndexes(t *testing.T) {
	sqliteOnly(t)
	d, _ := mustOpen(t)
	mustSync(t, d, "s1", "s2")
	n := 1500
	if raceEnabled {
		n = 300
	}
	fill(t, d, "s1", n)
	fill(t, d, "s2", n/3)
	c := Cursor{Published: t0.Add(time.Hour), ID: 100}
	topicQ, topicArgs := feedQuery("item_topics", "topic_slug", "t0", ItemQuery{Limit: 50})
	topicPageQ, topicPageArgs := feedQuery("item_topics", "topic_slug", "t1", ItemQuery{Limit: 50, Before: &c, SkipHidden: true})
	tagQ, tagArgs := feedQuery("item_tags", "tag_slug", "x0", ItemQuery{Limit: 50, Before: &c})
	for _, tc := range []struct {
		name    string
		query   string
		args    []any
		want    []string
		notWant []string
	}{
		{"topic page", topicQ, topicArgs,
			[]string{"SEARCH m USING COVERING INDEX item_topics_feed (topic_slug=?)", "INTEGER PRIMARY KEY"},
			[]string{"TEMP B-TREE", "SCAN m", "SCAN i"}},
		{"topic page with cursor and hidden", topicPageQ, topicPageArgs,
			[]string{"item_topics_feed (topic_slug=? AND (published,item_id)<(?,?))", "SEARCH c USING PRIMARY KEY"},
			[]string{"TEMP B-TREE", "SCAN m", "SCAN i"}},
		{"tag page with cursor", tagQ, tagArgs,
			[]string{"item_tags_feed (tag_slug=? AND (published,item_id)<(?,?))"},
			[]string{"TEMP B-TREE", "SCAN m", "SCAN i"}},
		{"item by link", itemByLinkSQL, []any{"x"},
			[]string{"items_link (link=?)", "items_canonical_link (canonical_link=?)"},
			[]string{"SCAN"}},
		{"prune candidates", pruneCandidatesSQL, []any{"s1", 1, 10},
			[]string{"items_source_published (source_id=? AND published<?)"},
			[]string{"SCAN", "TEMP B-TREE"}},
		{"stored identities", lookupItemsSQL + "?,?,?)", []any{"s1", "g", "h", "i"},
			[]string{"sqlite_autoindex_items_1 (source_id=? AND guid=?)"}, []string{"SCAN"}},
		{"tombstoned identities", lookupTombsSQL + "?,?,?)", []any{"s1", "g", "h", "i"},
			[]string{"SEARCH tombstones USING PRIMARY KEY (source_id=? AND guid=?)"}, []string{"SCAN"}},
		{"tags of a page", `SELECT it.item_id, it.tag_slug, t.name FROM item_tags it JOIN tags t ON t.slug = it.tag_slug
			WHERE it.item_id IN (?,?,?) ORDER BY it.item_id, it.position`, []any{1, 2, 3},
			[]string{"SEARCH it USING PRIMARY KEY (item_id=?)"}, []string{"SCAN"}},
	} {
		for _, phase := range []string{"without statistics", "after ANALYZE"} {
			if phase == "after ANALYZE" {
				if _, err := d.SQL().Exec("ANALYZE"); err != nil {
					t.Fatal(err)
				}
			}
			plan := queryPlan(t, d, tc.query, tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(plan, w) {
					t.Errorf("%s %s: plan lacks %q:\n%s", tc.name, phase, w, plan)
				}
			}
			for _, nw := range tc.notWant {
				if strings.Contains(plan, nw) {
					t.Errorf("%s %s: plan has %q:\n%s", tc.name, phase, nw, plan)
				}
			}
			if _, err := d.SQL().Exec("DROP TABLE IF EXISTS sqlite_stat1; DROP TABLE IF EXISTS sqlite_stat4; ANALYZE sqlite_schema"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestConcurrentReadersWhileWriting runs readers against a writer, and a
// second handle (as another process would) writing at the same time: no
// SQLITE_BUSY, readers see consistent, growing data.
func TestConcurrentReadersWhileWriting(t *testing.T) {
	ctx := context.Background()
	d, path := mustOpen(t)
	mustSync(t, d, "w1", "w2")
	d2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()

	batches, per := 12, 25
	if raceEnabled {
		batches = 4
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w, h := range []*DB{d, d2} {
		src := fmt.Sprintf("w%d", w+1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := h.Source(ctx, src)
			if err != nil {
				errs <- err
				return
			}
			for b := range batches {
				var items []Item
				for i := range per {
					items = append(items, mkItem(src, fmt.Sprintf("%d-%d", b, i), b*per+i, []string{"X"}, "t"))
				}
				if _, err := h.SaveFetch(ctx, s, items); err != nil {
					errs <- fmt.Errorf("writer %s: %w", src, err)
					return
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for r := range 4 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			last := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				n, err := d.ItemCount(ctx)
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				if n < last || n%per != 0 {
					errs <- fmt.Errorf("reader %d: item count %d after %d: not a whole number of batches or shrinking", r, n, last)
					return
				}
				last = n
				items, err := d.TopicItems(ctx, "t", ItemQuery{Limit: 20})
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				for _, it := range items {
					if len(it.Tags) != 1 || len(it.Topics) != 1 {
						errs <- fmt.Errorf("reader %d: item %d has tags %v topics %v", r, it.ID, it.Tags, it.Topics)
						return
					}
				}
				time.Sleep(time.Millisecond) // leave the writers some CPU
			}
		}()
	}
	wg.Wait()
	close(done)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := d.ItemCount(ctx); n != 2*batches*per {
		t.Errorf("ItemCount = %d, want %d", n, 2*batches*per)
	}
}

// BenchmarkSaveFetch50 measures storing fetches of 50 new items with two
// tags and a topic each (the first-ingest case).
func BenchmarkSaveFetch50(b *testing.B) {
	d, _ := mustOpen(b)
	mustSync(b, d, "s")
	s, _ := d.Source(context.Background(), "s")
	batches := make([][]Item, b.N)
	for n := range b.N {
		for i := range 50 {
			it := mkItem("s", fmt.Sprintf("%d-%d", n, i), n*50+i, []string{"Hà Nội", fmt.Sprintf("tag %d", i%20)}, "t")
			it.Content = strings.Repeat("<p>Nội dung bài viết khá dài. </p>", 40)
			batches[n] = append(batches[n], it)
		}
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for n := range b.N {
		if _, err := d.SaveFetch(context.Background(), s, batches[n]); err != nil {
			b.Fatal(err)
		}
	}
	reportRates(b, b.N*50, time.Since(start), cpuTime()-cpu0)
}

// reportRates reports items per wall second and per CPU second of this
// process (the latter is what counts on a machine shared with other load).
func reportRates(b *testing.B, n int, wall, cpu time.Duration) {
	b.ReportMetric(float64(n)/wall.Seconds(), "items/s")
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "items/cpu-s")
	}
}

// cpuTime returns the user+system CPU time used by this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSaveFetch50Unchanged measures a re-fetch of 50 known items.
func BenchmarkSaveFetch50Unchanged(b *testing.B) {
	d, _ := mustOpen(b)
	mustSync(b, d, "s")
	s, _ := d.Source(context.Background(), "s")
	var items []Item
	for i := range 50 {
		items = append(items, mkItem("s", fmt.Sprint(i), i, []string{"Hà Nội"}, "t"))
	}
	mustSave(b, d, "s", items...)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for range b.N {
		if _, err := d.SaveFetch(context.Background(), s, items); err != nil {
			b.Fatal(err)
		}
	}
	reportRates(b, b.N*50, time.Since(start), cpuTime()-cpu0)
}

// BenchmarkTopicPage100k measures reading a 50-item page (with tags, topics
// and source fields) from a topic and a tag of a 100,000-item database, at
// the head and deep in the feed through a cursor.
func BenchmarkTopicPage100k(b *testing.B) {
	ctx := context.Background()
	d, _ := mustOpen(b)
	mustSync(b, d, "s1", "s2", "s3", "s4")
	const n = 100_000
	for start := 0; start < n; start += 500 {
		src := fmt.Sprintf("s%d", start/500%4+1)
		var items []Item
		for i := start; i < start+500; i++ {
			topics := []string{"t0"}
			if i%4 != 0 {
				topics = append(topics, fmt.Sprintf("t%d", i%4))
			}
			items = append(items, mkItem(src, fmt.Sprint(i), i, []string{"x0", fmt.Sprintf("x%d", i%100)}, topics...))
		}
		mustSave(b, d, src, items...)
	}
	deep := &Cursor{Published: t0.Add(n / 2 * time.Minute), ID: n / 2}
	for _, bc := range []struct {
		name string
		run  func() ([]Item, error)
	}{
		{"topic head", func() ([]Item, error) { return d.TopicItems(ctx, "t0", ItemQuery{Limit: 50}) }},
		{"topic deep", func() ([]Item, error) {
			return d.TopicItems(ctx, "t2", ItemQuery{Limit: 50, Before: deep, SkipHidden: true})
		}},
		{"rare tag head", func() ([]Item, error) { return d.TagItems(ctx, "x42", ItemQuery{Limit: 50}) }},
		{"tags", func() ([]Item, error) { _, err := d.Tags(ctx); return nil, err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				if _, err := bc.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
