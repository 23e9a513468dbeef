package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
)

// Vocabulary of the synthetic corpus: common Vietnamese syllables and a
// few names, so that frequent words match tens of thousands of items.
var benchWords = strings.Fields(`và của có là được cho trong với người này những các một không đã đến
năm thì ngày khi nhiều về như cũng để từ theo sau trên tại ra vào làm mới nhà nước Việt Nam Hà Nội
kinh tế thị trường chứng khoán giá vàng tăng giảm đang Đảng đại hội chính phủ quốc hội dự án đầu tư
thành phố TP.HCM Đà Nẵng Huế Cần Thơ Hải Phòng bão lũ mưa lớn giao thông xe máy ô tô cầu đường
giáo dục học sinh sinh viên trường đại học bệnh viện y tế dịch bệnh vắc xin bóng đá đội tuyển
World Cup SEA Games doanh nghiệp xuất khẩu nhập khẩu lãi suất ngân hàng tỷ đồng USD điện mặt trời`)

const benchItems = 200_000

// benchFormat names the bench database's layout within a schema version.
const benchFormat = 2

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchStore builds a database of 200,000 items of about 60 words each,
// indexed for search, and keeps it in the user cache directory (named by
// schema version, so a new migration builds it again; delete it to
// rebuild): building it takes minutes. With $BANTIN_DATABASE naming a
// PostgreSQL database (an empty one the first time), it is built and kept
// there instead.
func benchStore(b *testing.B) (*db.DB, *config.Config) {
	benchOnce.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		benchDir = filepath.Join(cache, "bantin", fmt.Sprintf("search-bench-v%d.%d-%d", db.SchemaVersion(), benchFormat, benchItems))
		ctx := context.Background()
		if d, err := db.Open(ctx, benchDatabase()); err == nil {
			n, err := d.ItemCount(ctx)
			left, _ := d.IndexSearch(ctx, 0) // complete an interrupted build
			d.Close()
			if err == nil && n == benchItems && left == 0 {
				return
			}
			if err == nil && n != 0 && d.Postgres() {
				benchErr = fmt.Errorf("%s has %d items: the search bench needs an empty database or its own", db.Redact(benchDatabase()), n)
				return
			}
		}
		if !db.IsPostgres(benchDatabase()) {
			os.RemoveAll(benchDir)
		}
		start := time.Now()
		d, err := db.Open(ctx, benchDatabase())
		if err != nil {
			benchErr = err
			return
		}
		defer d.Close()
		var specs []db.SourceSpec
		for i := range 20 {
			specs = append(specs, db.SourceSpec{ID: fmt.Sprintf("s%d", i), URL: fmt.Sprintf("https://s%d.example.vn/rss", i)})
		}
		if benchErr = d.SyncSources(ctx, specs); benchErr != nil {
			return
		}
		rng := rand.New(rand.NewPCG(1, 2))
		text := func(n int) string {
			w := make([]string, n)
			for i := range w {
				w[i] = benchWords[rng.IntN(len(benchWords))]
			}
			return strings.Join(w, " ")
		}
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		const batch = 2000
		// Marked complete (ItemCount) only by the last batch's commit.
		for n := 0; n < benchItems; n += batch {
			src, err := d.Source(ctx, specs[(n/batch)%len(specs)].ID)
			if err != nil {
				benchErr = err
				return
			}
			items := make([]db.Item, batch)
			for i := range items {
				k := n + i
				items[i] = db.Item{GUID: fmt.Sprint(k), Link: fmt.Sprintf("https://x.example.vn/%d", k),
					Title: text(12), Summary: "<p>" + text(50) + "</p>", Published: t0.Add(time.Duration(k) * time.Minute)}
			}
			if _, err := d.SaveFetch(ctx, src, items); err != nil {
				benchErr = err
				return
			}
			if _, err := d.IndexSearch(ctx, batch); err != nil {
				benchErr = err
				return
			}
		}
		fmt.Fprintf(os.Stderr, "search bench: stored and indexed %d items in %.1f s\n", benchItems, time.Since(start).Seconds())
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	d, err := db.Open(context.Background(), benchDatabase())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	cfg, err := config.Parse([]byte("sources:\n  - id: s0\n    url: https://s0.example.vn/rss\n"), "")
	if err != nil {
		b.Fatal(err)
	}
	return d, cfg
}

// benchDatabase is the bench database: $BANTIN_DATABASE when it names
// PostgreSQL, else bench.db in benchDir.
func benchDatabase() string {
	if env := os.Getenv(db.EnvDatabase); db.IsPostgres(env) {
		return env
	}
	return filepath.Join(benchDir, "bench.db")
}

// BenchmarkSearch200k: one page of results (full-text candidates checked
// with the keyword rules) over 200,000 stored items, for frequent, rare,
// accented and joined queries. The target is under 100 ms per query.
//
//	go test ./web -run '^$' -bench Search200k -benchtime 20x
//	BANTIN_DATABASE=postgres://... go test ./web -run '^$' -bench Search200k -benchtime 20x
func BenchmarkSearch200k(b *testing.B) {
	d, cfg := benchStore(b)
	for _, q := range []string{"ha noi", "Hà Nội", "Đảng", "giá vàng tăng", "TPHCM", "thị trường chứng khoán", "World Cup", "khong co dau nao"} {
		b.Run(q, func(b *testing.B) {
			query, err := parseQuery(url.Values{"q": {q}}, cfg)
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			var n int
			b.ResetTimer()
			for range b.N {
				items, _, err := Search(context.Background(), d, query, false, now)
				if err != nil {
					b.Fatal(err)
				}
				n = len(items)
			}
			ms := float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N)
			b.ReportMetric(ms, "ms/query")
			b.ReportMetric(float64(n), "results")
			b.Logf("%q: %.1f ms per query (%d results on the page), %.2f of the 100 ms target", q, ms, n, ms/100)
		})
	}
}
