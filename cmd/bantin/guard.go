package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"

	"bantin/config"
	"bantin/db"
)

// storedRemoval is what cfg removes from the sources and topics the
// database holds as in use: its sources not marked removed and the topics
// with stored members (what the config last applied to it published).
func storedRemoval(ctx context.Context, store *db.DB, cfg *config.Config) (config.Removal, error) {
	sources, err := store.Sources(ctx)
	if err != nil {
		return config.Removal{}, err
	}
	var ids []string
	for _, s := range sources {
		if !s.Removed {
			ids = append(ids, s.ID)
		}
	}
	slugs, err := store.TopicSlugs(ctx)
	if err != nil {
		return config.Removal{}, err
	}
	return config.RemovalFrom(ids, slugs, cfg), nil
}

// removalAttrs are the log attributes of a removal: every count.
func removalAttrs(r config.Removal) []any {
	return []any{
		slog.Int("topics_before", r.Topics.Before), slog.Int("topics_after", r.Topics.After),
		slog.Int("topics_removed", len(r.Topics.Removed)),
		slog.Int("sources_before", r.Sources.Before), slog.Int("sources_after", r.Sources.After),
		slog.Int("sources_removed", len(r.Sources.Removed)),
	}
}

// warnStoredRemoval logs a warning when cfg, at start, removes more than
// half of the sources or topics the database holds (or all of either)
// and does not set allow_large_removal.
func warnStoredRemoval(ctx context.Context, log *slog.Logger, store *db.DB, cfg *config.Config) {
	r, err := storedRemoval(ctx, store, cfg)
	if err != nil {
		log.Warn("compare the config with the database", slog.Any("error", err))
		return
	}
	if r.Large() && !cfg.AllowLargeRemoval {
		log.Warn("the config "+r.String()+" that the database holds: a reload would refuse this without allow_large_removal: true",
			append([]any{slog.String("config", cfg.Path)}, removalAttrs(r)...)...)
	}
}

// warnOrphanCurations logs a warning naming the topics of stored
// curations that cfg no longer defines (nor lists as aliases).
func warnOrphanCurations(ctx context.Context, log *slog.Logger, store *db.DB, cfg *config.Config) {
	cur, err := store.Curations(ctx, "")
	if err != nil {
		log.Warn("list curations", slog.Any("error", err))
		return
	}
	orphans, topics := orphanTopics(cur, cfg)
	for _, t := range topics {
		log.Warn("stored curations of a topic the config no longer defines; if it was renamed, list its old slug under aliases:",
			slog.String("topic", t), slog.Int("curations", orphans[t]))
	}
}

// orphanTopics returns the topics of stored curations that cfg neither
// defines nor lists as a former slug (alias), with their curation counts,
// and the topics sorted.
func orphanTopics(curations []db.Curation, cfg *config.Config) (map[string]int, []string) {
	counts := map[string]int{}
	var topics []string
	for _, c := range curations {
		if _, _, ok := cfg.ResolveTopic(c.Topic); !ok {
			if counts[c.Topic] == 0 {
				topics = append(topics, c.Topic)
			}
			counts[c.Topic]++
		}
	}
	slices.Sort(topics)
	return counts, topics
}

// checkDatabase prints check's warnings about the database, when it
// exists: a config that removes much of what it holds, and curations of
// topics that no longer exist.
func checkDatabase(ctx context.Context, a *app, cfg *config.Config) {
	store, err := db.OpenReadOnly(ctx, cfg.Database)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: database %s not compared: %v (warning)\n", cfg.Path, db.Redact(cfg.Database), err)
		return
	}
	defer store.Close()
	r, err := storedRemoval(ctx, store, cfg)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: database %s not compared: %v (warning)\n", cfg.Path, db.Redact(cfg.Database), err)
		return
	}
	if r.Large() && !cfg.AllowLargeRemoval {
		fmt.Fprintf(a.stderr, "%s: compared with the database, the config %s: a running daemon refuses such a reload unless the file sets allow_large_removal: true (warning)\n",
			cfg.Path, r)
	}
	cur, err := store.Curations(ctx, "")
	if err != nil {
		fmt.Fprintf(a.stderr, "%s: database %s not compared: %v (warning)\n", cfg.Path, db.Redact(cfg.Database), err)
		return
	}
	orphans, topics := orphanTopics(cur, cfg)
	for _, t := range topics {
		fmt.Fprintf(a.stderr, "%s: the database holds %d curation(s) of topic %q, which the config no longer defines; if the topic was renamed, add aliases: [%s] to it (`bantin curate list %s` shows them) (warning)\n",
			cfg.Path, orphans[t], t, t, t)
	}
}

// curationTopicNote marks a stored curation's topic in `curate list`:
// "" for a topic of the config, else what became of it.
func curationTopicNote(cfg *config.Config, topic string) string {
	t, renamed, ok := cfg.ResolveTopic(topic)
	switch {
	case !ok:
		return " (no such topic)"
	case renamed:
		return " (renamed to " + t.Slug + ")"
	}
	return ""
}
