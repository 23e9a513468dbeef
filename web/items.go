package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"bantin/config"
	"bantin/db"
	"bantin/publisher/render"
)

// SameLink returns it and every other stored item with the same canonical
// link (render.LinkMatches), by id: what a curation of it covers. An
// item without a link covers itself only.
func SameLink(ctx context.Context, store *db.DB, it db.Item) ([]db.Item, error) {
	link := firstNonEmpty(it.CanonicalLink, it.Link)
	if link == "" {
		return []db.Item{it}, nil
	}
	items, err := ItemsWithLink(ctx, store, link, it.Link)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(items, func(o db.Item) bool { return o.ID == it.ID }) {
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b db.Item) int { return cmp.Compare(a.ID, b.ID) })
	return items, nil
}

// ItemsWithLink returns the stored items that a curation of link covers
// (render.LinkMatches), newest first; more are tried as lookup keys.
func ItemsWithLink(ctx context.Context, store *db.DB, link string, more ...string) ([]db.Item, error) {
	keys := append([]string{link, render.LinkKey(link)}, more...)
	items, err := store.ItemsByLink(ctx, keys...)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(items, func(o db.Item) bool { return !render.LinkMatches(o, link) }), nil
}

// FindItem resolves an ITEM argument: a stored item's numeric id, the id
// it is published with (tag:HOST,YEAR:SOURCE/DIGEST, see
// render.EntryID), its link, or its upstream guid. A guid that several
// sources use is ambiguous: the error lists the items.
func FindItem(ctx context.Context, cfg *config.Config, store *db.DB, ref string) (db.Item, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		it, err := store.Item(ctx, id)
		if err == nil || !errors.Is(err, db.ErrNotFound) {
			return it, err
		}
	}
	if it, ok, err := itemByEntryID(ctx, cfg, store, ref); ok || err != nil {
		return it, err
	}
	it, err := store.ItemByLink(ctx, ref)
	if errors.Is(err, db.ErrNotFound) && render.LinkKey(ref) != ref {
		it, err = store.ItemByLink(ctx, render.LinkKey(ref))
	}
	if !errors.Is(err, db.ErrNotFound) {
		return it, err
	}
	items, err := store.ItemsByGUID(ctx, ref)
	if err != nil {
		return db.Item{}, err
	}
	switch len(items) {
	case 0:
		return db.Item{}, fmt.Errorf("no stored item with id, entry id, link or guid %s", ref)
	case 1:
		return items[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "guid %s is ambiguous: %d sources use it; give one of these ids or entry ids:", ref, len(items))
	for _, o := range items {
		fmt.Fprintf(&b, "\n  %d  %s  source %s  %s", o.ID, render.EntryID(cfg.BaseURL, o.SourceID, o.GUID), o.SourceID, o.Title)
	}
	return db.Item{}, errors.New(b.String())
}

// itemByEntryID finds the item published with entry id ref; ok is false
// when ref is not such an id of a stored item.
func itemByEntryID(ctx context.Context, cfg *config.Config, store *db.DB, ref string) (db.Item, bool, error) {
	rest, ok := strings.CutPrefix(ref, "tag:")
	if !ok {
		return db.Item{}, false, nil
	}
	_, rest, ok = strings.Cut(rest, ":") // after "HOST,YEAR:"
	if !ok {
		return db.Item{}, false, nil
	}
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return db.Item{}, false, nil
	}
	src, err := url.PathUnescape(rest[:i])
	if err != nil {
		return db.Item{}, false, nil
	}
	refs, err := store.GUIDs(ctx, src)
	if err != nil {
		return db.Item{}, false, err
	}
	for _, r := range refs {
		if render.EntryID(cfg.BaseURL, src, r.GUID) == ref {
			it, err := store.Item(ctx, r.ID)
			return it, err == nil, err
		}
	}
	return db.Item{}, false, nil
}
