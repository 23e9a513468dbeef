package publisher

import (
	"context"
	"fmt"
	"strings"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/publisher/render"
)

// TopicPage returns the first page of topic t of cfg as the server would
// publish it at now (curation, dedupe and caps applied), for `bantin
// preview`.
func TopicPage(ctx context.Context, store *db.DB, cfg *config.Config, t *config.Topic, now time.Time) ([]render.Entry, error) {
	p, err := PreviewTopic(ctx, store, cfg, t, nil, now)
	if err != nil {
		return nil, err
	}
	return p.Entries, nil
}

// Preview is the first page of a topic as the server would publish it,
// and what became of every candidate (Fate).
type Preview struct {
	Entries []render.Entry
	c       *render.Composer
}

// Fate returns what became of it on the page. An item that was never
// offered (not a member of the topic, or the page was full before it)
// is FateUnseen, except that a hidden item is always FateHidden.
func (p *Preview) Fate(it db.Item) render.Fate {
	f := p.c.Fate(it)
	if f.Kind == render.FateUnseen && p.c.IsHidden(it) {
		f.Kind = render.FateHidden
	}
	return f
}

// PreviewTopic composes the first page of topic t of cfg at now exactly as the
// server does from store (the same queries, in the same order, through the
// same Composer). When members is not nil it stands for the topic's stored
// membership: the topic's members, newest first by Published then ID, as
// a config whose membership is not stored yet would make it (see
// aggregator.TopicMembers); pins and curations still come from store.
func PreviewTopic(ctx context.Context, store *db.DB, cfg *config.Config, t *config.Topic, members []db.Item, now time.Time) (*Preview, error) {
	rec := &recordingStore{store: store, slug: t.Slug, members: members}
	if members != nil {
		cur, err := store.Curations(ctx, t.Slug)
		if err != nil {
			return nil, err
		}
		rec.hidden = map[int64]bool{}
		for _, c := range cur {
			if c.Action == db.Hide {
				rec.hidden[c.ItemID] = true
			}
		}
	}
	one := *cfg // its sources, with t as the only topic
	one.Topics = []config.Topic{*t}
	s := newServer(&one, rec, nil)
	s.now = func() time.Time { return now }
	entries, _, err := s.composeTopic(ctx, *t, nil)
	if err != nil {
		return nil, err
	}
	// Offer the same candidates, in the order the server's loop did, to a
	// Composer we keep, so that Fate can say what became of each.
	c := render.NewComposer(*t, rec.curations, now, true)
	for _, it := range rec.pins {
		if fromConfigured(s.cfg.Load(), it) {
			c.AddPinned(it)
		}
	}
	for _, it := range rec.stream {
		if !fromConfigured(s.cfg.Load(), it) {
			continue
		}
		if !c.Add(it) {
			break
		}
	}
	if shape(c.Entries()) != shape(entries) {
		return nil, fmt.Errorf("publisher: preview of %q: replay differs from the composed page", t.Slug)
	}
	return &Preview{Entries: entries, c: c}, nil
}

// recordingStore is the store a preview composes from: it records what the
// server's composeTopic read (curations, pinned items, the candidate
// stream) and, when members is not nil, answers the topic's item pages
// from members instead of the stored membership.
type recordingStore struct {
	store
	slug    string
	members []db.Item      // nil: the stored membership
	hidden  map[int64]bool // items hidden by DB curation (with members)

	curations []db.Curation
	pins      []db.Item
	stream    []db.Item
}

func (r *recordingStore) Curations(ctx context.Context, topic string) ([]db.Curation, error) {
	cur, err := r.store.Curations(ctx, topic)
	r.curations = append(r.curations, cur...)
	return cur, err
}

func (r *recordingStore) Item(ctx context.Context, id int64) (db.Item, error) {
	it, err := r.store.Item(ctx, id)
	if err == nil {
		r.pins = append(r.pins, it)
	}
	return it, err
}

func (r *recordingStore) ItemByLink(ctx context.Context, link string) (db.Item, error) {
	it, err := r.store.ItemByLink(ctx, link)
	if err == nil {
		r.pins = append(r.pins, it)
	}
	return it, err
}

func (r *recordingStore) TopicItems(ctx context.Context, slug string, q db.ItemQuery) ([]db.Item, error) {
	var items []db.Item
	if r.members == nil || slug != r.slug {
		var err error
		if items, err = r.store.TopicItems(ctx, slug, q); err != nil {
			return nil, err
		}
	} else {
		items = r.page(q)
	}
	r.stream = append(r.stream, items...)
	return items, nil
}

// page is db.TopicItems over r.members.
func (r *recordingStore) page(q db.ItemQuery) []db.Item {
	limit := q.Limit
	if limit <= 0 {
		limit = db.DefaultLimit
	}
	var out []db.Item
	for _, it := range r.members {
		if len(out) == limit {
			break
		}
		if b := q.Before; b != nil && !(it.Published.Before(b.Published) || it.Published.Equal(b.Published) && it.ID < b.ID) {
			continue
		}
		if q.SkipHidden && r.hidden[it.ID] {
			continue
		}
		out = append(out, it)
	}
	return out
}

// shape is the entries' lead, related and pinned item ids, to compare pages.
func shape(entries []render.Entry) string {
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%d %t", e.Item.ID, e.Pinned)
		for _, r := range e.Related {
			fmt.Fprintf(&b, " %d", r.ID)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
