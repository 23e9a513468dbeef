package db

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// The first-ingest write path as the pollers run it: group commits of
// fetches of 50 new items (one category-like tag each from a small
// vocabulary, two of five topics) from sources seen for the first time
// (each fetch names its source). On PostgreSQL the same work is also
// written by three instances at once, each with its own connections, as
// `bantin bench -database` runs its three pollers:
//
//	BANTIN_TEST_POSTGRES=... go test ./db -run '^$' -bench 'Ingest' -benchtime 40x

// ingestFetches builds n group commits of per fetches of source ids
// prefix0000.. (declared in d), 50 new items each.
func ingestFetches(tb testing.TB, d *DB, prefix string, n, per int) [][]Fetch {
	tb.Helper()
	ctx := context.Background()
	var ids []string
	for i := range n * per {
		ids = append(ids, fmt.Sprintf("%s%04d", prefix, i))
	}
	mustSync(tb, d, ids...)
	words := []string{"Hà Nội", "kinh tế", "thể thao", "giáo dục", "sức khỏe", "công nghệ", "du lịch", "pháp luật"}
	body := strings.Repeat("<p>Nội dung bài viết khá dài, về thời sự trong ngày. </p>", 18)
	batches := make([][]Fetch, n)
	for k, id := range ids {
		s, err := d.Source(ctx, id)
		if err != nil {
			tb.Fatal(err)
		}
		s.Title, s.SiteURL = "Báo "+id, "https://news.example/"+id
		s.LastAttempt, s.LastSuccess, s.LastStatus = t0, t0, 200
		var items []Item
		for i := range 50 {
			it := mkItem(id, fmt.Sprintf("%s-%d", id, i), i, []string{words[(k+i)%len(words)]},
				fmt.Sprintf("t%d", i%5), fmt.Sprintf("t%d", (i+2)%5))
			it.Content = body
			items = append(items, it)
		}
		batches[k/per] = append(batches[k/per], Fetch{Source: s, Items: items})
	}
	return batches
}

// saveBatches stores the group commits of batches in order.
func saveBatches(tb testing.TB, d *DB, batches [][]Fetch) {
	for _, fs := range batches {
		_, errs, err := d.SaveFetches(context.Background(), fs)
		if err != nil {
			tb.Error(err)
			return
		}
		for _, e := range errs {
			if e != nil {
				tb.Error(e)
				return
			}
		}
	}
}

// BenchmarkIngestGroupCommits: one instance stores b.N group commits of
// 4 fetches of 50 new items.
func BenchmarkIngestGroupCommits(b *testing.B) {
	d, _ := mustOpen(b)
	batches := ingestFetches(b, d, "s", b.N, 4)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	saveBatches(b, d, batches)
	reportRates(b, b.N*4*50, time.Since(start), cpuTime()-cpu0)
}

// BenchmarkIngestGroupCommits3: three instances (PostgreSQL) store b.N
// group commits each, at once; items/s is the three together, to be
// compared with BenchmarkIngestGroupCommits' (one instance).
func BenchmarkIngestGroupCommits3(b *testing.B) {
	postgresOnly(b)
	first, dsn := mustOpen(b)
	ds := []*DB{first}
	for range 2 {
		d, err := Open(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		ds = append(ds, d)
	}
	work := make([][][]Fetch, len(ds))
	for i, d := range ds {
		work[i] = ingestFetches(b, d, fmt.Sprintf("i%d-", i), b.N, 4)
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			saveBatches(b, d, work[i])
		}()
	}
	wg.Wait()
	reportRates(b, len(ds)*b.N*4*50, time.Since(start), cpuTime()-cpu0)
}
