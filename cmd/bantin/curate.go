package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"bantin/config"
	"bantin/db"
)

func cmdCurate(ctx context.Context, a *app, args []string) error {
	fs := a.flags("curate", "pin|unpin|hide|unhide TOPIC ITEM  |  list [TOPIC]")
	pos, err := a.parse(fs, args, 1, 3)
	if err != nil {
		return err
	}
	cfg, store, err := a.open(ctx)
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
			topic = pos[1]
			if _, ok := cfg.Topic(topic); !ok {
				return fmt.Errorf("no topic %q in %s", topic, cfg.Path)
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
	if _, ok := cfg.Topic(topic); !ok {
		return fmt.Errorf("no topic %q in %s", topic, cfg.Path)
	}
	it, err := findItem(ctx, store, ref)
	if err != nil {
		return err
	}
	if err := store.SetCuration(ctx, topic, it.ID, action, on); err != nil {
		return err
	}
	done := map[string]string{"pin": "pinned", "unpin": "unpinned", "hide": "hidden", "unhide": "unhidden"}[verb]
	fmt.Fprintf(a.stdout, "%s in %s: %d %s\n", done, topic, it.ID, it.Title)
	return nil
}

// findItem resolves an ITEM argument: a numeric id or an item's link.
func findItem(ctx context.Context, store *db.DB, ref string) (db.Item, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		it, err := store.Item(ctx, id)
		if errors.Is(err, db.ErrNotFound) {
			return it, fmt.Errorf("no item with id %d", id)
		}
		return it, err
	}
	it, err := store.ItemByLink(ctx, ref)
	if errors.Is(err, db.ErrNotFound) {
		return it, fmt.Errorf("no stored item with link %s", ref)
	}
	return it, err
}

// listCurations prints the curations stored with `bantin curate` and those
// written in the config (pin:/hide:), saying where each comes from.
func listCurations(ctx context.Context, a *app, cfg *config.Config, store *db.DB, topic string) error {
	cur, err := store.Curations(ctx, topic)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOPIC\tACTION\tITEM\tFROM\tTITLE / LINK")
	for _, c := range cur {
		fmt.Fprintf(tw, "%s\t%s\t%d\tbantin curate (%s)\t%s\n", c.Topic, c.Action, c.ItemID, c.At.Local().Format("2006-01-02 15:04"), firstNonEmpty(c.Title, c.Link))
	}
	for _, t := range cfg.Topics {
		if topic != "" && t.Slug != topic {
			continue
		}
		for _, pair := range []struct {
			action string
			links  []string
		}{{db.Pin, t.Pin}, {db.Hide, t.Hide}} {
			for _, link := range pair.links {
				id := "-"
				title := link
				if it, err := store.ItemByLink(ctx, link); err == nil {
					id = strconv.FormatInt(it.ID, 10)
					title = it.Title + " <" + link + ">"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\tconfig %s:%d\t%s\n", t.Slug, pair.action, id, t.Pos.File, t.Pos.Line, title)
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
