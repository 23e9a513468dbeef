package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LiveOptions size the live benchmark (`bantin bench -live`): bantin run
// polling Sources changing feeds (interval 1m) into Topics topics while
// Conns readers fetch what it publishes.
type LiveOptions struct {
	// Duration of each measured phase (60s): a whole number of minutes
	// holds every source's poll once, whatever the phase of the schedule.
	Duration time.Duration
	Sources  int // changing upstream feeds (1950)
	Items    int // items per upstream feed (20)
	Topics   int // topics (50)
	Conns    int // reader connections (32)
	// Pause is the longest pause of a reader between two requests (each
	// pause is uniform in [0, Pause]); 0 for none.
	Pause time.Duration
	// Unpaused adds a third phase when Pause > 0: the same readers
	// without pauses (32 connections pausing 20 ms on average cannot send
	// more than 1,600 requests/s; without pauses they show the ceiling).
	Unpaused bool
	// Readers only: skip the daemon-alone phase (its figures are then 0).
	SkipBaseline bool
	Dir          string    // scratch directory (database, config)
	Out          io.Writer // progress
	// UpstreamCmd starts the synthetic upstream (see Options); DaemonCmd
	// returns the command that runs `bantin run -config PATH`.
	UpstreamCmd *exec.Cmd
	DaemonCmd   func(config string) *exec.Cmd
}

// LiveReport holds the figures of one live run.
type LiveReport struct {
	Opts LiveOptions
	// FirstPass is how long the first poll of every source took (all are
	// due at start).
	FirstPass time.Duration
	Alone     LivePhase // the daemon alone
	Loaded    LivePhase // the daemon with the readers
	Readers   ReaderStats
	// The daemon with the readers not pausing (Opts.Unpaused), else zero.
	LoadedUnpaused  LivePhase
	ReadersUnpaused ReaderStats
}

// LivePhase is what the daemon did in one measured phase.
type LivePhase struct {
	Polls       float64 // polls per minute
	ItemsPerMin float64 // new items stored per minute
	Renders     float64 // responses rendered per second
	Stale       int     // requests answered with a changed feed's previous version
	MaxWAL      int64   // largest size of the -wal file seen, bytes
	EndWAL      int64
	PeakRSS     int64 // the daemon's resident memory high-water mark, bytes
	// CPU is the daemon's CPU time (user + system) in the phase: other
	// load on the machine does not inflate it as it does wall times.
	CPU time.Duration
	// Fresh: how long new items took from their commit to the feeds
	// (measureFreshness).
	Fresh FreshStats
}

// ReaderStats sum up the readers' requests.
type ReaderStats struct {
	Requests            int
	Duration            time.Duration
	Status              map[int]int
	Errors, EmptyReply  int // transport errors; connections closed with no answer
	Timeouts            int // no complete answer within readTimeout
	P50, P90, P99, PMax time.Duration
	Bytes               int64
	// ByKind: requests and p99 per kind of path (topic, tag, index, opml).
	ByKind map[string]KindStats
}

// KindStats are the figures of one kind of path.
type KindStats struct {
	Requests int
	P50, P99 time.Duration
}

// RPS is the readers' requests per second.
func (r ReaderStats) RPS() float64 { return float64(r.Requests) / r.Duration.Seconds() }

// readTimeout is what a reader waits for a whole answer before it counts
// a timeout.
const readTimeout = 10 * time.Second

// Print writes the figures.
func (r LiveReport) Print(w io.Writer) {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	o := r.Opts
	fmt.Fprintf(w, "live: bantin run, %d changing sources (interval 1m, %d items each), %d topics; first pass over all sources %v\n",
		o.Sources, o.Items, o.Topics, r.FirstPass.Round(100*time.Millisecond))
	if !o.SkipBaseline {
		fmt.Fprintf(w, "daemon alone (%v):   %6.0f polls/min, %6.0f new items/min, WAL max %.1f MiB (end %.1f), peak RSS %.1f MiB\n",
			o.Duration, r.Alone.Polls, r.Alone.ItemsPerMin, mib(r.Alone.MaxWAL), mib(r.Alone.EndWAL), mib(r.Alone.PeakRSS))
		fmt.Fprintf(w, "daemon alone: CPU %.1f s (%.0f%% of a core)\n", r.Alone.CPU.Seconds(), 100*r.Alone.CPU.Seconds()/o.Duration.Seconds())
		printFresh(w, "daemon alone", r.Alone.Fresh)
	}
	r.printLoaded(w, "readers", o.Pause, r.Loaded, r.Readers)
	if r.ReadersUnpaused.Requests > 0 {
		r.printLoaded(w, "unpaused readers", 0, r.LoadedUnpaused, r.ReadersUnpaused)
	}
	fmt.Fprintf(w, "targets: readers >= 2000 req/s with p99 < 100 ms, polling >= 95%% of the daemon alone, WAL < 64 MiB; changes shown within 2 s (p99)\n")
}

// printLoaded writes the figures of one phase with readers pausing 0 to
// pause between requests.
func (r LiveReport) printLoaded(w io.Writer, name string, pause time.Duration, p LivePhase, rs ReaderStats) {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	o := r.Opts
	fmt.Fprintf(w, "daemon + %s (%v): %6.0f polls/min, %6.0f new items/min, WAL max %.1f MiB (end %.1f), peak RSS %.1f MiB\n",
		name, o.Duration, p.Polls, p.ItemsPerMin, mib(p.MaxWAL), mib(p.EndWAL), mib(p.PeakRSS))
	fmt.Fprintf(w, "renders: %.1f/s under load; %d requests got a changed feed's previous bytes while it re-rendered\n",
		p.Renders, p.Stale)
	fmt.Fprintf(w, "daemon + %s: CPU %.1f s (%.0f%% of a core)", name, p.CPU.Seconds(), 100*p.CPU.Seconds()/o.Duration.Seconds())
	if !o.SkipBaseline && r.Alone.Polls > 0 && rs.Requests > 0 {
		// What the readers cost: the CPU beyond the daemon alone's, per
		// request (renders included).
		extra := p.CPU - time.Duration(float64(r.Alone.CPU)*p.Polls/r.Alone.Polls)
		fmt.Fprintf(w, "; beyond polling: %.0f µs per request", float64(extra.Microseconds())/float64(rs.Requests))
	}
	fmt.Fprintln(w)
	if !o.SkipBaseline && r.Alone.Polls > 0 {
		fmt.Fprintf(w, "polling with %s: %.1f%% of the daemon alone (target >= 95%%)\n", name, 100*p.Polls/r.Alone.Polls)
	}
	codes := slices.Sorted(maps.Keys(rs.Status))
	var sc []string
	for _, c := range codes {
		sc = append(sc, fmt.Sprintf("%d: %d", c, rs.Status[c]))
	}
	fmt.Fprintf(w, "%s: %d connections, pauses 0-%v: %d requests, %.0f req/s, %.1f MB/s; latency p50 %v, p90 %v, p99 %v, max %v\n",
		name, o.Conns, pause, rs.Requests, rs.RPS(), float64(rs.Bytes)/1e6/rs.Duration.Seconds(),
		rs.P50.Round(10*time.Microsecond), rs.P90.Round(10*time.Microsecond), rs.P99.Round(10*time.Microsecond), rs.PMax.Round(time.Millisecond))
	fmt.Fprintf(w, "%s: status {%s}, %d errors, %d empty replies, %d timeouts (> %v)\n",
		name, strings.Join(sc, ", "), rs.Errors, rs.EmptyReply, rs.Timeouts, readTimeout)
	var kinds []string
	for _, k := range []string{"topic", "tag", "index", "opml"} {
		if ks, ok := rs.ByKind[k]; ok {
			kinds = append(kinds, fmt.Sprintf("%s %d req p50 %v p99 %v", k, ks.Requests, ks.P50.Round(10*time.Microsecond), ks.P99.Round(10*time.Microsecond)))
		}
	}
	fmt.Fprintf(w, "%s by path: %s\n", name, strings.Join(kinds, "; "))
	printFresh(w, name, p.Fresh)
	if pause > 0 {
		fmt.Fprintf(w, "(with pauses averaging %v, %d connections can send at most %.0f req/s)\n",
			pause/2, o.Conns, float64(o.Conns)/(pause/2).Seconds())
	}
}

// RunLive runs the live benchmark: the first pass, then the daemon alone
// for Duration, then the daemon with the readers for Duration.
func RunLive(ctx context.Context, o LiveOptions) (LiveReport, error) {
	rep := LiveReport{Opts: o}
	base, stopUp, err := startUpstream(o.UpstreamCmd)
	if err != nil {
		return rep, err
	}
	defer stopUp()
	port, err := freePort()
	if err != nil {
		return rep, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cfgPath := filepath.Join(o.Dir, "live.yaml")
	if err := os.WriteFile(cfgPath, []byte(liveConfig(o, base, addr)), 0o644); err != nil {
		return rep, err
	}
	cmd := o.DaemonCmd(cfgPath)
	logf, err := os.Create(filepath.Join(o.Dir, "daemon.log"))
	if err != nil {
		return rep, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return rep, fmt.Errorf("bench: start bantin run: %w", err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	d := &daemonProbe{pid: cmd.Process.Pid, addr: addr, url: "http://" + addr, db: filepath.Join(o.Dir, "live.db"), wal: filepath.Join(o.Dir, "live.db-wal")}
	if err := d.waitUp(ctx); err != nil {
		return rep, err
	}
	fmt.Fprintf(o.Out, "live: daemon up on %s; first pass over %d sources...\n", addr, o.Sources)
	for {
		m, err := d.metrics()
		if err != nil {
			return rep, err
		}
		if m.polls >= float64(o.Sources) {
			break
		}
		if time.Since(start) > 10*time.Minute {
			return rep, fmt.Errorf("bench: the first pass did not end in 10 minutes (%v polls)", m.polls)
		}
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	rep.FirstPass = time.Since(start)
	fmt.Fprintf(o.Out, "live: first pass done in %v\n", rep.FirstPass.Round(100*time.Millisecond))
	// Let the schedule settle into its steady state (the first pass's
	// burst comes due again a minute later).
	settle := time.Minute - time.Since(start)%time.Minute
	if o.SkipBaseline {
		settle = 0
	}
	select {
	case <-ctx.Done():
		return rep, ctx.Err()
	case <-time.After(settle):
	}
	if !o.SkipBaseline {
		fmt.Fprintf(o.Out, "live: daemon alone for %v...\n", o.Duration)
		if rep.Alone, err = d.phase(ctx, o.Duration, nil); err != nil {
			return rep, err
		}
	}
	urls, err := readerURLs(ctx, d.url)
	if err != nil {
		return rep, err
	}
	// Every URL once first, so that the phase measures the steady state,
	// not the first render of each response.
	for _, u := range urls {
		req, _ := http.NewRequestWithContext(ctx, "GET", d.url+u.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return rep, fmt.Errorf("bench: %s: %w", u.path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	fmt.Fprintf(o.Out, "live: daemon + %d readers over %d URLs for %v...\n", o.Conns, len(urls), o.Duration)
	rep.Loaded, err = d.phase(ctx, o.Duration, func(ctx context.Context) {
		rep.Readers = readLoad(ctx, addr, urls, o.Conns, o.Pause)
	})
	if err != nil || !o.Unpaused || o.Pause <= 0 {
		return rep, err
	}
	fmt.Fprintf(o.Out, "live: daemon + %d readers without pauses for %v...\n", o.Conns, o.Duration)
	rep.LoadedUnpaused, err = d.phase(ctx, o.Duration, func(ctx context.Context) {
		rep.ReadersUnpaused = readLoad(ctx, addr, urls, o.Conns, 0)
	})
	return rep, err
}

// liveConfig is the daemon's config: every source tagged with one of
// Topics groups, each topic the items of one group.
func liveConfig(o LiveOptions, base, addr string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `listen: %s
base_url: http://%s
database: live.db
defaults:
  interval: 1m
  min_interval: 1m
  max_interval: 1h
  retention: 3650d
  per_host: 16
  workers: 16
sources:
`, addr, addr)
	for i := range o.Sources {
		fmt.Fprintf(&b, "  - {id: s%05d, url: '%s/live/%d/%d.xml', tags: ['Nhóm %d']}\n", i, base, i, o.Items, i%o.Topics)
	}
	b.WriteString("topics:\n")
	for k := range o.Topics {
		fmt.Fprintf(&b, "  - {slug: chu-de-%d, title: 'Chủ đề %d', match: {tags: [nhom-%d]}}\n", k, k, k)
	}
	return b.String()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// daemonProbe watches the daemon process from outside.
type daemonProbe struct {
	pid                int
	addr, url, db, wal string
}

func (d *daemonProbe) waitUp(ctx context.Context) error {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		resp, err := http.Get(d.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("bench: bantin run did not answer /healthz within a minute")
}

type daemonMetrics struct{ polls, items, renders, stale float64 }

var metricLine = regexp.MustCompile(`(?m)^(bantin_fetches_total|bantin_items_ingested_total|bantin_renders_total|bantin_stale_responses_total)(?:\{([^}]*)\})? ([0-9.e+]+)$`)

// metrics reads the poll and new item counters from /metrics.
func (d *daemonProbe) metrics() (daemonMetrics, error) {
	var m daemonMetrics
	resp, err := http.Get(d.url + "/metrics")
	if err != nil {
		return m, fmt.Errorf("bench: metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return m, fmt.Errorf("bench: metrics: %w", err)
	}
	for _, sm := range metricLine.FindAllStringSubmatch(string(body), -1) {
		v, _ := strconv.ParseFloat(sm[3], 64)
		switch {
		case sm[1] == "bantin_renders_total":
			m.renders = v
		case sm[1] == "bantin_stale_responses_total":
			m.stale = v
		case sm[1] == "bantin_fetches_total":
			m.polls += v
		case sm[2] == `kind="new"`:
			m.items += v
		}
	}
	return m, nil
}

// phase measures the daemon for d while load (if any) runs.
func (dp *daemonProbe) phase(ctx context.Context, d time.Duration, load func(context.Context)) (LivePhase, error) {
	var p LivePhase
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", dp.pid), []byte("5"), 0)
	m0, err := dp.metrics()
	if err != nil {
		return p, err
	}
	cpu0 := procCPU(dp.pid)
	t0 := time.Now()
	pctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	if load != nil {
		wg.Add(1)
		go func() { defer wg.Done(); load(pctx) }()
	}
	var freshErr error
	wg.Add(1)
	go func() { defer wg.Done(); p.Fresh, freshErr = measureFreshness(pctx, dp.db, dp.addr) }()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for pctx.Err() == nil {
		p.MaxWAL = max(p.MaxWAL, fileSize(dp.wal))
		select {
		case <-pctx.Done():
		case <-tick.C:
		}
	}
	wg.Wait()
	if freshErr != nil {
		return p, freshErr
	}
	m1, err := dp.metrics()
	if err != nil {
		return p, err
	}
	mins := time.Since(t0).Minutes()
	p.CPU = procCPU(dp.pid) - cpu0
	p.Polls = (m1.polls - m0.polls) / mins
	p.ItemsPerMin = (m1.items - m0.items) / mins
	p.Renders = (m1.renders - m0.renders) / mins / 60
	p.Stale = int(m1.stale - m0.stale)
	p.EndWAL = fileSize(dp.wal)
	p.MaxWAL = max(p.MaxWAL, p.EndWAL)
	p.PeakRSS = procHWM(dp.pid)
	return p, ctx.Err()
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// procCPU returns the CPU time (user + system) process pid has used (0
// if unknown).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces), from
	// the state (field 3): utime and stime are fields 14 and 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTicks = 100

// procHWM returns VmHWM of process pid, in bytes (0 if unknown).
func procHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// readerURL is one path of the readers' mix with its weight.
type readerURL struct {
	path   string
	weight int
}

var xmlURL = regexp.MustCompile(`xmlUrl="[^"]*?(/(?:topics|tags)/[^"./]+)\.rss"`)

// readerURLs is the readers' mix: every topic and tag feed in the three
// formats (topic feeds weigh 2, tag feeds 1), the index page and both
// OPML lists (weight 6 each: 3 to 4% of the requests each).
func readerURLs(ctx context.Context, base string) ([]readerURL, error) {
	var out []readerURL
	for _, list := range []string{"/opml.xml", "/opml.xml?tags=1"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+list, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("bench: %s: %w", list, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("bench: %s: %w", list, err)
		}
		for _, m := range xmlURL.FindAllStringSubmatch(string(body), -1) {
			w := 1
			if strings.HasPrefix(m[1], "/topics/") {
				w = 2
			}
			for _, f := range []string{".rss", ".atom", ".json"} {
				out = append(out, readerURL{m[1] + f, w})
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("bench: the OPML lists no feeds")
	}
	total := 0
	for _, u := range out {
		total += u.weight
	}
	for _, p := range []string{"/", "/opml.xml", "/opml.xml?tags=1"} {
		out = append(out, readerURL{p, max(1, total/28)})
	}
	return out, nil
}

// readLoad runs conns readers against addr until ctx ends. Each sends
// requests from urls (by weight) on one keep-alive connection, a third
// plain, a third with the If-None-Match of the last answer it got for
// that path, a third accepting gzip, pausing 0 to pause between them.
func readLoad(ctx context.Context, addr string, urls []readerURL, conns int, pause time.Duration) ReaderStats {
	var pick []string
	for _, u := range urls {
		for range u.weight {
			pick = append(pick, u.path)
		}
	}
	type result struct {
		lat    []time.Duration
		kind   []string
		status map[int]int
		errs   int
		empty  int
		tmo    int
		bytes  int64
	}
	results := make([]result, conns)
	var wg sync.WaitGroup
	start := time.Now()
	var reqs atomic.Int64
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[c]
			res.status = map[int]int{}
			r := rand.New(rand.NewPCG(uint64(c), 7))
			etags := map[string]string{}
			var conn net.Conn
			var br *bufio.Reader
			defer func() {
				if conn != nil {
					conn.Close()
				}
			}()
			for ctx.Err() == nil {
				if conn == nil {
					var err error
					conn, err = net.DialTimeout("tcp", addr, readTimeout)
					if err != nil {
						res.errs++
						time.Sleep(10 * time.Millisecond)
						continue
					}
					br = bufio.NewReaderSize(conn, 32<<10)
				}
				path := pick[r.IntN(len(pick))]
				var hdr string
				switch r.IntN(3) {
				case 1:
					if e := etags[path]; e != "" {
						hdr = "If-None-Match: " + e + "\r\n"
					}
				case 2:
					hdr = "Accept-Encoding: gzip\r\n"
				}
				t := time.Now()
				conn.SetDeadline(t.Add(readTimeout))
				_, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: bantin-bench\r\n%s\r\n", path, addr, hdr)
				var status int
				var etag string
				var n int64
				if err == nil {
					status, etag, n, err = readResponse(br)
				}
				if ctx.Err() != nil && err != nil {
					break // the phase ended mid-request
				}
				if err != nil {
					var ne net.Error
					switch {
					case errors.As(err, &ne) && ne.Timeout():
						res.tmo++
					case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
						res.empty++
					default:
						res.errs++
					}
					conn.Close()
					conn = nil
					continue
				}
				res.lat = append(res.lat, time.Since(t))
				res.kind = append(res.kind, pathKind(path))
				res.status[status]++
				res.bytes += n
				reqs.Add(1)
				if etag != "" && status == 200 && hdr == "" {
					etags[path] = etag
				}
				if pause > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(time.Duration(r.Int64N(int64(pause) + 1))):
					}
				}
			}
		}()
	}
	wg.Wait()
	st := ReaderStats{Duration: time.Since(start), Status: map[int]int{}, ByKind: map[string]KindStats{}}
	var all []time.Duration
	byKind := map[string][]time.Duration{}
	for _, res := range results {
		all = append(all, res.lat...)
		for i, k := range res.kind {
			byKind[k] = append(byKind[k], res.lat[i])
		}
		for k, v := range res.status {
			st.Status[k] += v
		}
		st.Errors += res.errs
		st.EmptyReply += res.empty
		st.Timeouts += res.tmo
		st.Bytes += res.bytes
	}
	st.Requests = len(all)
	if len(all) > 0 {
		slices.Sort(all)
		q := func(f float64) time.Duration { return all[min(len(all)-1, int(f*float64(len(all))))] }
		st.P50, st.P90, st.P99, st.PMax = q(0.50), q(0.90), q(0.99), all[len(all)-1]
	}
	for k, l := range byKind {
		slices.Sort(l)
		q := func(f float64) time.Duration { return l[min(len(l)-1, int(f*float64(len(l))))] }
		st.ByKind[k] = KindStats{Requests: len(l), P50: q(0.5), P99: q(0.99)}
	}
	return st
}

// pathKind names the kind of a reader path.
func pathKind(p string) string {
	switch {
	case strings.HasPrefix(p, "/topics/"):
		return "topic"
	case strings.HasPrefix(p, "/tags/"):
		return "tag"
	case strings.HasPrefix(p, "/opml"):
		return "opml"
	}
	return "index"
}

// readResponse reads one HTTP/1.1 response (Content-Length or chunked
// body, discarded) and returns its status, ETag and body size.
func readResponse(br *bufio.Reader) (status int, etag string, n int64, err error) {
	return readResponseBody(br, nil)
}

// readResponseBody is readResponse keeping the body in dst (nil: discard).
func readResponseBody(br *bufio.Reader, dst *bytes.Buffer) (status int, etag string, n int64, err error) {
	skip := func(n int) error {
		if dst == nil {
			_, err := br.Discard(n)
			return err
		}
		_, err := io.CopyN(dst, br, int64(n))
		return err
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, "", 0, err
	}
	f := strings.Fields(string(line))
	if len(f) < 2 {
		return 0, "", 0, fmt.Errorf("bench: bad status line %q", line)
	}
	status, _ = strconv.Atoi(f[1])
	length, chunked := int64(-1), false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, "", 0, err
		}
		if len(line) <= 2 {
			break
		}
		k, v, _ := strings.Cut(strings.TrimRight(string(line), "\r\n"), ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "content-length":
			length, _ = strconv.ParseInt(v, 10, 64)
		case "transfer-encoding":
			chunked = strings.EqualFold(v, "chunked")
		case "etag":
			etag = v
		}
	}
	switch {
	case status == 304 || status == 204:
		return status, etag, 0, nil
	case chunked:
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return 0, "", 0, err
			}
			size, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(string(line), ";", 2)[0]), 16, 64)
			if err != nil {
				return 0, "", 0, fmt.Errorf("bench: bad chunk size %q", line)
			}
			if err := skip(int(size)); err != nil {
				return 0, "", 0, err
			}
			if _, err := br.Discard(2); err != nil {
				return 0, "", 0, err
			}
			n += size
			if size == 0 {
				return status, etag, n, nil
			}
		}
	case length >= 0:
		return status, etag, length, skip(int(length))
	}
	return 0, "", 0, errors.New("bench: response without a length")
}
