package aggregator

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bantin/db"
	"bantin/db/pgtest"
	"bantin/internal/testenv"
)

// TestOnPostgres runs tests written for SQLite once more with
// $BANTIN_DATABASE naming a fresh PostgreSQL schema (their config's
// database: is overridden).
func TestOnPostgres(t *testing.T) {
	pgtest.Again(t, db.EnvDatabase, map[string]func(*testing.T){
		"retention":               TestRetentionPrunesAndTombstones,
		"retention-removed":       TestRemovedSourceUnpublishedAndKeptForRetention,
		"write-merges-subscriber": TestWriteMergesSubscriberState,
		"tombstoned-reported":     TestPrunedItemsStillListedAreReported,
	})
}

// TestLateJobRenewsOrSkips: on PostgreSQL a job that waited until its
// lease ended is fetched only if no other instance has claimed the source
// meanwhile (its lease renewed first); otherwise it is skipped, unfetched,
// and the other instance's poll counts.
func TestLateJobRenewsOrSkips(t *testing.T) {
	t.Setenv(db.EnvDatabase, pgtest.URL(t))
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, okFeed)
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: taken, url: '{{URL}}/a'}\n  - {id: mine, url: '{{URL}}/b'}\n")
	p.Owner, p.LeaseTimeout = "A", time.Minute
	ctx := context.Background()
	host := hostOf(srv.URL)
	past := time.Now().Add(-2 * time.Minute)
	late := func(id string) job {
		claimed, err := store.ClaimSources(ctx, "A", []db.Candidate{{ID: id, Host: host}}, 4, 1, past, past.Add(time.Minute), true)
		if err != nil || len(claimed) != 1 || !claimed[0].OK {
			t.Fatalf("A claims %s: %+v, %v", id, claimed, err)
		}
		src, _ := p.Config().Source(id)
		return job{state: claimed[0].Source, src: src, host: host, lease: claimed[0].Until}
	}
	taken, mine := late("taken"), late("mine")
	// B claims "taken" once A's lease has ended.
	if _, c, err := store.ClaimSource(ctx, "taken", "B", host, 4, time.Now(), time.Now().Add(time.Minute), true); err != nil || !c.OK {
		t.Fatalf("B claims taken: %+v, %v", c, err)
	}
	if o := p.poll(ctx, taken, func() {}); !o.canceled || hits.Load() != 0 {
		t.Errorf("late job of a source B claimed: canceled %v, %d fetches; want skipped, none", o.canceled, hits.Load())
	}
	o := p.poll(ctx, mine, func() {})
	if o.canceled || o.err != nil || len(o.items) != 2 || hits.Load() != 1 {
		t.Errorf("late job nobody else claimed: canceled %v, err %v, %d items, %d fetches; want fetched", o.canceled, o.err, len(o.items), hits.Load())
	}
	// Its lease was renewed: B cannot claim it now.
	if _, c, _ := store.ClaimSource(ctx, "mine", "B", host, 4, time.Now(), time.Now().Add(time.Minute), true); c.OK {
		t.Errorf("B claims a source whose lease A renewed: %+v, want refused", c)
	}
}

// TestBusyHostDoesNotStarveOthers: on PostgreSQL, while another instance
// fills a host (per_host 1) whose due sources outnumber what one claim
// examines, a source of another host is polled at once rather than after
// the busy host frees; the busy host's sources are then each polled once.
func TestBusyHostDoesNotStarveOthers(t *testing.T) {
	t.Setenv(db.EnvDatabase, pgtest.URL(t))
	start := time.Now()
	var mu sync.Mutex
	first := map[string]time.Duration{}
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if hits[r.URL.Path]++; hits[r.URL.Path] == 1 {
			first[r.URL.Path] = time.Since(start)
		}
		mu.Unlock()
		io.WriteString(w, okFeed)
	}))
	defer srv.Close()
	const big = 40
	var src strings.Builder
	for i := range big {
		fmt.Fprintf(&src, "  - {id: big%02d, url: '{{URL}}/big/%d'}\n", i, i)
	}
	other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	fmt.Fprintf(&src, "  - {id: small, url: '%s/small'}\n", other)
	p, store := testPoller(t, srv.URL, src.String(), "  per_host: 1\n  workers: 2\n")
	p.Owner = "A"
	// Another instance holds 127.0.0.1's one slot for 1.5 s.
	ctx := context.Background()
	blocked := 1500 * time.Millisecond
	if _, c, err := store.ClaimSource(ctx, "big00", "B", "127.0.0.1", 1, time.Now(), time.Now().Add(blocked), true); err != nil || !c.OK {
		t.Fatalf("B claims big00: %+v, %v", c, err)
	}
	start = time.Now()
	res := pollAll(t, p, true)
	mu.Lock()
	defer mu.Unlock()
	if at, ok := first["/small"]; !ok || at > blocked/2 {
		t.Errorf("small (another host) first fetched after %v, want at once (127.0.0.1 was full for %v)", at, blocked)
	}
	for i := range big {
		if n := hits[fmt.Sprintf("/big/%d", i)]; n != 1 {
			t.Errorf("big%02d fetched %d times, want once", i, n)
		}
	}
	if len(res) != big+1 {
		t.Errorf("%d results, want %d", len(res), big+1)
	}
}

// TestLeaseLastsWhileInFlight: on PostgreSQL, a source whose fetch takes
// longer than the lease timeout stays leased to its poller until the
// outcome is stored: another instance cannot claim it (and fetch it again)
// meanwhile.
func TestLeaseLastsWhileInFlight(t *testing.T) {
	t.Setenv(db.EnvDatabase, pgtest.URL(t))
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(1600 * time.Millisecond) // under the fetch timeout of 2 s
		io.WriteString(w, okFeed)
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: slow, url: '{{URL}}/a'}\n")
	p.Owner, p.LeaseTimeout = "A", 500*time.Millisecond
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		sum, err := p.PollOnce(ctx, true, nil)
		if err == nil && (sum.Failed > 0 || sum.New != 2) {
			err = fmt.Errorf("poll: %+v", sum)
		}
		done <- err
	}()
	testenv.WaitFor(t, "A fetching", 10*time.Second, func() bool { return hits.Load() == 1 })
	// Twice the lease timeout after A's claim, the fetch still going.
	time.Sleep(time.Second)
	now := time.Now()
	if _, c, err := store.ClaimSource(ctx, "slow", "B", hostOf(srv.URL), 4, now, now.Add(time.Minute), true); err != nil || c.OK {
		t.Errorf("B claims the source A is still fetching: %+v, %v; want refused", c, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}
