package publisher

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bantin/db"
	"bantin/db/pgtest"
	"bantin/internal/fixture"
)

// TestReplicaSeesChangesAsTheyCommit: two replicas on one PostgreSQL
// database, each with its own connections, the second reading the change
// sequence on its own only once an hour: a change written through the
// first is served by the second within 2 s (LISTEN/NOTIFY).
func TestReplicaSeesChangesAsTheyCommit(t *testing.T) {
	t.Setenv(db.EnvDatabase, pgtest.URL(t)) // fixture.DB follows it
	a := newEnv(t)
	a.seed()
	b := New(testConfig(), fixture.DB(t, ""), nil)
	b.SeqCheckInterval = time.Hour
	b.now = func() time.Time { return a.now }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)
	ts := httptest.NewServer(b.Handler())
	defer ts.Close()
	feed := func() string {
		t.Helper()
		resp, err := http.Get(ts.URL + "/topics/" + topicSlug + ".rss")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	if f := feed(); !strings.Contains(f, "Giá nhà tăng") || strings.Contains(f, "Tin mới") {
		t.Fatalf("replica's feed before the change:\n%s", f)
	}
	a.save("a", a.item("https://a.example.vn/9", "Tin mới về nhà ở", 30*time.Minute, topicSlug))
	start := time.Now()
	for !strings.Contains(feed(), "Tin mới") {
		if time.Since(start) > 2*time.Second {
			t.Fatal("the change written through one replica is not served by the other after 2 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("served by the other replica %v after the write", time.Since(start).Round(time.Millisecond))
}
