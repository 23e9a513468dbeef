package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Curation actions.
const (
	Pin  = "pin"
	Hide = "hide"
)

// Curation is an editor's decision about one item in one topic.
type Curation struct {
	Topic  string
	ItemID int64
	Link   string // the item's link
	// CanonicalLink is the item's canonical link: publishing applies the
	// curation to every item that shares it (see publisher/render.Composer).
	CanonicalLink string
	Title         string // the item's title
	Action        string // Pin or Hide
	At            time.Time
	// Editor is who made the curation: the signed-in editor's name on
	// the web desk, "" for the command line.
	Editor string
}

// SetCuration turns action (Pin or Hide) on or off for the item in topic.
// An item has at most one action per topic: pinning a hidden item unhides
// it and vice versa. Turning off an action the item does not have is a
// no-op. It returns ErrNotFound for an unknown item. Curations disappear
// with their item (when pruning removes it; pinned items are never pruned).
func (d *DB) SetCuration(ctx context.Context, topic string, itemID int64, action string, on bool) error {
	return d.SetCurations(ctx, topic, []int64{itemID}, action, on)
}

// SetCurations is SetCuration for several items at once, in one
// transaction: either every item's curation changes or none does (an
// unknown id fails the whole call with ErrNotFound).
func (d *DB) SetCurations(ctx context.Context, topic string, itemIDs []int64, action string, on bool) error {
	return d.SetCurationsBy(ctx, topic, itemIDs, action, on, "")
}

// SetCurationsBy is SetCurations recording editor (a name; "" for the
// command line) as who made the curation, with the time.
func (d *DB) SetCurationsBy(ctx context.Context, topic string, itemIDs []int64, action string, on bool, editor string) error {
	if action != Pin && action != Hide {
		return fmt.Errorf("db: set curation: unknown action %q (want %q or %q)", action, Pin, Hide)
	}
	if topic == "" {
		return fmt.Errorf("db: set curation: empty topic")
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		changed := false
		for _, itemID := range itemIDs {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM items WHERE id = ?`, itemID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("item %d: %w", itemID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			var r sql.Result
			if on {
				r, err = tx.ExecContext(ctx, `INSERT INTO curations (topic, item_id, action, at, editor) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (topic, item_id) DO UPDATE SET action = excluded.action, at = excluded.at,
					editor = excluded.editor
					WHERE curations.action != excluded.action`,
					topic, itemID, action, toNanos(d.now()), editor)
			} else {
				r, err = tx.ExecContext(ctx, `DELETE FROM curations WHERE topic = ? AND item_id = ? AND action = ?`,
					topic, itemID, action)
			}
			if err != nil {
				return err
			}
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			changed = changed || n > 0
		}
		if !changed {
			return nil
		}
		return bumpChangeSeq(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("db: set curation %s of items %v in %q: %w", action, itemIDs, topic, err)
	}
	return nil
}

// Curations lists the curations of topic ("" = every topic) by topic, then
// time, then item id.
func (d *DB) Curations(ctx context.Context, topic string) ([]Curation, error) {
	q := `SELECT c.topic, c.item_id, i.link, i.canonical_link, i.title, c.action, c.at, c.editor
		FROM curations c JOIN items i ON i.id = c.item_id`
	var args []any
	if topic != "" {
		q += ` WHERE c.topic = ?`
		args = append(args, topic)
	}
	rows, err := d.sql.QueryContext(ctx, q+` ORDER BY c.topic, c.at, c.item_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("db: list curations: %w", err)
	}
	defer rows.Close()
	var out []Curation
	for rows.Next() {
		var c Curation
		var at int64
		if err := rows.Scan(&c.Topic, &c.ItemID, &c.Link, &c.CanonicalLink, &c.Title, &c.Action, &at, &c.Editor); err != nil {
			return nil, fmt.Errorf("db: list curations: %w", err)
		}
		c.At = fromNanos(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list curations: %w", err)
	}
	return out, nil
}
