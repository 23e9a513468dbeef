package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SourceSpec is a source as the config declares it.
type SourceSpec struct {
	ID    string
	URL   string // the URL as written in the config
	Title string // the config's title, "" for none (then the feed's own title is used)
	// Settings fingerprints the settings that change what is stored
	// (retention, timezone, language, max_body...); "" leaves the stored
	// one alone. When it differs from the stored one, the cache validators
	// are dropped so that the next poll re-reads the feed.
	Settings string
}

// SyncSources makes the stored sources follow the config: specs not yet
// stored are inserted; stored sources absent from specs are marked Removed
// (they and their items are kept); present ones are un-removed and get the
// spec's title. When a spec's URL differs from the stored ConfigURL the
// source starts afresh: URL is reset to the new one and Disabled, the
// permanent-redirect count, discovery, cache validators, backoff,
// Retry-After, next due time, WebSub state and Fed are cleared. When a
// spec's Settings differ from the stored ones, the validators are cleared.
func (d *DB) SyncSources(ctx context.Context, specs []SourceSpec) error {
	seen := make(map[string]bool, len(specs))
	for _, sp := range specs {
		if sp.ID == "" {
			return fmt.Errorf("db: sync sources: empty source id")
		}
		if seen[sp.ID] {
			return fmt.Errorf("db: sync sources: duplicate source id %q", sp.ID)
		}
		seen[sp.ID] = true
	}
	added := 0
	err := d.write(ctx, func(tx *sql.Tx) error {
		added = 0
		type row struct {
			configURL, displayTitle, settings string
			removed                           bool
		}
		stored := map[string]row{}
		rows, err := tx.QueryContext(ctx, `SELECT id, config_url, display_title, settings, removed FROM sources`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var r row
			if err := rows.Scan(&id, &r.configURL, &r.displayTitle, &r.settings, &r.removed); err != nil {
				rows.Close()
				return err
			}
			stored[id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		changed := false
		for _, sp := range specs {
			old, ok := stored[sp.ID]
			added += boolInt(!ok)
			switch {
			case !ok:
				_, err = tx.ExecContext(ctx, `INSERT INTO sources (id, config_url, url, display_title, settings)
					VALUES (?, ?, ?, ?, ?)`, sp.ID, sp.URL, sp.URL, sp.Title, sp.Settings)
				changed = true
			case old.configURL != sp.URL:
				_, err = tx.ExecContext(ctx, `UPDATE sources SET config_url = ?, url = ?,
					display_title = ?, removed = 0, disabled = 0, etag = '', last_modified = '',
					failures = 0, next_due = 0, retry_after = 0, moved_to = '', moved_count = 0,
					discovered_from = '', hub_url = '', hub_topic = '', hub_lease_end = 0, hub_secret = '', normal_due = 0,
					fed = 0 WHERE id = ?`, sp.URL, sp.URL, sp.Title, sp.ID)
				changed = true
			case old.removed || old.displayTitle != sp.Title:
				_, err = tx.ExecContext(ctx, `UPDATE sources SET display_title = ?, removed = 0 WHERE id = ?`,
					sp.Title, sp.ID)
				changed = true
			}
			if err == nil && ok && sp.Settings != "" && old.settings != sp.Settings {
				// What is stored from the feed changes: the next poll must
				// read it whole, not get a 304.
				_, err = tx.ExecContext(ctx, `UPDATE sources SET settings = ?, etag = '', last_modified = ''
					WHERE id = ?`, sp.Settings, sp.ID)
			}
			if err != nil {
				return fmt.Errorf("source %q: %w", sp.ID, err)
			}
		}
		for id, old := range stored {
			if seen[id] || old.removed {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE sources SET removed = 1 WHERE id = ?`, id); err != nil {
				return fmt.Errorf("source %q: %w", id, err)
			}
			changed = true
		}
		if changed {
			return bumpChangeSeq(ctx, tx)
		}
		return nil
	})
	if err == nil && added > 0 && d.pg {
		err = analyzeSources(ctx, d)
	}
	if err != nil {
		return fmt.Errorf("db: sync sources: %w", err)
	}
	return nil
}

const sourceCols = `id, config_url, display_title, url, title, site_url, language, removed, disabled,
	etag, last_modified, last_attempt, last_success, last_status, last_error, last_new, last_updated,
	last_duration, failures, next_due, retry_after, moved_to, moved_count, discovered_from,
	hub_url, hub_topic, hub_lease_end, hub_secret, feed_interval, skip_hours, skip_days, normal_due,
	fed, last_skipped, last_skip_reason`

func scanSource(sc interface{ Scan(...any) error }) (Source, error) {
	var s Source
	var lastAttempt, lastSuccess, lastDuration, nextDue, retryAfter, leaseEnd, feedInterval, normalDue int64
	var skipHours, skipDays string
	err := sc.Scan(&s.ID, &s.ConfigURL, &s.DisplayTitle, &s.URL, &s.Title, &s.SiteURL, &s.Language,
		&s.Removed, &s.Disabled, &s.ETag, &s.LastModified, &lastAttempt, &lastSuccess, &s.LastStatus,
		&s.LastError, &s.LastNew, &s.LastUpdated, &lastDuration, &s.Failures, &nextDue, &retryAfter,
		&s.MovedTo, &s.MovedCount, &s.DiscoveredFrom, &s.HubURL, &s.HubTopic, &leaseEnd, &s.HubSecret,
		&feedInterval, &skipHours, &skipDays, &normalDue, &s.Fed, &s.LastSkipped, &s.LastSkipReason)
	if err != nil {
		return Source{}, err
	}
	s.LastAttempt = fromNanos(lastAttempt)
	s.LastSuccess = fromNanos(lastSuccess)
	s.LastDuration = time.Duration(lastDuration)
	s.NextDue = fromNanos(nextDue)
	s.RetryAfter = fromNanos(retryAfter)
	s.HubLeaseEnd = fromNanos(leaseEnd)
	s.NormalDue = fromNanos(normalDue)
	s.FeedInterval = time.Duration(feedInterval)
	s.SkipHours = parseInts(skipHours)
	for _, d := range parseInts(skipDays) {
		s.SkipDays = append(s.SkipDays, time.Weekday(d))
	}
	return s, nil
}

// Sources returns every stored source, removed ones included, by id.
func (d *DB) Sources(ctx context.Context) ([]Source, error) {
	var n int // the slice is made once, not grown: a poller keeps it
	if err := d.sql.QueryRowContext(ctx, `SELECT count(*) FROM sources`).Scan(&n); err != nil {
		return nil, fmt.Errorf("db: list sources: %w", err)
	}
	rows, err := d.sql.QueryContext(ctx, `SELECT `+sourceCols+` FROM sources ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("db: list sources: %w", err)
	}
	defer rows.Close()
	out := make([]Source, 0, n)
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("db: list sources: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list sources: %w", err)
	}
	return out, nil
}

// Source returns the source with that id, or ErrNotFound.
func (d *DB) Source(ctx context.Context, id string) (Source, error) {
	s, err := scanSource(d.sql.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM sources WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, fmt.Errorf("db: source %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Source{}, fmt.Errorf("db: read source %q: %w", id, err)
	}
	return s, nil
}

// SaveSourceState writes every poll-state field of s (everything but ID,
// ConfigURL, DisplayTitle and Removed, which belong to SyncSources) to the
// stored source s.ID. It returns ErrNotFound for an unknown source.
func (d *DB) SaveSourceState(ctx context.Context, s Source) error {
	err := d.write(ctx, func(tx *sql.Tx) error { return saveSourceState(ctx, tx, s) })
	if err != nil {
		return fmt.Errorf("db: save source %q: %w", s.ID, err)
	}
	return nil
}

// saveSourceState is SaveSourceState inside tx. It bumps the change
// sequence when a field that published feeds show (title, site, URL)
// changed.
func saveSourceState(ctx context.Context, tx txRunner, s Source) error {
	if w, ok := tx.(*itemWriter); ok && w.d.pg {
		return w.saveSourceStatePG(ctx, s) // in fewer round trips (item_pg.go)
	}
	bump, err := saveSourceShown(ctx, tx, s)
	if err != nil {
		return err
	}
	return saveSourcePoll(ctx, tx, s, bump)
}

// saveSourceShown writes what published feeds show of the source (URL,
// title, site, language) when it differs from what is stored, in its own
// statement: the state written at every poll (saveSourcePoll) then runs no
// trigger on SQLite (migration 0012). It reports whether the change
// sequence must move (title, site or URL changed), and ErrNotFound for an
// unknown source. SaveFetch calls it before it inserts the fetch's items:
// the trigger then looks for the feeds of the source's older items only
// (none in a first fetch), the new ones being recorded as they go in.
func saveSourceShown(ctx context.Context, tx txRunner, s Source) (bool, error) {
	var oldTitle, oldSite, oldURL, oldLang string
	err := tx.QueryRowContext(ctx, `SELECT title, site_url, url, language FROM sources WHERE id = ?`, s.ID).
		Scan(&oldTitle, &oldSite, &oldURL, &oldLang)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, err
	}
	if oldTitle != s.Title || oldSite != s.SiteURL || oldURL != s.URL || oldLang != s.Language {
		if _, err := tx.ExecContext(ctx, `UPDATE sources SET url = ?, title = ?, site_url = ?, language = ? WHERE id = ?`,
			s.URL, s.Title, s.SiteURL, s.Language, s.ID); err != nil {
			return false, err
		}
	}
	return oldTitle != s.Title || oldSite != s.SiteURL || oldURL != s.URL, nil
}

// saveSourcePoll writes the poll state of s (saveSourceShown wrote the
// rest) and bumps the change sequence when bump is set.
func saveSourcePoll(ctx context.Context, tx txRunner, s Source, bump bool) error {
	_, err := tx.ExecContext(ctx, `UPDATE sources SET
		disabled = ?, etag = ?, last_modified = ?, last_attempt = ?, last_success = ?, last_status = ?,
		last_error = ?, last_new = ?, last_updated = ?, last_duration = ?, failures = ?, next_due = ?,
		retry_after = ?, moved_to = ?, moved_count = ?, discovered_from = ?, hub_url = ?, hub_topic = ?,
		hub_lease_end = ?, hub_secret = ?, feed_interval = ?, skip_hours = ?, skip_days = ?, normal_due = ?,
		fed = ?, last_skipped = ?, last_skip_reason = ?
		WHERE id = ?`,
		boolInt(s.Disabled), s.ETag, s.LastModified,
		toNanos(s.LastAttempt), toNanos(s.LastSuccess), s.LastStatus, s.LastError, s.LastNew,
		s.LastUpdated, int64(s.LastDuration), s.Failures, toNanos(s.NextDue), toNanos(s.RetryAfter),
		s.MovedTo, s.MovedCount, s.DiscoveredFrom, s.HubURL, s.HubTopic, toNanos(s.HubLeaseEnd),
		s.HubSecret, int64(s.FeedInterval), joinInts(s.SkipHours), joinWeekdays(s.SkipDays), toNanos(s.NormalDue),
		boolInt(s.Fed), s.LastSkipped, s.LastSkipReason, s.ID)
	if err != nil {
		return err
	}
	if bump {
		return bumpChangeSeq(ctx, tx)
	}
	return nil
}

// joinInts and parseInts store small integer lists as "1,2,3".
func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func joinWeekdays(v []time.Weekday) string {
	ints := make([]int, len(v))
	for i, d := range v {
		ints[i] = int(d)
	}
	return joinInts(ints)
}

func parseInts(s string) []int {
	if s == "" {
		return nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
		}
	}
	return out
}
