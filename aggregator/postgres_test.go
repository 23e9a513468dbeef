package aggregator

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"bantin/db"
	"bantin/db/pgtest"
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
