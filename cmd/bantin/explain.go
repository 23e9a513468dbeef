package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"bantin/aggregator"
	"bantin/aggregator/classifier"
	"bantin/config"
	"bantin/db"
	"bantin/publisher"
)

func cmdExplain(ctx context.Context, a *app, args []string) error {
	fs := a.flags("explain", "TOPIC ITEM")
	pos, err := a.parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	tc, err := a.openTopic(ctx, pos[0])
	if err != nil {
		return err
	}
	defer tc.store.Close()
	it, err := findItem(ctx, tc.store, pos[1])
	if err != nil {
		return err
	}
	return explain(ctx, a.stdout, tc.cl, tc.store, tc.topic, &it, time.Now())
}

// topicContext is what explain and preview work on.
type topicContext struct {
	cfg   *config.Config
	store *db.DB
	topic *config.Topic
	cl    *classifier.Classifier
}

// openTopic loads the config, opens the database, finds the topic and
// compiles the topics; the caller closes tc.store.
func (a *app) openTopic(ctx context.Context, slug string) (*topicContext, error) {
	cfg, store, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	topic, ok := cfg.Topic(slug)
	if !ok {
		store.Close()
		return nil, fmt.Errorf("no topic %q in %s", slug, cfg.Path)
	}
	cl, err := classifier.Compile(cfg.Topics)
	if err != nil {
		store.Close()
		return nil, err
	}
	return &topicContext{cfg, store, topic, cl}, nil
}

// explain prints why it is or is not in topic: the rule tree, then curation.
func explain(ctx context.Context, w io.Writer, cl *classifier.Classifier, store *db.DB, topic *config.Topic, it *db.Item, now time.Time) error {
	ex, err := cl.Explain(topic.Slug, aggregator.DocOf(it), now)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "item %d: %s\n  %s\n  source %s, published %s\n\n", it.ID, it.Title, it.Link, it.SourceID, it.Published.UTC().Format(time.RFC3339))
	fmt.Fprint(w, ex.String())
	cur, err := store.Curations(ctx, topic.Slug)
	if err != nil {
		return err
	}
	for _, c := range cur {
		if c.ItemID == it.ID {
			fmt.Fprintf(w, "curation: %s (bantin curate, %s)\n", c.Action, c.At.UTC().Format(time.RFC3339))
		}
	}
	for _, l := range topic.Pin {
		if l == it.Link || l == it.CanonicalLink {
			fmt.Fprintf(w, "curation: pin (config %s:%d)\n", topic.Pos.File, topic.Pos.Line)
		}
	}
	for _, l := range topic.Hide {
		if l == it.Link || l == it.CanonicalLink {
			fmt.Fprintf(w, "curation: hide (config %s:%d)\n", topic.Pos.File, topic.Pos.Line)
		}
	}
	return nil
}

func cmdPreview(ctx context.Context, a *app, args []string) error {
	fs := a.flags("preview", "TOPIC")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	tc, err := a.openTopic(ctx, pos[0])
	if err != nil {
		return err
	}
	defer tc.store.Close()
	return preview(ctx, a.stdout, tc.cfg, tc.cl, tc.store, tc.topic, time.Now())
}

// preview prints the topic's first page as it would be published: title,
// source, date and why each entry is there.
func preview(ctx context.Context, w io.Writer, cfg *config.Config, cl *classifier.Classifier, store *db.DB, topic *config.Topic, now time.Time) error {
	entries, err := publisher.TopicPage(ctx, store, topic, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s — %s (%d entries, limit %d)\n", topic.Slug, topic.Title, len(entries), topic.Limit)
	for i, e := range entries {
		it := e.Item
		fmt.Fprintf(w, "\n%2d. %s\n    %s · %s · %s\n", i+1, it.Title, sourceName(cfg, &it), it.Published.UTC().Format("2006-01-02 15:04Z"), it.Link)
		why := "pinned"
		if !e.Pinned {
			why = whyLine(cl, topic.Slug, &it, now)
		}
		fmt.Fprintf(w, "    why: %s\n", why)
		if len(e.Related) > 0 {
			var names []string
			for _, r := range e.Related {
				names = append(names, sourceName(cfg, &r))
			}
			fmt.Fprintf(w, "    also reported by: %s\n", strings.Join(names, ", "))
		}
	}
	return nil
}

func sourceName(cfg *config.Config, it *db.Item) string {
	if s, ok := cfg.Source(it.SourceID); ok && s.Title != "" {
		return s.Title
	}
	if it.SourceTitle != "" {
		return it.SourceTitle
	}
	return it.SourceID
}

// whyLine condenses an explanation to the leaf rules that matched.
func whyLine(cl *classifier.Classifier, slug string, it *db.Item, now time.Time) string {
	ex, err := cl.Explain(slug, aggregator.DocOf(it), now)
	if err != nil {
		return err.Error()
	}
	var parts []string
	var walk func(s *classifier.Step, negated bool)
	walk = func(s *classifier.Step, negated bool) {
		if s == nil {
			return
		}
		if len(s.Steps) == 0 {
			if s.Matched != negated && s.Detail != "" {
				parts = append(parts, s.Rule+": "+s.Detail)
			}
			return
		}
		for _, c := range s.Steps {
			walk(c, negated || s.Rule == "none")
		}
	}
	walk(ex.Root, false)
	if len(parts) == 0 {
		return "rules matched"
	}
	return strings.Join(parts, "; ")
}
