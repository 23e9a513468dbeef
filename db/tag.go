package db

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"

	"bantin/internal/dedupe"
)

// SetItemTags replaces the tags of the items in m (item id -> tags, in
// order) in one transaction, as SaveFetch would have stored them: tags
// without a slug and repeated slugs are dropped, a slug not yet known is
// created with the tag's Name (its Slug when Name is empty). Items not in m
// are not touched; ids that no longer exist are ignored. An item whose
// stored tag slugs already equal the wanted ones, in order, is left as is,
// and the change sequence is bumped only when some item's tags changed.
func (d *DB) SetItemTags(ctx context.Context, m map[int64][]Tag) error {
	want := make(map[int64][]string, len(m))
	names := map[string]string{} // a new slug is named as the lowest item id names it
	for _, id := range slices.Sorted(maps.Keys(m)) {
		slugs := []string{}
		var seen dedupe.Seen[string]
		for _, t := range m[id] {
			if t.Slug == "" || !seen.Add(t.Slug) {
				continue
			}
			slugs = append(slugs, t.Slug)
			if names[t.Slug] == "" {
				names[t.Slug] = t.Name
			}
		}
		want[id] = slugs
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		upsert, err := tx.PrepareContext(ctx, `INSERT INTO tags (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO NOTHING`)
		if err != nil {
			return err
		}
		defer upsert.Close()
		var ch txChanges
		err = replaceMembership(ctx, tx, "item_tags", "tag_slug", want, &ch, func(slug string) error {
			_, err := upsert.ExecContext(ctx, slug, cmp.Or(names[slug], slug))
			return err
		})
		if err != nil {
			return err
		}
		return ch.flush(ctx, tx, d.pg)
	})
	if err != nil {
		return fmt.Errorf("db: set item tags: %w", err)
	}
	return nil
}
