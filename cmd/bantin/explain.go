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
	cfg, store, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	topic, ok := cfg.Topic(pos[0])
	if !ok {
		return fmt.Errorf("no topic %q in %s", pos[0], cfg.Path)
	}
	it, err := findItem(ctx, store, pos[1])
	if err != nil {
		return err
	}
	cl, err := classifier.Compile(cfg.Topics)
	if err != nil {
		return err
	}
	return explain(ctx, a.stdout, cl, store, topic, &it, time.Now())
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
	cfg, store, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	topic, ok := cfg.Topic(pos[0])
	if !ok {
		return fmt.Errorf("no topic %q in %s", pos[0], cfg.Path)
	}
	cl, err := classifier.Compile(cfg.Topics)
	if err != nil {
		return err
	}
	return preview(ctx, a.stdout, cfg, cl, store, topic, time.Now())
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
