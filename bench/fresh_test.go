package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/db"
)

// TestMeasureFreshness: the prober finds the items stored while it runs
// in the database, asks the feeds they changed (topic, tag, index) with
// If-None-Match, and times each change from its commit to the first
// response that shows it: here a server that shows each new item 300 ms
// after it was stored.
func TestMeasureFreshness(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "live.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.SyncSources(ctx, []db.SourceSpec{{ID: "s00007", URL: "http://127.0.0.1:1/live/7/20.xml"}}); err != nil {
		t.Fatal(err)
	}
	src, err := d.Source(ctx, "s00007")
	if err != nil {
		t.Fatal(err)
	}
	const delay = 300 * time.Millisecond
	var mu sync.Mutex
	var shown []string
	var reqs, conditional int
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		body := strings.Join(shown, "\n")
		reqs++
		if r.Header.Get("If-None-Match") != "" {
			conditional++
		}
		mu.Unlock()
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(body)))
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprintf(w, "<feed>%s</feed>", body)
	}))
	defer ts.Close()

	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var st FreshStats
	done := make(chan error, 1)
	go func() {
		var err error
		st, err = measureFreshness(pctx, path, strings.TrimPrefix(ts.URL, "http://"))
		done <- err
	}()
	base := time.Now().Truncate(time.Minute)
	for j := range 8 {
		link := fmt.Sprintf("https://nguon7.example/bai/%d.html", j)
		it := db.Item{SourceID: "s00007", GUID: fmt.Sprintf("l7-%d", j), Link: link, Title: fmt.Sprintf("Bài %d", j),
			Published: base.Add(time.Duration(j) * time.Second), Topics: []string{"chu-de-7"},
			Tags: []db.Tag{{Slug: "nhom-7", Name: "Nhóm 7"}}}
		it.Updated, it.FirstSeen = it.Published, time.Now()
		if _, err := d.SaveFetch(ctx, src, []db.Item{it}); err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(delay, func() {
			mu.Lock()
			shown = append(shown, link)
			mu.Unlock()
		})
		time.Sleep(200 * time.Millisecond) // the pace of the writes
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("freshness: %v", st.All)
	if st.All.N == 0 || st.ByKind["topic"].N == 0 || st.ByKind["tag"].N == 0 || st.ByKind["index"].N == 0 {
		t.Fatalf("changes probed: %+v", st)
	}
	if st.All.Unseen != 0 || st.All.P50 < delay || st.All.Max > delay+3*time.Second {
		t.Errorf("freshness %v, want about %v", st.All, delay)
	}
	mu.Lock()
	defer mu.Unlock()
	if conditional == 0 || conditional == reqs {
		t.Errorf("%d of %d requests conditional, want the repeated ones", conditional, reqs)
	}
}
