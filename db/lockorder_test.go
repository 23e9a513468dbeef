package db

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentBatchesDoNotDeadlock: two instances store batches whose
// fetches carry the same tags and topics in opposite orders, and the
// sources' first titles (which change the feeds of their items), at once;
// PostgreSQL records no deadlock (each would have cost a second and a
// retry) and every item is stored.
func TestConcurrentBatchesDoNotDeadlock(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	a, b := openTwo(t)
	const rounds = 15
	var ids []string
	for i := range 4 * rounds {
		ids = append(ids, fmt.Sprintf("s%03d", i))
	}
	mustSync(t, a, ids...)
	// Warm up: the feed_changes rows and tags exist, as in a running desk.
	mustSave(t, a, ids[0], mkItem(ids[0], "w", 0, []string{"Xa", "Ab"}, "t1", "t2"))
	deadlocks := func() int64 {
		var n int64
		if err := a.SQL().QueryRowContext(ctx, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := deadlocks()
	batch := func(d *DB, first, second string, r int) error {
		var fs []Fetch
		for k, tag := range []string{first, second} {
			id := ids[4*r+k+map[bool]int{true: 0, false: 2}[d == a]]
			s, err := d.Source(ctx, id)
			if err != nil {
				return err
			}
			s.Title = "Báo " + id // the fetch names the source: its feeds change too
			topic := map[string]string{"Xa": "t2", "Ab": "t1"}[tag]
			fs = append(fs, Fetch{Source: s, Items: []Item{mkItem(id, "g", r, []string{tag}, topic)}})
		}
		_, errs, err := d.SaveFetches(ctx, fs)
		if err != nil {
			return err
		}
		for _, e := range errs {
			if e != nil {
				return e
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*rounds)
	for r := range rounds {
		wg.Add(2)
		go func() { defer wg.Done(); errs <- batch(a, "Xa", "Ab", r) }()
		go func() { defer wg.Done(); errs <- batch(b, "Ab", "Xa", r) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := deadlocks() - before; n != 0 {
		t.Errorf("%d deadlocks between the two instances' writes, want 0", n)
	}
	if n, err := a.ItemCount(ctx); err != nil || n != 1+4*rounds {
		t.Errorf("items stored: %d (%v), want %d", n, err, 1+4*rounds)
	}
}
