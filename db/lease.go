package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Several `bantin run` on one PostgreSQL database split the sources between
// them with leases: an instance claims a due source (ClaimSource) before it
// fetches it and releases it (ReleaseSource) once the outcome is stored. A
// lease names its owner and ends at a deadline, so the sources of an
// instance that died are claimed by the others once it has passed. A lease
// also counts against its host, which makes per_host hold across every
// instance together. On SQLite (one polling daemon per file) claims always
// succeed and record nothing.

// pollerLive is how long after its last claim a poller counts as live
// when per_host is shared between pollers.
const pollerLive = 10 * time.Second

// Claim is the outcome of ClaimSource.
type Claim struct {
	OK       bool // the source is leased to the caller
	HostBusy bool // per_host sources of its host are leased already
	// Until is the lease's end: the caller's when OK (ClaimSources), else
	// another instance's when it holds one.
	Until time.Time
}

// ClaimSource leases source id to owner until until when, at now, it is
// due (any time with all), not disabled, removed or under Retry-After,
// not leased by another instance, and fewer than perHost sources of host
// are leased (host "" is not limited). It returns the stored state of the
// source (fresh, whoever wrote it) with the outcome.
func (d *DB) ClaimSource(ctx context.Context, id, owner, host string, perHost int, now, until time.Time, all bool) (Source, Claim, error) {
	if !d.pg {
		s, err := d.Source(ctx, id)
		return s, Claim{OK: err == nil}, err
	}
	// Most sources another instance just polled are not due: a plain
	// read tells, outside the claims' serialised transactions.
	s, leaseOwner, leaseUntil, err := readLease(ctx, d.sql, id)
	if err != nil {
		return Source{}, Claim{}, fmt.Errorf("db: claim source %q: %w", id, err)
	}
	n := toNanos(now)
	if (leaseOwner != owner && leaseUntil > n) || s.Removed || s.Disabled || toNanos(s.RetryAfter) > n || (!all && toNanos(s.NextDue) > n) {
		c := Claim{}
		if leaseOwner != owner && leaseUntil > n {
			c.Until = fromNanos(leaseUntil)
		}
		return s, c, nil
	}
	// One round trip (bantin_claim, migrations_pg/0005), outside the
	// in-process write lock: claims run beside this process's writes.
	var r int
	err = d.sql.QueryRowContext(ctx, `SELECT bantin_claim(?, ?, ?, ?, ?, ?, ?, ?)`, id, owner, host, perHost,
		n, toNanos(until), all, toNanos(now.Add(-pollerLive))).Scan(&r)
	if err != nil {
		return Source{}, Claim{}, fmt.Errorf("db: claim source %q: %w", id, err)
	}
	switch r {
	case 1:
		return s, Claim{OK: true}, nil
	case 2:
		return s, Claim{HostBusy: true}, nil
	}
	// Taken meanwhile: read what the other instance left.
	s, leaseOwner, leaseUntil, err = readLease(ctx, d.sql, id)
	if err != nil {
		return Source{}, Claim{}, fmt.Errorf("db: claim source %q: %w", id, err)
	}
	c := Claim{}
	if leaseOwner != owner && leaseUntil > n {
		c.Until = fromNanos(leaseUntil)
	}
	return s, c, nil
}

// ErrLeaseLost is the error of a fetch whose lease was taken over by
// another poller before it was stored (its lease ended first): the fetch
// is not stored, the other poller's is.
var ErrLeaseLost = errors.New("db: the source's lease was lost to another poller")

// holdLeases locks, in id order, the rows of the fetches that name their
// Lease, for the transaction: no other poller can claim them until it
// ends. A fetch whose lease another poller holds now gets ErrLeaseLost in
// errs. Nothing on SQLite.
func holdLeases(ctx context.Context, w *itemWriter, fetches []Fetch, errs []error) error {
	if !w.d.pg {
		return nil
	}
	byOwner := map[string][]string{}
	for i, f := range fetches {
		if f.Lease != "" && errs[i] == nil {
			byOwner[f.Lease] = append(byOwner[f.Lease], f.Source.ID)
		}
	}
	lost := map[string]bool{}
	for owner, ids := range byOwner {
		rows, err := w.queryContext(ctx, `SELECT id, lease_owner FROM sources WHERE id = ANY (?) ORDER BY id FOR UPDATE`, ids)
		if err != nil {
			return fmt.Errorf("hold leases: %w", err)
		}
		for rows.Next() {
			var id, by string
			if err := rows.Scan(&id, &by); err != nil {
				rows.Close()
				return fmt.Errorf("hold leases: %w", err)
			}
			if by != owner && by != "" {
				lost[owner+"\x00"+id] = true
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("hold leases: %w", err)
		}
	}
	for i, f := range fetches {
		if f.Lease != "" && errs[i] == nil && lost[f.Lease+"\x00"+f.Source.ID] {
			errs[i] = ErrLeaseLost
		}
	}
	return nil
}

// Candidate is a source a poller would poll, for ClaimSources: its id and
// its per_host key ("" for none).
type Candidate struct {
	ID, Host string
}

// Claimed is the outcome of ClaimSources for one candidate: the stored
// state of the source (fresh, whoever wrote it) and the claim.
type Claimed struct {
	Source Source
	Claim
}

// ClaimSources is ClaimSource for several candidates in one round trip:
// it examines cands in order, each as ClaimSource would (the claims made
// before it count against per_host), until max are leased to owner, and
// returns the outcome of each examined candidate: a prefix of cands, in
// order. Candidates after it were not examined.
func (d *DB) ClaimSources(ctx context.Context, owner string, cands []Candidate, perHost, max int, now, until time.Time, all bool) ([]Claimed, error) {
	if !d.pg {
		out := make([]Claimed, 0, min(len(cands), max))
		for _, c := range cands[:min(len(cands), max)] {
			s, err := d.Source(ctx, c.ID)
			if err != nil {
				return nil, fmt.Errorf("db: claim sources: %w", err)
			}
			out = append(out, Claimed{Source: s, Claim: Claim{OK: true}})
		}
		return out, nil
	}
	if len(cands) == 0 || max <= 0 {
		return nil, nil
	}
	ids := make([]string, len(cands))
	hosts := make([]string, len(cands))
	for i, c := range cands {
		ids[i], hosts[i] = c.ID, c.Host
	}
	// One round trip (bantin_claim_batch, migrations_pg/0009), outside
	// the in-process write lock: claims run beside this process's writes.
	rows, err := d.sql.QueryContext(ctx, claimBatchSQL, ids, hosts, owner, perHost, toNanos(now), toNanos(until), all,
		toNanos(now.Add(-pollerLive)), max)
	if err != nil {
		return nil, fmt.Errorf("db: claim sources: %w", err)
	}
	defer rows.Close()
	out := make([]Claimed, 0, len(cands))
	// The candidates of a host this poller may not add to come without a
	// row (see migrations_pg/0014): they fill the gaps.
	busy := func(upTo int) {
		for len(out) < upTo {
			out = append(out, Claimed{Source: Source{ID: cands[len(out)].ID}, Claim: Claim{HostBusy: true}})
		}
	}
	n := toNanos(now)
	claimed := 0
	for rows.Next() {
		var idx, status int
		var leaseOwner string
		var leaseUntil int64
		s, err := scanSource(scanExtra{rows, []any{&leaseOwner, &leaseUntil}, []any{&idx, &status}})
		if err != nil {
			return nil, fmt.Errorf("db: claim sources: %w", err)
		}
		if idx <= len(out) || idx > len(cands) {
			return nil, fmt.Errorf("db: claim sources: outcome %d out of order", idx)
		}
		busy(idx - 1)
		c := Claimed{Source: s}
		switch status {
		case 1:
			c.OK = true
			c.Until = until
			claimed++
		default:
			if leaseOwner != owner && leaseUntil > n {
				c.Until = fromNanos(leaseUntil)
			}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: claim sources: %w", err)
	}
	if claimed < max {
		// Fewer claimed than asked: every candidate was examined, those
		// after the last row were of busy hosts.
		busy(len(cands))
	}
	return out, nil
}

// claimBatchSQL calls bantin_claim_batch and reads each outcome's row as
// scanSource does, followed by its lease.
var claimBatchSQL = func() string {
	var b strings.Builder
	b.WriteString("SELECT c.idx, c.status")
	for _, col := range strings.Split(sourceCols, ",") {
		b.WriteString(", (c.src).")
		b.WriteString(strings.TrimSpace(col))
	}
	b.WriteString(", (c.src).lease_owner, (c.src).lease_until FROM bantin_claim_batch(?, ?, ?, ?, ?, ?, ?, ?, ?) c ORDER BY c.idx")
	return b.String()
}()

// readLease reads source id with its lease.
func readLease(ctx context.Context, q queryer, id string) (Source, string, int64, error) {
	var owner string
	var until int64
	row := q.QueryRowContext(ctx, `SELECT `+sourceCols+`, lease_owner, lease_until FROM sources WHERE id = ?`, id)
	s, err := scanSource(scanExtra{row, []any{&owner, &until}, nil})
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, "", 0, fmt.Errorf("source %q: %w", id, ErrNotFound)
	}
	return s, owner, until, err
}

// scanExtra scans the columns of scanSource between extra ones: before,
// then scanSource's, then extra.
type scanExtra struct {
	sc            interface{ Scan(...any) error }
	extra, before []any
}

func (e scanExtra) Scan(dst ...any) error {
	return e.sc.Scan(append(append(e.before[:len(e.before):len(e.before)], dst...), e.extra...)...)
}

// RetirePoller ends owner's part in sharing per_host (nothing on SQLite):
// a poller that stops polling says so, so that the others take its share
// of each host's slots at once instead of after pollerLive. Its leases
// are released as their writes are stored; those still held run out.
func (d *DB) RetirePoller(ctx context.Context, owner string) error {
	if !d.pg {
		return nil
	}
	if _, err := d.sql.ExecContext(ctx, `DELETE FROM pollers WHERE owner = ?`, owner); err != nil {
		return fmt.Errorf("db: retire poller %q: %w", owner, err)
	}
	return nil
}

// RenewLease moves owner's lease of source id to end at until and
// reports whether owner still held it (always on SQLite). A lease that
// ended is still owner's until another instance claims the source.
func (d *DB) RenewLease(ctx context.Context, id, owner string, until time.Time) (bool, error) {
	if !d.pg {
		return true, nil
	}
	n, err := d.RenewLeases(ctx, owner, []string{id}, until)
	return n == 1, err
}

// RenewLeases moves to until the leases owner still holds of the sources
// ids (nothing on SQLite): a poller keeps the leases of the sources it
// has in flight alive while they are fetched, parsed and waiting to be
// stored, so that none ends before its outcome is stored and another
// instance polls the source again meanwhile. It returns how many it
// renewed.
func (d *DB) RenewLeases(ctx context.Context, owner string, ids []string, until time.Time) (int64, error) {
	if !d.pg || len(ids) == 0 {
		return 0, nil
	}
	var n int64
	for chunk := range slices.Chunk(ids, 500) {
		args := []any{toNanos(until), owner}
		for _, id := range chunk {
			args = append(args, id)
		}
		res, err := d.sql.ExecContext(ctx, `UPDATE sources SET lease_until = ? WHERE lease_owner = ? AND id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return n, fmt.Errorf("db: renew leases of %s: %w", owner, err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, fmt.Errorf("db: renew leases of %s: %w", owner, err)
		}
		n += k
	}
	return n, nil
}

// ReleaseSource ends owner's lease of source id (nothing on SQLite).
func (d *DB) ReleaseSource(ctx context.Context, id, owner string) error {
	if !d.pg {
		return nil
	}
	// One statement, outside the in-process write lock.
	_, err := d.sql.ExecContext(ctx, `UPDATE sources SET lease_owner = '', lease_until = 0, lease_host = ''
		WHERE id = ? AND lease_owner = ?`, id, owner)
	if err != nil {
		return fmt.Errorf("db: release source %q: %w", id, err)
	}
	return nil
}

// ReleaseAll ends every lease owner holds (at shutdown).
func (d *DB) ReleaseAll(ctx context.Context, owner string) error {
	if !d.pg {
		return nil
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sources SET lease_owner = '', lease_until = 0, lease_host = ''
			WHERE lease_owner = ?`, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("db: release leases: %w", err)
	}
	return nil
}

// WithLock runs fn while holding the database-wide lock named name: on
// PostgreSQL a session advisory lock, so that of several instances one
// runs fn at a time; on SQLite (one daemon) fn just runs.
func (d *DB) WithLock(ctx context.Context, name string, fn func() error) error {
	if !d.pg {
		return fn()
	}
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("db: lock %s: %w", name, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext('bantin lock ' || current_schema() || ?))`, name); err != nil {
		return fmt.Errorf("db: lock %s: %w", name, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('bantin lock ' || current_schema() || ?))`, name)
	return fn()
}

// stateCols are the poll-state columns saveSourceState writes, in the
// order of stateArgs.
var stateCols = []struct{ name, typ string }{
	{"url", "text"}, {"title", "text"}, {"site_url", "text"}, {"language", "text"}, {"disabled", "bigint"},
	{"etag", "text"}, {"last_modified", "text"}, {"last_attempt", "bigint"}, {"last_success", "bigint"},
	{"last_status", "bigint"}, {"last_error", "text"}, {"last_new", "bigint"}, {"last_updated", "bigint"},
	{"last_duration", "bigint"}, {"failures", "bigint"}, {"next_due", "bigint"}, {"retry_after", "bigint"},
	{"moved_to", "text"}, {"moved_count", "bigint"}, {"discovered_from", "text"}, {"hub_url", "text"},
	{"hub_topic", "text"}, {"hub_lease_end", "bigint"}, {"hub_secret", "text"}, {"feed_interval", "bigint"},
	{"skip_hours", "text"}, {"skip_days", "text"}, {"normal_due", "bigint"}, {"fed", "bigint"},
	{"last_skipped", "bigint"}, {"last_skip_reason", "text"},
}

// stateArgs returns the values of stateCols for s.
func stateArgs(s *Source) []any {
	return []any{s.URL, s.Title, s.SiteURL, s.Language, int64(boolInt(s.Disabled)), s.ETag, s.LastModified,
		toNanos(s.LastAttempt), toNanos(s.LastSuccess), int64(s.LastStatus), s.LastError, int64(s.LastNew),
		int64(s.LastUpdated), int64(s.LastDuration), int64(s.Failures), toNanos(s.NextDue), toNanos(s.RetryAfter),
		s.MovedTo, int64(s.MovedCount), s.DiscoveredFrom, s.HubURL, s.HubTopic, toNanos(s.HubLeaseEnd),
		s.HubSecret, int64(s.FeedInterval), joinInts(s.SkipHours), joinWeekdays(s.SkipDays), toNanos(s.NormalDue),
		int64(boolInt(s.Fed)), int64(s.LastSkipped), s.LastSkipReason}
}

// saveStatesSQL writes many source states (and ends their leases, where
// the owner is given) in one statement on PostgreSQL: the values come as
// one array per column. It returns the ids of the sources written, and
// for each whether a field that published feeds show (title, site, URL)
// changed.
var saveStatesSQL = func() string {
	var arrays, names, sets []string
	arrays = append(arrays, "?::text[]", "?::text[]")
	names = append(names, "id", "lease")
	for _, c := range stateCols {
		arrays = append(arrays, "?::"+c.typ+"[]")
		names = append(names, c.name)
		sets = append(sets, c.name+" = v."+c.name)
	}
	sets = append(sets,
		"lease_owner = CASE WHEN v.lease != '' AND s.lease_owner = v.lease THEN '' ELSE s.lease_owner END",
		"lease_until = CASE WHEN v.lease != '' AND s.lease_owner = v.lease THEN 0 ELSE s.lease_until END",
		"lease_host = CASE WHEN v.lease != '' AND s.lease_owner = v.lease THEN '' ELSE s.lease_host END")
	return `WITH v AS (SELECT * FROM unnest(` + strings.Join(arrays, ", ") + `) AS v(` + strings.Join(names, ", ") + `)),
	old AS (SELECT s.id, s.title, s.site_url, s.url FROM sources s JOIN v ON v.id = s.id),
	upd AS (UPDATE sources s SET ` + strings.Join(sets, ", ") + ` FROM v WHERE s.id = v.id RETURNING s.id)
	SELECT upd.id, (o.title != v.title OR o.site_url != v.site_url OR o.url != v.url)
	FROM upd JOIN old o ON o.id = upd.id JOIN v ON v.id = upd.id`
}()

// saveStates writes the source states of the fetches without items (the
// 304s and failures of a batch) in one statement on PostgreSQL, each as
// saveSourceState would, and ends the leases named by their Lease. It
// returns the indexes of the fetches it wrote; a fetch whose source is
// gone gets ErrNotFound in errs. Fetches with errs set are left out. On
// SQLite it writes nothing (each is written as before: the statements
// cost no round trip there).
func saveStates(ctx context.Context, w *itemWriter, fetches []Fetch, errs []error) (map[int]bool, error) {
	if !w.d.pg {
		return nil, nil
	}
	at := map[string]int{}
	cols := make([][]any, 2+len(stateCols))
	for i, f := range fetches {
		if f.Items != nil || errs[i] != nil {
			continue
		}
		if _, dup := at[f.Source.ID]; dup {
			continue // written as before, on its own
		}
		at[f.Source.ID] = i
		cols[0] = append(cols[0], f.Source.ID)
		cols[1] = append(cols[1], f.Lease)
		for k, v := range stateArgs(&f.Source) {
			cols[2+k] = append(cols[2+k], v)
		}
	}
	if len(at) == 0 {
		return nil, nil
	}
	args := make([]any, len(cols))
	for k, col := range cols {
		if k < 2 || stateCols[k-2].typ == "text" {
			a := make([]string, len(col))
			for i, v := range col {
				a[i] = v.(string)
			}
			args[k] = a
		} else {
			a := make([]int64, len(col))
			for i, v := range col {
				a[i] = v.(int64)
			}
			args[k] = a
		}
	}
	rows, err := w.queryContext(ctx, saveStatesSQL, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	wrote := make(map[int]bool, len(at))
	bump := false
	for rows.Next() {
		var id string
		var changed bool
		if err := rows.Scan(&id, &changed); err != nil {
			return nil, err
		}
		wrote[at[id]] = true
		bump = bump || changed
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, i := range at {
		if !wrote[i] {
			errs[i] = ErrNotFound
		}
	}
	if bump {
		w.ch.dirty = true // bumped as w.ch is flushed
	}
	return wrote, nil
}

// releaseFetched ends the leases named by the Lease of the fetches stored
// but not by saveStates (nothing on SQLite).
func releaseFetched(ctx context.Context, w *itemWriter, fetches []Fetch, errs []error, wrote map[int]bool) error {
	if !w.d.pg {
		return nil
	}
	byOwner := map[string][]string{}
	for i, f := range fetches {
		if f.Lease != "" && errs[i] == nil && !wrote[i] {
			byOwner[f.Lease] = append(byOwner[f.Lease], f.Source.ID)
		}
	}
	for owner, ids := range byOwner {
		if _, err := w.ExecContext(ctx, `UPDATE sources SET lease_owner = '', lease_until = 0, lease_host = ''
			WHERE id = ANY (?) AND lease_owner = ?`, ids, owner); err != nil {
			return fmt.Errorf("release: %w", err)
		}
	}
	return nil
}
