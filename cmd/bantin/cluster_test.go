package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bantin/bench"
	"bantin/db"
	"bantin/db/pgtest"
	"bantin/internal/testenv"
)

// TestClusterPollersOnPostgres runs three `bantin run` pollers and two
// `bantin serve` replicas on one PostgreSQL database ($BANTIN_DATABASE)
// against one loopback upstream: every source is fetched once per poll
// period (never twice by two instances), the host never sees more than
// per_host requests at once, a poller killed with SIGKILL loses nothing it
// stored and its sources are polled by the others after its leases end,
// and both replicas serve the same bytes and ETag.
func TestClusterPollersOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test: not in -short")
	}
	dsn := pgtest.URL(t)
	// BANTIN_CLUSTER_SOURCES=3000 runs the size (about a minute);
	// the default keeps CI quick.
	sources := 300
	interval := 4 * time.Second
	if n, err := strconv.Atoi(os.Getenv("BANTIN_CLUSTER_SOURCES")); err == nil && n > 0 {
		sources = n
		interval = time.Duration(max(4, n/150)) * time.Second
	}
	const (
		items   = 5
		perHost = 4
		lease   = 3 * time.Second
	)
	var (
		mu       sync.Mutex
		fetches  = map[int][]fetch{}
		inflight atomic.Int32
		maxSeen  atomic.Int32
		grown    atomic.Bool // the last source has one item more
	)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d.xml", &i); err != nil {
			http.NotFound(w, r)
			return
		}
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			m := maxSeen.Load()
			if n <= m || maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
		mu.Lock()
		fetches[i] = append(fetches[i], fetch{time.Now(), r.UserAgent()})
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		w.Header().Set("Content-Type", "application/rss+xml")
		if i == sources-1 && grown.Load() {
			w.Write(bench.Feed(i, items+1))
			return
		}
		w.Write(bench.Feed(i, items))
	}))
	defer up.Close()

	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "database: ignored.db\ndefaults:\n  interval: %s\n  min_interval: 1s\n  workers: 4\n  per_host: %d\n  retention: 3650d\n  user_agent: POLLER\nsources:\n",
		interval, perHost)
	for i := range sources {
		fmt.Fprintf(&b, "  - {id: s%03d, url: '%s/feed/%d.xml'}\n", i, up.URL, i)
	}
	b.WriteString("topics:\n  - slug: all\n    title: All\n    match:\n      any:\n        - languages: [\"vi\"]\n")
	// Each poller names itself in its User-Agent (which is not part of
	// what the instances must agree on), so the upstream knows who fetched.
	writeConfig := func(name, agent string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Replace(b.String(), "POLLER", agent, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfgPath := writeConfig("bantin.yaml", "bantin-replica")
	t.Setenv(db.EnvDatabase, dsn) // the contract: $BANTIN_DATABASE overrides database:

	var pollers []*child
	for k := range 3 {
		cfg := writeConfig(fmt.Sprintf("poller%d.yaml", k), fmt.Sprintf("bantin-poller-%d", k))
		pollers = append(pollers, serveChild(t, "run", cfg, freeAddr(t), "-lease", lease.String()))
	}
	fetchedAll := func(after time.Time) bool {
		mu.Lock()
		defer mu.Unlock()
		for i := range sources {
			f := fetches[i]
			if len(f) == 0 || f[len(f)-1].at.Before(after) {
				return false
			}
		}
		return true
	}
	testenv.WaitFor(t, "every source fetched once", 60*time.Second, func() bool { return fetchedAll(time.Time{}) })

	// SIGKILL one poller; the others go on with its sources.
	time.Sleep(interval / 2)
	pollers[0].Process.Kill()
	killed := time.Now()
	testenv.WaitFor(t, "every source fetched again after the kill", interval*4+lease+30*time.Second, func() bool {
		return fetchedAll(killed.Add(lease))
	})
	time.Sleep(interval) // one more period

	mu.Lock()
	total := 0
	byAgent := map[string]int{}
	for i := range sources {
		f := fetches[i]
		total += len(f)
		for _, x := range f {
			byAgent[x.agent]++
		}
		for k := 1; k < len(f); k++ {
			// A source is due an interval after its last fetch; only a
			// fetch the killed poller did not get to store is repeated
			// sooner, once its lease (taken when it claimed the source,
			// which may be a while before the fetch on a loaded machine)
			// has ended.
			gap := f[k].at.Sub(f[k-1].at)
			if gap < min(lease, interval)-500*time.Millisecond && f[k-1].agent != "bantin-poller-0" {
				t.Errorf("source %d fetched twice within %v (at %v by %s and %v by %s): polled by two instances",
					i, gap, f[k-1].at.Format("15:04:05.000"), f[k-1].agent, f[k].at.Format("15:04:05.000"), f[k].agent)
			}
		}
	}
	mu.Unlock()
	if m := maxSeen.Load(); m > perHost {
		t.Errorf("the upstream host saw %d requests at once, want at most per_host %d", m, perHost)
	}
	t.Logf("%d sources, %d fetches (by poller: %v), at most %d at once", sources, total, byAgent, maxSeen.Load())
	for k := range 3 {
		if byAgent[fmt.Sprintf("bantin-poller-%d", k)] == 0 {
			t.Errorf("poller %d fetched nothing: the work is not shared (%v)", k, byAgent)
		}
	}

	// Nothing stored is lost: every item of every source is there.
	store, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if n, err := store.ItemCount(context.Background()); err != nil || n != sources*items {
		t.Errorf("items stored = %d (%v), want %d", n, err, sources*items)
	}

	// Two stateless replicas serve the same bytes and validators.
	r1 := serveChild(t, "serve", cfgPath, freeAddr(t))
	r2 := serveChild(t, "serve", cfgPath, freeAddr(t))
	// differs names the first response that differs between replicas
	// ("" when none) and returns the ETag of /topics/all.json.
	differs := func() (string, string) {
		var etag string
		for _, path := range []string{"/topics/all.rss", "/topics/all.json", "/topics/all.atom", "/opml.xml", "/"} {
			b1, e1, l1 := getFeed(t, "http://"+r1.addr+path)
			b2, e2, l2 := getFeed(t, "http://"+r2.addr+path)
			if !bytes.Equal(b1, b2) || e1 != e2 || l1 != l2 {
				return fmt.Sprintf("%s differs between replicas: %d/%d bytes, ETag %q/%q, Last-Modified %q/%q", path, len(b1), len(b2), e1, e2, l1, l2), e1
			}
			if path == "/topics/all.json" {
				etag = e1
			}
		}
		return "", etag
	}
	sameOnBoth := func() string {
		// A replica may serve a changed response's previous version
		// while the new one renders: within 2 s both serve the same.
		var diff, etag string
		for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if diff, etag = differs(); diff == "" || time.Now().After(deadline) {
				break
			}
		}
		if diff != "" {
			t.Error(diff)
		}
		return etag
	}
	before := sameOnBoth()
	// A change stored by a poller is served by both replicas within 2 s.
	seq0, _ := store.ChangeSeq(context.Background())
	grown.Store(true)
	testenv.WaitFor(t, "the new item stored", 2*interval+10*time.Second, func() bool {
		seq, _ := store.ChangeSeq(context.Background())
		return seq != seq0
	})
	stored := time.Now()
	for _, r := range []*child{r1, r2} {
		testenv.WaitFor(t, "the change served by "+r.addr, 2*time.Second, func() bool {
			_, e, _ := getFeed(t, "http://"+r.addr+"/topics/all.json")
			return e != before
		})
	}
	t.Logf("change served by both replicas %v after it was stored", time.Since(stored).Round(time.Millisecond))
	sameOnBoth()
}

// fetch is one request of the cluster test's upstream: when, and by which
// poller (its User-Agent).
type fetch struct {
	at    time.Time
	agent string
}

func getFeed(t *testing.T, u string) ([]byte, string, string) {
	t.Helper()
	resp, b := get(t, u)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	return b, resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
}

// TestInstancesWithDifferentConfigsSaySoAndDoNotFight starts two `bantin
// serve` on one PostgreSQL database with configs whose topics differ: the
// one started last reclassifies; the other says in /healthz that its
// config differs, and neither reclassifies back.
func TestInstancesWithDifferentConfigsSaySoAndDoNotFight(t *testing.T) {
	dsn := pgtest.URL(t)
	dir := t.TempDir()
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://x.test/</link>
<item><title>Bão số 3 đổ bộ</title><link>http://x.test/1</link><guid>1</guid></item>
<item><title>Giá vàng tăng</title><link>http://x.test/2</link><guid>2</guid></item>
</channel></rss>`
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("feed.xml", feed)
	conf := func(kw string) string {
		return "sources:\n  - id: a\n    url: ./feed.xml\ntopics:\n  - slug: news\n    title: News\n    match:\n      any:\n        - keywords: [\"" + kw + "\"]\n"
	}
	c1, c2 := write("one.yaml", conf("bão")), write("two.yaml", conf("vàng"))
	t.Setenv(db.EnvDatabase, dsn)
	mustRun(t, "poll", "-config", c1)

	a := serveChild(t, "serve", c1, freeAddr(t))
	b := serveChild(t, "serve", c2, freeAddr(t))
	testenv.WaitFor(t, "the first instance to say its config differs", 15*time.Second, func() bool {
		_, h := health(a.base)
		return strings.Contains(h, "config differs")
	})
	if _, h := health(b.base); h != "ok\n" {
		t.Errorf("/healthz of the instance that reclassified last = %q, want ok", h)
	}
	// No fight: over several checks the membership stays the second config's.
	time.Sleep(3 * driftInterval)
	feedOf := func(addr string) string {
		body, _, _ := getFeed(t, "http://"+addr+"/topics/news.json")
		return string(body)
	}
	for _, addr := range []string{a.addr, b.addr} {
		if f := feedOf(addr); !strings.Contains(f, "Giá vàng") || strings.Contains(f, "Bão số 3") {
			t.Errorf("topic news on %s follows the first config after the second reclassified: %s", addr, f)
		}
	}
}
