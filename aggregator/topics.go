package aggregator

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"bantin/aggregator/classifier"
	"bantin/aggregator/normaliser"
	"bantin/config"
	"bantin/db"
)

// recomputeBatch is how many items one membership transaction covers, so
// recomputing never holds the database for long.
const recomputeBatch = 500

// membershipHashVersion changes when what Reclassify derives from the
// config changes, so that stored membership is recomputed once.
const membershipHashVersion = "bantin-membership-v2"

// MembershipHash returns the fingerprint of everything in cfg that
// decides what Reclassify stores for an item: a digest of the topics
// (config.TopicsHash), then one line per source with its tags (their
// order within a source counts: it is the order of the item's tags; the
// items of a source not listed belong nowhere). The database records the
// fingerprint its stored tags and topic membership were computed with; a
// config with another one needs RecomputeTopics, which redoes only the
// items of the sources added, removed or retagged when the topics did not
// change.
func MembershipHash(cfg *config.Config) string {
	src := make([]string, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		tags := s.Tags
		if tags == nil {
			tags = []string{}
		}
		b, _ := json.Marshal(tags)
		src = append(src, s.ID+"\t"+string(b))
	}
	slices.Sort(src)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s", membershipHashVersion, cfg.TopicsHash())
	var b strings.Builder
	b.WriteString(hex.EncodeToString(h.Sum(nil)))
	for _, s := range src {
		b.WriteString("\n" + s)
	}
	return b.String()
}

// changedSources compares two MembershipHash fingerprints: when their
// topics agree, it returns the sources whose tags differ (added, removed
// or changed) and true; else false (everything must be recomputed).
func changedSources(have, want string) ([]string, bool) {
	split := func(s string) (string, map[string]string) {
		lines := strings.Split(s, "\n")
		m := map[string]string{}
		for _, l := range lines[1:] {
			id, tags, _ := strings.Cut(l, "\t")
			m[id] = tags
		}
		return lines[0], m
	}
	ht, hs := split(have)
	wt, ws := split(want)
	if ht != wt {
		return nil, false
	}
	var out []string
	for id, tags := range ws {
		if hs[id] != tags {
			out = append(out, id)
		}
	}
	for id := range hs {
		if _, ok := ws[id]; !ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, true
}

// MembershipCurrent reports whether the stored tags and topic membership
// were computed under cfg (its MembershipHash is the one recorded).
func MembershipCurrent(ctx context.Context, store *db.DB, cfg *config.Config) (bool, error) {
	have, err := store.TopicsHash(ctx)
	if err != nil {
		return false, fmt.Errorf("aggregator: membership hash: %w", err)
	}
	return have == MembershipHash(cfg), nil
}

// Reclassify sets it.Tags and it.Topics to what a fetch under cfg would
// store: the tags are rebuilt from the item's upstream categories plus its
// source's current tags (normaliser.Tags), the topics classified by cl
// (compiled from cfg.Topics) at now. An item of a source that is no longer
// configured gets neither tags nor topics: it stays stored (for its
// source's retention), published nowhere, until the source comes back.
func Reclassify(cfg *config.Config, cl *classifier.Classifier, it *db.Item, now time.Time) {
	src, ok := cfg.Source(it.SourceID)
	if !ok {
		it.Tags, it.Topics = nil, nil
		return
	}
	it.Tags = normaliser.Tags(it.Categories, src.Tags)
	it.Topics = cl.Classify(DocOf(it), now)
}

// RecomputeTopics rebuilds the stored tags and topic membership of every
// stored item (Reclassify) when the config's MembershipHash differs from
// the one recorded (or always, with force), in batches, and then records
// the hash. progress, if not nil, is called after each batch with the
// number of items done. It returns the number of items reclassified. A
// config reload during the pass stops it early without recording the
// hash (the next call starts over with the new config).
func (p *Poller) RecomputeTopics(ctx context.Context, force bool, progress func(done int)) (int, error) {
	return recomputeTopics(ctx, p.Store, p.snapshot, p.Now(), force, progress)
}

// Topics holds the config in force and its compiled topic rules, and
// keeps the stored tags and topic membership in step with them. A Poller
// classifies with its Topics (Poller.Topics: one snapshot for both); a
// process that does not poll (bantin serve) has one of its own. It is
// safe for concurrent use.
type Topics struct {
	Store *db.DB
	// Now returns the current time; tests may replace it.
	Now func() time.Time

	mu  sync.RWMutex
	cfg *config.Config
	cl  *classifier.Classifier
}

// NewTopics returns a Topics for cfg (its topics compiled) on store.
func NewTopics(store *db.DB, cfg *config.Config) (*Topics, error) {
	t := &Topics{Store: store, Now: time.Now}
	if err := t.Reload(cfg); err != nil {
		return nil, err
	}
	return t, nil
}

// Reload switches to cfg; the next RecomputeTopics works with it.
func (t *Topics) Reload(cfg *config.Config) error {
	cl, err := classifier.Compile(cfg.Topics)
	if err != nil {
		return fmt.Errorf("aggregator: compile topics: %w", err)
	}
	t.set(cfg, cl)
	return nil
}

// set switches to cfg and its compiled topics.
func (t *Topics) set(cfg *config.Config, cl *classifier.Classifier) {
	t.mu.Lock()
	t.cfg, t.cl = cfg, cl
	t.mu.Unlock()
}

func (t *Topics) snapshot() (*config.Config, *classifier.Classifier) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.cfg, t.cl
}

// RecomputeTopics is Poller.RecomputeTopics for the config given to the
// last Reload.
func (t *Topics) RecomputeTopics(ctx context.Context, force bool, progress func(done int)) (int, error) {
	return recomputeTopics(ctx, t.Store, t.snapshot, t.Now(), force, progress)
}

// recomputeTopics is RecomputeTopics over the config and classifier that
// snapshot returns.
//
// On PostgreSQL it runs under a database-wide lock: of several instances
// that start (or reload) together with one config, the first recomputes
// and the others then find the membership current.
func recomputeTopics(ctx context.Context, store *db.DB, snapshot func() (*config.Config, *classifier.Classifier),
	now time.Time, force bool, progress func(done int)) (int, error) {
	var n int
	err := store.WithLock(ctx, "reclassify", func() error {
		var err error
		n, err = recomputeTopicsLocked(ctx, store, snapshot, now, force, progress)
		return err
	})
	return n, err
}

func recomputeTopicsLocked(ctx context.Context, store *db.DB, snapshot func() (*config.Config, *classifier.Classifier),
	now time.Time, force bool, progress func(done int)) (int, error) {
	cfg, cl := snapshot()
	want := MembershipHash(cfg)
	have, err := store.TopicsHash(ctx)
	if err != nil {
		return 0, fmt.Errorf("aggregator: recompute topics: %w", err)
	}
	if !force && have == want {
		return 0, nil
	}
	only, partial := changedSources(have, want)
	if !partial || force {
		// Everything is redone, the items of the sources no longer
		// configured first, so that they leave the published feeds
		// before the long pass.
		if only, err = unconfiguredSources(ctx, store, cfg); err != nil {
			return 0, fmt.Errorf("aggregator: recompute topics: %w", err)
		}
	}
	// The items of the sources added, removed or retagged (or, before a
	// full pass, of the sources removed).
	done := 0
	for _, id := range only {
		n, err := recomputeBatches(ctx, store, snapshot, cfg, cl, now, done, progress,
			func(after int64) ([]db.Item, error) { return store.ScanSourceItems(ctx, id, after, recomputeBatch) })
		if err != nil {
			return n, err
		}
		if n < 0 { // stale: a reload came
			return -1 - n, nil
		}
		done = n
	}
	if !partial || force {
		n, err := recomputeBatches(ctx, store, snapshot, cfg, cl, now, done, progress,
			func(after int64) ([]db.Item, error) { return store.ScanItems(ctx, after, recomputeBatch) })
		if err != nil {
			return n, err
		}
		if n < 0 { // stale: a reload came
			return -1 - n, nil
		}
		done = n
	}
	if err := store.SetTopicsHash(ctx, want); err != nil {
		return done, fmt.Errorf("aggregator: recompute topics: %w", err)
	}
	return done, nil
}

// unconfiguredSources returns the ids of the stored sources that cfg does
// not configure.
func unconfiguredSources(ctx context.Context, store *db.DB, cfg *config.Config) ([]string, error) {
	all, err := store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range all {
		if _, ok := cfg.Source(s.ID); !ok {
			out = append(out, s.ID)
		}
	}
	return out, nil
}

// recomputeBatches reclassifies and stores the items scan yields, batch
// by batch, counting on from done. It returns -1 - done when a config
// reload made the pass stale (the caller stops without recording the
// fingerprint; the next call starts over).
func recomputeBatches(ctx context.Context, store *db.DB, snapshot func() (*config.Config, *classifier.Classifier),
	cfg *config.Config, cl *classifier.Classifier, now time.Time, done int, progress func(done int),
	scan func(after int64) ([]db.Item, error)) (int, error) {
	var after int64
	for {
		items, err := scan(after)
		if err != nil {
			return done, fmt.Errorf("aggregator: recompute topics: %w", err)
		}
		if len(items) == 0 {
			break
		}
		tags := make(map[int64][]db.Tag, len(items))
		topics := make(map[int64][]string, len(items))
		for i := range items {
			it := &items[i]
			Reclassify(cfg, cl, it, now)
			tags[it.ID], topics[it.ID] = it.Tags, it.Topics
		}
		if err := store.SetItemTags(ctx, tags); err != nil {
			return done, fmt.Errorf("aggregator: recompute topics: %w", err)
		}
		if err := store.SetItemTopics(ctx, topics); err != nil {
			return done, fmt.Errorf("aggregator: recompute topics: %w", err)
		}
		after = items[len(items)-1].ID
		done += len(items)
		if progress != nil {
			progress(done)
		}
		// A config reload while we work makes this pass stale: stop, the
		// next call starts over with the new config.
		if c, _ := snapshot(); c != cfg {
			return -1 - done, nil
		}
	}
	return done, nil
}

// TopicMembers returns the stored items that belong to topic slug under
// cfg (Reclassify with cl at now; nothing is written), newest first by
// Published then ID, with Tags and Topics as cfg gives them: the
// membership a recompute would store, for showing a config whose
// membership is not stored yet (bantin preview). It reads every stored
// item once, in batches, and keeps only the members.
func TopicMembers(ctx context.Context, store *db.DB, cfg *config.Config, cl *classifier.Classifier, slug string, now time.Time) ([]db.Item, error) {
	var out []db.Item
	var after int64
	for {
		items, err := store.ScanItems(ctx, after, recomputeBatch)
		if err != nil {
			return nil, fmt.Errorf("aggregator: members of %q: %w", slug, err)
		}
		if len(items) == 0 {
			break
		}
		for i := range items {
			Reclassify(cfg, cl, &items[i], now)
			if slices.Contains(items[i].Topics, slug) {
				out = append(out, items[i])
			}
		}
		after = items[len(items)-1].ID
	}
	slices.SortFunc(out, func(a, b db.Item) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out, nil
}

// pruneBatch is how many items one retention transaction deletes.
const pruneBatch = 200

// Prune deletes items older than each source's retention (the default
// retention for sources no longer configured) that no topic pins, in
// small batches with pauses so polling is never blocked for long. It
// returns the number of items deleted.
func (p *Poller) Prune(ctx context.Context) (int, error) {
	cfg, _ := p.snapshot()
	total := 0
	// The items of sources removed from the config stay for the default
	// retention (so that putting the source back restores them), then go.
	gone, err := unconfiguredSources(ctx, p.Store, cfg)
	if err != nil {
		return 0, fmt.Errorf("aggregator: prune: %w", err)
	}
	sources := slices.Clone(cfg.Sources)
	for _, id := range gone {
		sources = append(sources, config.Source{ID: id, Settings: config.Settings{Retention: cfg.Defaults.Retention}})
	}
	for _, src := range sources {
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
