package bench

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// FreshStats say how long changes the daemon stored took to reach a
// reader: from the commit of a new item to the first response of a feed
// it changed (its topic feed, one of its tag feeds, the index page) that
// shows it.
type FreshStats struct {
	ByKind map[string]FreshKind // "topic", "tag", "index"
	All    FreshKind
}

// FreshKind are the freshness figures of one kind of feed.
type FreshKind struct {
	N             int // changes probed
	P50, P99, Max time.Duration
	Over2s        int // shown later than 2 s after the commit (or never)
	Unseen        int // not shown within freshTimeout (counted as freshTimeout)
}

// freshTimeout is how long a probe waits for its change to be shown.
const freshTimeout = 30 * time.Second

// Probe pacing: the database is read every freshPoll; of the items each
// read finds, up to freshBatch picked at random are probed (their topic
// feed and one tag feed, the index when no index probe is waiting) while
// fewer than freshPending probes wait; the prober's connection rests
// freshGap between requests (conditional ones: 304s while nothing
// changed).
const (
	freshPoll    = 50 * time.Millisecond
	freshBatch   = 3
	freshPending = 24
	freshGap     = 2 * time.Millisecond
)

// probe is one change waiting to be seen in one feed.
type probe struct {
	kind, path string
	id         int64     // the item whose commit is the change
	stored     time.Time // no earlier than the commit
}

// feedView is what the prober last got for a path.
type feedView struct {
	etag  string
	links []string // item links in the body
}

// prober measures freshness (see FreshStats) from the readers' side: it
// reads new items from the database (read-only, short statements) and
// asks the feeds they changed on a keep-alive connection of its own until
// a response shows them.
type prober struct {
	db   *sql.DB
	addr string

	mu      sync.Mutex
	ids     map[string]int64 // item link -> id, for items stored since the start
	pending []*probe
	views   map[string]*feedView
	got     map[string][]time.Duration
	unseen  map[string]int
}

// itemLink matches the links of the synthetic live items (LiveFeed).
var itemLink = regexp.MustCompile(`https://nguon\d+\.example/bai/\d+\.html`)

// measureFreshness probes the daemon at addr, whose SQLite database is
// dbPath, until ctx ends.
func measureFreshness(ctx context.Context, dbPath, addr string) (FreshStats, error) {
	sdb, err := sql.Open("sqlite", (&url.URL{Scheme: "file", OmitHost: true, Path: dbPath}).String()+
		"?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return FreshStats{}, fmt.Errorf("bench: freshness: %w", err)
	}
	defer sdb.Close()
	sdb.SetMaxOpenConns(1)
	p := &prober{db: sdb, addr: addr, ids: map[string]int64{}, views: map[string]*feedView{},
		got: map[string][]time.Duration{}, unseen: map[string]int{}}
	var last int64
	begin := time.Now() // before the read: later commits are after it
	if err := sdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM items`).Scan(&last); err != nil {
		return FreshStats{}, fmt.Errorf("bench: freshness: %w", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.ask(ctx) }()
	err = p.watch(ctx, last, begin)
	wg.Wait()
	if ctx.Err() != nil {
		err = nil
	}
	return p.stats(), err
}

// watch reads the items stored after id last (read at prev) every
// freshPoll and starts probes for a sample of them.
func (p *prober) watch(ctx context.Context, last int64, prev time.Time) error {
	r := rand.New(rand.NewPCG(11, 13))
	tick := time.NewTicker(freshPoll)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		start := time.Now()
		items, err := p.newItems(ctx, last)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			prev = start
			continue
		}
		p.mu.Lock()
		for _, it := range items {
			p.ids[it.link] = it.id
		}
		p.mu.Unlock()
		last = items[len(items)-1].id
		// Items committed after the previous read began (it did not see
		// them) and after their first_seen (set before the write): the
		// later of the two is no later than the commit.
		prevStart := prev
		prev = start
		p.mu.Lock()
		waiting := len(p.pending)
		p.mu.Unlock()
		for picked := 0; picked < freshBatch && waiting < freshPending && len(items) > 0; picked++ {
			i := r.IntN(len(items))
			it := items[i]
			items = slices.Delete(items, i, i+1)
			stored := prevStart
			if it.firstSeen.After(stored) {
				stored = it.firstSeen
			}
			probes, err := p.probesFor(ctx, r, it, stored)
			if err != nil {
				return err
			}
			waiting += len(probes)
			p.mu.Lock()
			p.pending = append(p.pending, probes...)
			p.mu.Unlock()
		}
	}
	return nil
}

type storedItem struct {
	id        int64
	link      string
	firstSeen time.Time
	published int64
}

// newItems returns the items stored after id last, oldest first.
func (p *prober) newItems(ctx context.Context, last int64) ([]storedItem, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT id, link, first_seen, published FROM items WHERE id > ? ORDER BY id`, last)
	if err != nil {
		return nil, fmt.Errorf("bench: freshness: %w", err)
	}
	defer rows.Close()
	var out []storedItem
	for rows.Next() {
		var it storedItem
		var fs int64
		if err := rows.Scan(&it.id, &it.link, &fs, &it.published); err != nil {
			return nil, fmt.Errorf("bench: freshness: %w", err)
		}
		it.firstSeen = time.Unix(0, fs)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bench: freshness: %w", err)
	}
	return out, nil
}

// probesFor returns the probes of it: its topic feed, one of its tag
// feeds (each in a format picked at random), and the index page when it
// is among the latest items the index shows of its topic and no other
// index probe waits.
func (p *prober) probesFor(ctx context.Context, r *rand.Rand, it storedItem, stored time.Time) ([]*probe, error) {
	var topic string
	err := p.db.QueryRowContext(ctx, `SELECT topic_slug FROM item_topics WHERE item_id = ? LIMIT 1`, it.id).Scan(&topic)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("bench: freshness: %w", err)
	}
	rows, err := p.db.QueryContext(ctx, `SELECT tag_slug FROM item_tags WHERE item_id = ? ORDER BY tag_slug`, it.id)
	if err != nil {
		return nil, fmt.Errorf("bench: freshness: %w", err)
	}
	var tags []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, fmt.Errorf("bench: freshness: %w", err)
		}
		tags = append(tags, t)
	}
	rows.Close()
	formats := []string{".rss", ".atom", ".json"}
	var out []*probe
	if topic != "" {
		out = append(out, &probe{kind: "topic", path: "/topics/" + topic + formats[r.IntN(3)], id: it.id, stored: stored})
	}
	if len(tags) > 0 {
		out = append(out, &probe{kind: "tag", path: "/tags/" + url.PathEscape(tags[r.IntN(len(tags))]) + formats[r.IntN(3)], id: it.id, stored: stored})
	}
	if topic == "" {
		return out, nil
	}
	p.mu.Lock()
	waiting := slices.ContainsFunc(p.pending, func(q *probe) bool { return q.kind == "index" })
	p.mu.Unlock()
	if waiting {
		return out, nil
	}
	// The index shows the topic's 5 latest items: probe it with an item
	// that is among the 3 latest.
	var newer int
	err = p.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM item_topics WHERE topic_slug = ?
		AND (published > ? OR (published = ? AND item_id > ?)) LIMIT 3)`, topic, it.published, it.published, it.id).Scan(&newer)
	if err != nil {
		return nil, fmt.Errorf("bench: freshness: %w", err)
	}
	if newer < 3 {
		out = append(out, &probe{kind: "index", path: "/", id: it.id, stored: stored})
	}
	return out, nil
}

// ask sends the pending probes' requests, one path after another, until
// ctx ends.
func (p *prober) ask(ctx context.Context) {
	var conn net.Conn
	var br *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	var body bytes.Buffer
	next := 0
	for ctx.Err() == nil {
		p.mu.Lock()
		p.expireLocked(time.Now())
		var path string
		if len(p.pending) > 0 {
			next %= len(p.pending)
			path = p.pending[next].path
			next++
		}
		etag := ""
		if v := p.views[path]; v != nil {
			etag = v.etag
		}
		p.mu.Unlock()
		if path == "" {
			sleepCtx(ctx, freshGap)
			continue
		}
		if conn == nil {
			var err error
			if conn, err = net.DialTimeout("tcp", p.addr, readTimeout); err != nil {
				sleepCtx(ctx, 10*time.Millisecond)
				continue
			}
			br = bufio.NewReaderSize(conn, 32<<10)
		}
		hdr := ""
		if etag != "" {
			hdr = "If-None-Match: " + etag + "\r\n"
		}
		conn.SetDeadline(time.Now().Add(readTimeout))
		body.Reset()
		_, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: bantin-bench-prober\r\n%s\r\n", path, p.addr, hdr)
		var status int
		if err == nil {
			status, etag, _, err = readResponseBody(br, &body)
		}
		at := time.Now()
		if err != nil {
			conn.Close()
			conn = nil
			continue
		}
		p.mu.Lock()
		if status == 200 {
			p.views[path] = &feedView{etag: etag, links: itemLink.FindAllString(body.String(), -1)}
		}
		p.settleLocked(path, at)
		p.mu.Unlock()
		sleepCtx(ctx, freshGap)
	}
}

// settleLocked ends the probes of path that its last response satisfies:
// it shows their item or one committed after it (item ids grow in commit
// order: one writer), so it was read from a state that holds the change.
func (p *prober) settleLocked(path string, at time.Time) {
	v := p.views[path]
	if v == nil {
		return
	}
	var shown int64
	for _, l := range v.links {
		shown = max(shown, p.ids[l])
	}
	p.pending = slices.DeleteFunc(p.pending, func(q *probe) bool {
		if q.path != path || shown < q.id {
			return false
		}
		p.got[q.kind] = append(p.got[q.kind], at.Sub(q.stored))
		return true
	})
}

// expireLocked ends the probes that waited freshTimeout.
func (p *prober) expireLocked(now time.Time) {
	p.pending = slices.DeleteFunc(p.pending, func(q *probe) bool {
		if now.Sub(q.stored) < freshTimeout {
			return false
		}
		p.got[q.kind] = append(p.got[q.kind], freshTimeout)
		p.unseen[q.kind]++
		return true
	})
}

// stats sums up the probes ended so far.
func (p *prober) stats() FreshStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := FreshStats{ByKind: map[string]FreshKind{}}
	var all []time.Duration
	for kind, l := range p.got {
		st.ByKind[kind] = freshKind(l, p.unseen[kind])
		all = append(all, l...)
	}
	unseen := 0
	for _, n := range p.unseen {
		unseen += n
	}
	st.All = freshKind(all, unseen)
	return st
}

func freshKind(l []time.Duration, unseen int) FreshKind {
	k := FreshKind{N: len(l), Unseen: unseen}
	if len(l) == 0 {
		return k
	}
	slices.Sort(l)
	q := func(f float64) time.Duration { return l[min(len(l)-1, int(f*float64(len(l))))] }
	k.P50, k.P99, k.Max = q(0.5), q(0.99), l[len(l)-1]
	for _, d := range l {
		if d > 2*time.Second {
			k.Over2s++
		}
	}
	return k
}

// String is the figures on one line.
func (k FreshKind) String() string {
	if k.N == 0 {
		return "no changes probed"
	}
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	s := fmt.Sprintf("%d changes, p50 %v, p99 %v, max %v, %.1f%% over 2 s", k.N, r(k.P50), r(k.P99), r(k.Max), 100*float64(k.Over2s)/float64(k.N))
	if k.Unseen > 0 {
		s += fmt.Sprintf(" (%d not shown within %v)", k.Unseen, freshTimeout)
	}
	return s
}

// printFresh writes the freshness figures of one phase.
func printFresh(w io.Writer, name string, f FreshStats) {
	fmt.Fprintf(w, "freshness, %s (commit to the first response that shows it): %v\n", name, f.All)
	var kinds []string
	for _, k := range []string{"topic", "tag", "index"} {
		if fk, ok := f.ByKind[k]; ok && fk.N > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d p50 %v p99 %v max %v", k, fk.N,
				fk.P50.Round(time.Millisecond), fk.P99.Round(time.Millisecond), fk.Max.Round(time.Millisecond)))
		}
	}
	fmt.Fprintf(w, "freshness, %s, by feed: %s\n", name, strings.Join(kinds, "; "))
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
