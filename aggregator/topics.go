package aggregator

import (
	"context"
	"fmt"
	"time"
)

// recomputeBatch is how many items one membership transaction covers, so
// recomputing never holds the database for long.
const recomputeBatch = 500

// RecomputeTopics re-classifies every stored item when the config's topics
// differ from those the stored membership was computed with (or always,
// with force), in batches. progress, if not nil, is called after each batch
// with the number of items done. It returns the number of items classified.
func (p *Poller) RecomputeTopics(ctx context.Context, force bool, progress func(done int)) (int, error) {
	cfg, cl := p.snapshot()
	want := cfg.TopicsHash()
	have, err := p.Store.TopicsHash(ctx)
	if err != nil {
		return 0, fmt.Errorf("aggregator: recompute topics: %w", err)
	}
	if !force && have == want {
		return 0, nil
	}
	now := p.Now()
	var after int64
	done := 0
	for {
		items, err := p.Store.ScanItems(ctx, after, recomputeBatch)
		if err != nil {
			return done, fmt.Errorf("aggregator: recompute topics: %w", err)
		}
		if len(items) == 0 {
			break
		}
		m := make(map[int64][]string, len(items))
		for i := range items {
			m[items[i].ID] = cl.Classify(DocOf(&items[i]), now)
		}
		if err := p.Store.SetItemTopics(ctx, m); err != nil {
			return done, fmt.Errorf("aggregator: recompute topics: %w", err)
		}
		after = items[len(items)-1].ID
		done += len(items)
		if progress != nil {
			progress(done)
		}
		// A config reload while we work makes this pass stale: stop, the
		// next call starts over with the new topics.
		if c, _ := p.snapshot(); c != cfg {
			return done, nil
		}
	}
	if err := p.Store.SetTopicsHash(ctx, want); err != nil {
		return done, fmt.Errorf("aggregator: recompute topics: %w", err)
	}
	return done, nil
}

// pruneBatch is how many items one retention transaction deletes.
const pruneBatch = 200

// Prune deletes items older than each source's retention that no topic
// pins, in small batches with pauses so polling is never blocked for long.
// It returns the number of items deleted.
func (p *Poller) Prune(ctx context.Context) (int, error) {
	cfg, _ := p.snapshot()
	total := 0
	for _, src := range cfg.Sources {
		if src.Retention <= 0 {
			continue
		}
		before := p.Now().Add(-src.Retention.D())
		for {
			n, err := p.Store.Prune(ctx, src.ID, before, pruneBatch)
			total += n
			if err != nil {
				return total, fmt.Errorf("aggregator: prune %s: %w", src.ID, err)
			}
			if n < pruneBatch {
				break
			}
			select {
			case <-ctx.Done():
				return total, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
		// Tombstones of identities not seen upstream for a while go too.
		tombBefore := p.Now().Add(-max(src.Retention.D(), tombstoneKeep))
		for {
			n, err := p.Store.PruneTombstones(ctx, src.ID, tombBefore, 0)
			if err != nil {
				return total, fmt.Errorf("aggregator: prune %s: %w", src.ID, err)
			}
			if n < 1000 {
				break
			}
		}
	}
	return total, nil
}

// tombstoneKeep is the least time a tombstone is kept after its item was
// pruned or last listed upstream.
const tombstoneKeep = 90 * 24 * time.Hour
