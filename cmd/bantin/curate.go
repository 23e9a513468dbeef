package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"bantin/config"
	"bantin/db"
	"bantin/web"
)

func cmdCurate(ctx context.Context, a *app, args []string) error {
	fs := a.flags("curate", "pin|unpin|hide|unhide TOPIC ITEM  |  list [TOPIC]\n"+
		"ITEM is an item's id, link, published entry id (tag:...) or upstream guid. A pin or hide covers\n"+
		"every item with the same canonical link, now and later, as a pin:/hide: link in the config does.")
	pos, err := a.parse(fs, args, 1, 3)
	if err != nil {
		return err
	}
	cfg, store, err := a.openExisting(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	verb := pos[0]
	if verb == "list" {
		if len(pos) > 2 {
			return &usageError{"curate list takes at most one TOPIC"}
		}
		topic := ""
		if len(pos) == 2 {
			// A former slug lists the topic it became; a topic gone from
			// the config only if curations are still stored under it.
			if t, _, ok := cfg.ResolveTopic(pos[1]); ok {
				topic = t.Slug
			} else if cur, err := store.Curations(ctx, pos[1]); err != nil {
				return err
			} else if len(cur) == 0 {
				return fmt.Errorf("no topic %q in %s", pos[1], cfg.Path)
			} else {
				topic = pos[1]
			}
		}
		return listCurations(ctx, a, cfg, store, topic)
	}
	var action string
	var on bool
	switch verb {
	case "pin", "unpin":
		action, on = db.Pin, verb == "pin"
	case "hide", "unhide":
		action, on = db.Hide, verb == "hide"
	default:
		return &usageError{fmt.Sprintf("unknown curate action %q (pin, unpin, hide, unhide, list)", verb)}
	}
	if len(pos) != 3 {
		return &usageError{"usage: bantin curate " + verb + " TOPIC ITEM"}
	}
	topic, ref := pos[1], pos[2]
	if t, renamed, ok := cfg.ResolveTopic(topic); renamed {
		fmt.Fprintf(a.stderr, "topic %q is now %q\n", topic, t.Slug)
		topic = t.Slug
	} else if !ok {
		// Curations stored under a topic gone from the config can still
		// be taken back.
		if cur, err := store.Curations(ctx, topic); err != nil {
			return err
		} else if on || len(cur) == 0 {
			return fmt.Errorf("no topic %q in %s", topic, cfg.Path)
		}
	}
	it, err := findItem(ctx, cfg, store, ref)
	if err != nil {
		return err
	}
	group, err := sameLink(ctx, store, it)
	if err != nil {
		return err
	}
	ids := make([]int64, len(group))
	for i := range group {
		ids[i] = group[i].ID
	}
	if err := store.SetCurations(ctx, topic, ids, action, on); err != nil {
		return err
	}
	done := map[string]string{"pin": "pinned", "unpin": "unpinned", "hide": "hidden", "unhide": "unhidden"}[verb]
	fmt.Fprintf(a.stdout, "%s in %s: %d %s\n", done, topic, it.ID, it.Title)
	for _, o := range group {
		if o.ID != it.ID {
			fmt.Fprintf(a.stdout, "  and %d %s (same link, source %s)\n", o.ID, o.Title, o.SourceID)
		}
	}
	if verb == "pin" {
		// A pin of an item whose source left the config holds, but
		// shows nowhere until the source is back: say so.
		for _, o := range group {
			if _, ok := cfg.Source(o.SourceID); ok {
				return nil
			}
		}
		fmt.Fprintf(a.stderr, "note: source %q is not in the config (%s): item %d is published nowhere until the source is back\n",
			it.SourceID, cfg.Path, it.ID)
	}
	return nil
}

// sameLink, itemsWithLink and findItem: see web.SameLink,
// web.ItemsWithLink and web.FindItem (the desk resolves items the same way).
func sameLink(ctx context.Context, store *db.DB, it db.Item) ([]db.Item, error) {
	return web.SameLink(ctx, store, it)
}

func itemsWithLink(ctx context.Context, store *db.DB, link string, more ...string) ([]db.Item, error) {
	return web.ItemsWithLink(ctx, store, link, more...)
}

func findItem(ctx context.Context, cfg *config.Config, store *db.DB, ref string) (db.Item, error) {
	return web.FindItem(ctx, cfg, store, ref)
}

// listCurations prints the curations stored with `bantin curate` and those
// written in the config (pin:/hide:), one line per item they cover, saying
// where each comes from (config entries with their own FILE:LINE).
func listCurations(ctx context.Context, a *app, cfg *config.Config, store *db.DB, topic string) error {
	cur, err := store.Curations(ctx, topic)
	if err != nil {
		return err
	}
	if t, ok := cfg.Topic(topic); ok {
		for _, alias := range t.Aliases { // not yet moved to the renamed topic
			more, err := store.Curations(ctx, alias)
			if err != nil {
				return err
			}
			cur = append(cur, more...)
		}
	}
	loc := cfg.Location()
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOPIC\tACTION\tITEM\tFROM\tTITLE / LINK")
	listed := map[string]bool{} // topic, action, item id
	row := func(topic, action string, it *db.Item, from, link string) {
		id, title := "-", link
		if it != nil {
			id = strconv.FormatInt(it.ID, 10)
			title = firstNonEmpty(it.Title, it.Link) + " <" + it.Link + ">"
			listed[topic+"\x00"+action+"\x00"+id] = true
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", topic+curationTopicNote(cfg, topic), action, id, from, title)
	}
	for _, c := range cur {
		from := "bantin curate (" + stamp(c.At, loc) + ")"
		if c.Editor != "" {
			from = "desk: " + c.Editor + " (" + stamp(c.At, loc) + ")"
		}
		row(c.Topic, c.Action, &db.Item{ID: c.ItemID, Title: c.Title, Link: c.Link}, from, c.Link)
	}
	// Items stored after a curation that share its link are covered too.
	for _, c := range cur {
		link := firstNonEmpty(c.CanonicalLink, c.Link)
		if link == "" {
			continue
		}
		items, err := itemsWithLink(ctx, store, link, c.Link)
		if err != nil {
			return err
		}
		for i := range items {
			if !listed[c.Topic+"\x00"+c.Action+"\x00"+strconv.FormatInt(items[i].ID, 10)] {
				row(c.Topic, c.Action, &items[i], fmt.Sprintf("bantin curate (same link as %d)", c.ItemID), "")
			}
		}
	}
	for i := range cfg.Topics {
		t := &cfg.Topics[i]
		if topic != "" && t.Slug != topic {
			continue
		}
		for _, e := range configCurations(t) {
			from := fmt.Sprintf("config %s:%d", e.pos.File, e.pos.Line)
			items, err := itemsWithLink(ctx, store, e.link)
			if err != nil {
				return err
			}
			if len(items) == 0 {
				row(t.Slug, e.action, nil, from, e.link)
			}
			for j := range items {
				row(t.Slug, e.action, &items[j], from, "")
			}
		}
	}
	return tw.Flush()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
