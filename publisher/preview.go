package publisher

import (
	"context"
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
// and what became of every candidate (Fate, Fates), as the one
// composition that built the page recorded it.
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

// Fates returns every candidate the composition was offered and what
// became of it (see render.Composer.Fates). Items hidden by a curation in
// the database are not offered (the query leaves them out): ask Fate.
func (p *Preview) Fates() []render.Candidate { return p.c.Fates() }

// PreviewTopic composes the first page of topic t of cfg at now exactly as the
// server does from store (the same queries, in the same order, through the
// same Composer), once: the entries and the fates come from that one
// composition. When members is not nil it stands for the topic's stored
// membership: the topic's members, newest first by Published then ID, as
// a config whose membership is not stored yet would make it (see
// aggregator.TopicMembers); pins and curations still come from store.
func PreviewTopic(ctx context.Context, database *db.DB, cfg *config.Config, t *config.Topic, members []db.Item, now time.Time) (*Preview, error) {
	var st store = database
	if members != nil {
		ms := &membersStore{store: database, slug: t.Slug, members: members}
		cur, err := database.Curations(ctx, t.Slug)
		if err != nil {
			return nil, err
		}
		ms.hidden = map[int64]bool{}
		for _, c := range cur {
			if c.Action == db.Hide {
				ms.hidden[c.ItemID] = true
			}
		}
		st = ms
	}
	one := *cfg // its sources, with t as the only topic
	one.Topics = []config.Topic{*t}
	s := newServer(&one, st, nil)
	s.now = func() time.Time { return now }
	c, _, err := s.composeTopic(ctx, *t, nil)
	if err != nil {
		return nil, err
	}
	return &Preview{Entries: c.Entries(), c: c}, nil
}

// membersStore answers the topic's item pages from members instead of the
// stored membership.
type membersStore struct {
	store
	slug    string
	members []db.Item      // the topic's members, newest first
	hidden  map[int64]bool // items hidden by DB curation
}

func (m *membersStore) TopicItems(ctx context.Context, slug string, q db.ItemQuery) ([]db.Item, error) {
	if slug != m.slug {
		return m.store.TopicItems(ctx, slug, q)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = db.DefaultLimit
	}
	var out []db.Item
	for _, it := range m.members {
		if len(out) == limit {
			break
		}
		if b := q.Before; b != nil && !(it.Published.Before(b.Published) || it.Published.Equal(b.Published) && it.ID < b.ID) {
			continue
		}
		if q.SkipHidden && m.hidden[it.ID] {
			continue
		}
		out = append(out, it)
	}
	return out, nil
}
