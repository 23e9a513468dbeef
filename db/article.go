package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// StoredArticle is what the database holds of an item's article page.
type StoredArticle struct {
	FullText string
	State    ArticleState
	// What the item holds that its article page may have given it.
	Title              string
	Published, Updated time.Time
	Authors            []Person
	Categories         []string
	ImageURL           string
	// Pruned: the identity has a tombstone, so the item is not stored
	// again (and its page need not be fetched).
	Pruned bool
}

// PendingArticles returns the items of source sourceID (with Tags and
// Topics) whose article page was not read yet after 1 to maxTries-1
// failed attempts, and whose next attempt is due at now.
func (d *DB) PendingArticles(ctx context.Context, sourceID string, maxTries int, now time.Time) ([]Item, error) {
	items, err := d.queryItems(ctx, `SELECT `+itemCols+` FROM items i JOIN sources s ON s.id = i.source_id
		WHERE i.source_id = ? AND i.full_text = '' AND i.article_tries BETWEEN 1 AND ? AND i.article_next <= ?
		ORDER BY i.id`, sourceID, maxTries-1, toNanos(now))
	if err != nil {
		return nil, fmt.Errorf("db: pending articles of %q: %w", sourceID, err)
	}
	return items, nil
}

// Articles returns, for those of guids stored for source sourceID, the
// full text of their article page and the state of its fetch, and which
// of guids were pruned; the poller
// reads it to fetch each article page once, not on every poll.
func (d *DB) Articles(ctx context.Context, sourceID string, guids []string) (map[string]StoredArticle, error) {
	out := make(map[string]StoredArticle, len(guids))
	for start := 0; start < len(guids); start += batchSize {
		chunk := guids[start:min(start+batchSize, len(guids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, sourceID)
		for _, g := range chunk {
			args = append(args, g)
		}
		rows, err := d.sql.QueryContext(ctx, `SELECT guid, full_text, article_tries, article_next, article_error,
			title, published, updated, authors, categories, image_url
			FROM items WHERE source_id = ? AND guid IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("db: read articles of %q: %w", sourceID, err)
		}
		for rows.Next() {
			var guid string
			var a StoredArticle
			var next, published, updated int64
			var authors, categories string
			if err := rows.Scan(&guid, &a.FullText, &a.State.Tries, &next, &a.State.Err,
				&a.Title, &published, &updated, &authors, &categories, &a.ImageURL); err != nil {
				rows.Close()
				return nil, fmt.Errorf("db: read articles of %q: %w", sourceID, err)
			}
			a.State.Next = fromNanos(next)
			a.Published, a.Updated = fromNanos(published), fromNanos(updated)
			if authors != "" {
				_ = json.Unmarshal([]byte(authors), &a.Authors)
			}
			if categories != "" {
				_ = json.Unmarshal([]byte(categories), &a.Categories)
			}
			out[guid] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("db: read articles of %q: %w", sourceID, err)
		}
		rows, err = d.sql.QueryContext(ctx, lookupTombsSQL+placeholders(len(chunk))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("db: read tombstones of %q: %w", sourceID, err)
		}
		for rows.Next() {
			var guid string
			if err := rows.Scan(&guid); err != nil {
				rows.Close()
				return nil, fmt.Errorf("db: read tombstones of %q: %w", sourceID, err)
			}
			a := out[guid]
			a.Pruned = true
			out[guid] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("db: read tombstones of %q: %w", sourceID, err)
		}
	}
	return out, nil
}
