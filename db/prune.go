package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// pruneCandidatesSQL selects the oldest unpinned items of a source.
const pruneCandidatesSQL = `SELECT id, guid FROM items
	WHERE source_id = ? AND published < ?
	AND NOT EXISTS (SELECT 1 FROM curations c WHERE c.item_id = items.id AND c.action = 'pin')
	ORDER BY published LIMIT ?`

// Prune deletes up to batch (<= 0: 200) items of source sourceID published
// before `before`, oldest first, that no topic pins, in one short
// transaction, and leaves a tombstone of each identity so SaveFetch never
// stores it again. Call it repeatedly until it returns fewer than batch, so
// that polling writes interleave. It returns the number deleted.
func (d *DB) Prune(ctx context.Context, sourceID string, before time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = 200 // about 50-150 ms of write lock at 1e5 items on a busy 2-core machine
	}
	n := 0
	err := d.write(ctx, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, pruneCandidatesSQL, sourceID, toNanos(before), batch)
		if err != nil {
			return err
		}
		type victim struct {
			id   int64
			guid string
		}
		var vs []victim
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.id, &v.guid); err != nil {
				rows.Close()
				return err
			}
			vs = append(vs, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := toNanos(d.now())
		for _, v := range vs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tombstones (source_id, guid, pruned_at) VALUES (?, ?, ?)
				ON CONFLICT (source_id, guid) DO UPDATE SET pruned_at = excluded.pruned_at`, sourceID, v.guid, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM items WHERE id = ?`, v.id); err != nil {
				return err
			}
		}
		n = len(vs)
		if n > 0 {
			return bumpChangeSeq(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("db: prune %q: %w", sourceID, err)
	}
	return n, nil
}

// PruneTombstones deletes up to batch (<= 0: 1000) tombstones of source
// sourceID neither pruned nor seen upstream (SaveFetch refreshes the ones
// it meets) since `before`, in one short transaction, and returns how many
// it deleted. An identity gone from the upstream feed for that long will
// not come back; one that does is dated, and the poller leaves items older
// than the retention window out anyway.
func (d *DB) PruneTombstones(ctx context.Context, sourceID string, before time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = 1000
	}
	n := 0
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM tombstones WHERE source_id = ? AND guid IN (
			SELECT guid FROM tombstones WHERE source_id = ? AND pruned_at < ? LIMIT ?)`,
			sourceID, sourceID, toNanos(before), batch)
		if err != nil {
			return err
		}
		m, err := res.RowsAffected()
		n = int(m)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("db: prune tombstones of %q: %w", sourceID, err)
	}
	return n, nil
}
