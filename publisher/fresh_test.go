package publisher

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bantin/db"
	"bantin/internal/testenv"
)

// slowTags is a *db.DB whose tag feed reads take delay more: each
// background render of a tag feed costs what a composition costs on a
// busy server.
type slowTags struct {
	*db.DB
	delay time.Duration
}

func (s slowTags) TagItems(ctx context.Context, slug string, q db.ItemQuery) ([]db.Item, error) {
	time.Sleep(s.delay)
	return s.DB.TagItems(ctx, slug, q)
}

// TestChangedFeedFreshUnderLoad: while readers hammer 12 other tag feeds
// that change all the time (so that the background renderer always has
// a backlog: each of their compositions takes 40 ms more), a change to
// one more feed is served soon after it is stored: within 2 s on a quiet
// machine (the bench -live target), within 4 s here so that a loaded CI
// machine running the race detector has room. Before, the
// renderer rested twice as long as each render took however old the
// backlog, and a format rendered with its siblings and queued again
// came back to its old place in the queue (ahead of the changed feed):
// it was served after 8 s (0.9-1.1 s now, with -race too).
func TestChangedFeedFreshUnderLoad(t *testing.T) {
	e := newEnv(t)
	e.now = time.Now().UTC().Truncate(time.Second)
	e.srv.store = slowTags{DB: e.db, delay: 40 * time.Millisecond}
	const others = 12
	tag := func(i int) db.Tag {
		return db.Tag{Slug: fmt.Sprintf("the-%02d", i), Name: fmt.Sprintf("Thẻ %02d", i)}
	}
	var churn []db.Tag
	var paths []string
	for i := range others {
		churn = append(churn, tag(i))
		for _, f := range []string{".rss", ".atom", ".json"} {
			paths = append(paths, "/tags/"+tag(i).Slug+f)
		}
	}
	target := "/tags/" + tag(others).Slug + ".atom"
	first := e.item("https://a.example.vn/0", "Tin đầu tiên", time.Hour)
	first.Tags = append(append([]db.Tag{}, churn...), tag(others))
	e.save("a", first)
	for _, p := range append(paths, target) {
		e.get(p)
	}
	var clock atomic.Int64
	runLoop(t, e, &clock)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	fetch := func(path string) string {
		resp, err := client.Get(e.ts.URL + path)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	for r := range 4 {
		wg.Go(func() {
			for i := r; ctx.Err() == nil; i++ {
				fetch(paths[i%len(paths)])
			}
		})
	}
	src, err := e.db.Source(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for n := 1; ctx.Err() == nil; n++ {
			// One item changing (its title), so the feeds stay small.
			it := e.item("https://b.example.vn/1", fmt.Sprintf("Tin thứ %d", n), time.Minute)
			it.SourceID, it.GUID, it.Tags = "b", it.Link, churn
			it.Updated, it.FirstSeen = it.Published, it.Published
			e.db.SaveFetch(ctx, src, []db.Item{it})
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
	})
	// The backlog: a round of the other feeds' renders under the churn.
	renders := e.srv.Renders()
	testenv.WaitFor(t, "the renderer to go round the changing feeds", 30*time.Second, func() bool {
		return e.srv.Renders()-renders >= 3*others
	})

	news := e.item("https://c.example.vn/1", "Tin mới của thẻ", time.Minute)
	news.Tags = []db.Tag{tag(others)}
	e.save("c", news)
	stored := time.Now()
	testenv.WaitFor(t, "the changed feed to be served with its new item within 4 s", 4*time.Second, func() bool {
		return strings.Contains(fetch(target), "Tin mới của thẻ")
	})
	t.Logf("served changed %v after it was stored; %d renders", time.Since(stored).Round(time.Millisecond), e.srv.Renders()-renders)
}
