package aggregator

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/internal/fixture"
)

// The dispatcher's decisions, tested directly: no HTTP, no database.

var dispatchNow = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// dispatchConfig configures sources a..f: a, b, c on host one.test, d on
// two.test, e a local file, f on three.test.
func dispatchConfig(t *testing.T) *config.Config {
	t.Helper()
	return fixture.Config(t, "database: test.db\ndefaults:\n  interval: 10m\n  max_interval: 2h\nsources:\n"+
		"  - {id: a, url: 'http://one.test/a'}\n  - {id: b, url: 'http://one.test/b'}\n  - {id: c, url: 'http://ONE.test/c'}\n"+
		"  - {id: d, url: 'http://two.test/d'}\n  - {id: e, url: 'file:///srv/e.xml'}\n  - {id: f, url: 'http://three.test/f'}\n")
}

// dispatchStates returns the stored states of the sources of
// dispatchConfig, each due at its offset from dispatchNow.
func dispatchStates(cfg *config.Config, due map[string]time.Duration) map[string]*db.Source {
	m := map[string]*db.Source{}
	for _, s := range cfg.Sources {
		d, ok := due[s.ID]
		if !ok {
			continue
		}
		m[s.ID] = &db.Source{ID: s.ID, ConfigURL: s.URL, NextDue: dispatchNow.Add(d)}
	}
	return m
}

func jobIDs(jobs []job) string {
	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.state.ID)
	}
	return strings.Join(ids, " ")
}

// stored hands a job's state back to the dispatcher as the writer does,
// due again after next.
func stored(d *dispatcher, j job, next time.Duration) {
	st := j.state
	st.NextDue = dispatchNow.Add(next)
	j.hosts.release(j.host)
	d.done(st)
}

func TestDispatchDueOrderWorkersAndInFlight(t *testing.T) {
	cfg := dispatchConfig(t)
	states := dispatchStates(cfg, map[string]time.Duration{
		"a": -time.Minute, "b": time.Minute, "d": -time.Hour, "e": -2 * time.Minute, "f": 0,
	})
	d := newDispatcher(states, 2, 4, nil)
	d.fill(dispatchNow)
	jobs, _, _ := d.next(cfg)
	// The most overdue first, no more than the workers; b is not due.
	if got := jobIDs(jobs); got != "d e" {
		t.Fatalf("first jobs %q, want \"d e\"", got)
	}
	if jobs, _, _ := d.next(cfg); len(jobs) != 0 {
		t.Errorf("with every worker busy: jobs %q, want none", jobIDs(jobs))
	}
	// In flight: not queued twice however often the clock ticks.
	d.fill(dispatchNow.Add(time.Second))
	if n := strings.Count(strings.Join(d.queue, " "), "d"); n != 0 || len(d.queue) != 2 {
		t.Errorf("queue %v after a tick with d in flight, want [a f]", d.queue)
	}
	stored(d, jobs[0], 10*time.Minute)
	if jobs, _, _ := d.next(cfg); jobIDs(jobs) != "a" {
		t.Errorf("after d is stored: jobs %q, want \"a\"", jobIDs(jobs))
	}
	if d.idle() {
		t.Error("idle with e, a in flight and f queued")
	}
	// d is due again only at its new time.
	d.fill(dispatchNow.Add(9 * time.Minute))
	if slices.Contains(d.queue, "d") {
		t.Errorf("d queued again before its next due time: %v", d.queue)
	}
	d.fill(dispatchNow.Add(10 * time.Minute))
	if !slices.Contains(d.queue, "d") || !slices.Contains(d.queue, "b") {
		t.Errorf("queue %v ten minutes on, want b and d in it", d.queue)
	}
}

func TestDispatchPerHost(t *testing.T) {
	cfg := dispatchConfig(t)
	states := dispatchStates(cfg, map[string]time.Duration{"a": -3 * time.Minute, "b": -2 * time.Minute, "c": -time.Minute, "d": 0})
	d := newDispatcher(states, 8, 1, nil)
	d.fill(dispatchNow)
	jobs, _, _ := d.next(cfg)
	// a, b and c share one host (its name is case-insensitive): one at a time.
	if got := jobIDs(jobs); got != "a d" {
		t.Fatalf("jobs %q, want \"a d\" (per_host 1)", got)
	}
	if jobs, _, _ := d.next(cfg); len(jobs) != 0 {
		t.Errorf("jobs %q while one.test is busy, want none", jobIDs(jobs))
	}
	// The host slot frees when the network part ends, before the write.
	jobs[0].hosts.release(jobs[0].host)
	if next, _, _ := d.next(cfg); jobIDs(next) != "b" {
		t.Errorf("jobs %q once a's fetch is over, want \"b\" (in due order)", jobIDs(next))
	}
	// c waits for one.test (set aside, not walked again meanwhile).
	if got := strings.Join(append(d.waiting["one.test"], d.queue...), " "); got != "c" || d.idle() {
		t.Errorf("queued %q, idle %v; want \"c\" waiting", got, d.idle())
	}
	jobs[0].hosts.release(jobs[0].host)
	if next, _, _ := d.next(cfg); jobIDs(next) != "c" {
		t.Errorf("jobs %q once b's fetch is over, want \"c\"", jobIDs(next))
	}
}

// oneHost configures n sources s00000... of host big.test (and extra
// YAML source lines) and returns their states, each due a second after
// the one before, all overdue.
func oneHost(tb testing.TB, n int, extra string) (*config.Config, map[string]*db.Source) {
	var b strings.Builder
	b.WriteString("database: test.db\ndefaults:\n  interval: 10m\nsources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: s%05d, url: 'http://big.test/%d.xml'}\n", i, i)
	}
	cfg := fixture.Config(tb, b.String()+extra)
	states := map[string]*db.Source{}
	for i, s := range cfg.Sources {
		states[s.ID] = &db.Source{ID: s.ID, ConfigURL: s.URL, NextDue: dispatchNow.Add(time.Duration(i-len(cfg.Sources)) * time.Second)}
	}
	return cfg, states
}

// TestDispatchManyOnOneHost: with thousands of sources of one host and
// workers above per_host, each completion dispatches the next in due
// order without walking the whole queue again, and a source of another
// host queued behind them all goes at once.
func TestDispatchManyOnOneHost(t *testing.T) {
	const n = 5000
	cfg, states := oneHost(t, n, "  - {id: other, url: 'http://small.test/feed.xml'}\n")
	d := newDispatcher(states, 16, 2, nil)
	d.fill(dispatchNow)
	jobs, _, _ := d.next(cfg)
	if got := jobIDs(jobs); got != "s00000 s00001 other" {
		t.Fatalf("first jobs %q, want the two most overdue of big.test and other", got)
	}
	inflight := jobs[:2]
	var order []string
	for len(order) < n-2 {
		j := inflight[0]
		inflight = inflight[1:]
		stored(d, j, time.Hour)
		next, _, _ := d.next(cfg)
		if len(next) != 1 {
			t.Fatalf("after %d completions: jobs %q, want one (per_host 2)", len(order), jobIDs(next))
		}
		order = append(order, next[0].state.ID)
		inflight = append(inflight, next...)
	}
	for i, id := range order {
		if want := fmt.Sprintf("s%05d", i+2); id != want {
			t.Fatalf("dispatch %d was %s, want %s (due order)", i, id, want)
		}
	}
}

// TestDispatchWindow: a poll whose outcome waits for the writer frees its
// worker for the next source, up to window sources in flight; the window
// never lets more than workers polls run.
func TestDispatchWindow(t *testing.T) {
	cfg, states := oneHost(t, 10, "")
	d := newDispatcher(states, 2, 8, nil)
	d.window = 4
	d.fill(dispatchNow)
	jobs, _, _ := d.next(cfg)
	if got := jobIDs(jobs); got != "s00000 s00001" {
		t.Fatalf("jobs %q, want two (workers 2)", got)
	}
	if more, _, _ := d.next(cfg); len(more) != 0 {
		t.Fatalf("jobs %q while both workers poll, want none", jobIDs(more))
	}
	d.handed("s00000", 1000) // its outcome waits for the writer
	more, _, _ := d.next(cfg)
	if got := jobIDs(more); got != "s00002" {
		t.Fatalf("jobs %q once a poll is over, want s00002", got)
	}
	d.handed("s00001", 1000)
	d.handed("s00002", 1000)
	more, _, _ = d.next(cfg)
	if got := jobIDs(more); got != "s00003" {
		t.Fatalf("jobs %q with 3 of window 4 in flight, want s00003 only", got)
	}
	d.handed("s00003", 1000)
	if more, _, _ := d.next(cfg); len(more) != 0 || d.idle() {
		t.Fatalf("jobs %q with the window full (4 waiting for the writer), want none", jobIDs(more))
	}
	stored(d, jobs[0], time.Hour)
	more, _, _ = d.next(cfg)
	if jobIDs(more) != "s00004" {
		t.Fatalf("jobs %q once one is stored, want s00004", jobIDs(more))
	}
	// A big feed's outcome waiting: no more in flight than workers
	// until it is stored.
	d.handed("s00004", windowBytes)
	stored(d, jobs[1], time.Hour)
	if none, _, _ := d.next(cfg); len(none) != 0 {
		t.Fatalf("jobs %q with %d bytes waiting for the writer, want none beyond the workers", jobIDs(none), d.waitBytes)
	}
	stored(d, more[0], time.Hour)
	if more, _, _ := d.next(cfg); jobIDs(more) != "s00005 s00006" {
		t.Fatalf("jobs %q once the big outcome is stored, want s00005 s00006", jobIDs(more))
	}
}

// BenchmarkDispatchOneHost: one completion and dispatch among 10,000
// queued sources of one host (per_host 2, 16 workers), as in a re-poll of
// many feeds of one site. Before the waiting lists every completion
// walked the whole queue: 2.8 ms each at 10,000 sources (2.3 µs now).
func BenchmarkDispatchOneHost(b *testing.B) {
	cfg, _ := oneHost(b, 10000, "")
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		_, states := oneHost(b, 10000, "")
		d := newDispatcher(states, 16, 2, nil)
		d.fill(dispatchNow)
		inflight, _, _ := d.next(cfg)
		b.StartTimer()
		for ; done < b.N && len(inflight) > 0; done++ {
			j := inflight[0]
			stored(d, j, time.Hour)
			next, _, _ := d.next(cfg)
			inflight = append(inflight[1:], next...)
		}
	}
}

func TestDispatchRetryAfterBackoffAndRemoved(t *testing.T) {
	cfg := dispatchConfig(t)
	src, _ := cfg.Source("a")
	states := dispatchStates(cfg, map[string]time.Duration{"a": -time.Hour, "b": -time.Hour, "d": -time.Hour, "e": -time.Hour})
	// a failed once: backoff puts it an interval or more ahead.
	wait := backoff(src, 1)
	states["a"].NextDue = dispatchNow.Add(wait)
	// b answered 503 with Retry-After: not polled before, even with all.
	states["b"].RetryAfter = dispatchNow.Add(time.Hour)
	states["d"].Disabled = true // 410 Gone
	d := newDispatcher(states, 8, 8, nil)
	d.all = true
	d.fill(dispatchNow)
	jobs, _, _ := d.next(cfg)
	if got := jobIDs(jobs); got != "e a" {
		t.Errorf("with all: jobs %q, want \"e a\" (in due order; b under Retry-After, d disabled)", got)
	}
	d = newDispatcher(states, 8, 8, nil)
	d.fill(dispatchNow)
	if jobs, _, _ := d.next(cfg); jobIDs(jobs) != "e" {
		t.Errorf("jobs %q, want \"e\" (a backs off %v)", jobIDs(jobs), wait)
	}
	d.fill(dispatchNow.Add(wait))
	if jobs, _, _ := d.next(cfg); jobIDs(jobs) != "a" {
		t.Errorf("after its backoff: jobs %q, want \"a\"", jobIDs(jobs))
	}
	// A source that left the config is dropped, not polled.
	d = newDispatcher(dispatchStates(cfg, map[string]time.Duration{"a": -time.Minute}), 8, 8, nil)
	d.states["gone"] = &db.Source{ID: "gone", ConfigURL: "http://x.test/"}
	d.fill(dispatchNow)
	if jobs, _, _ := d.next(cfg); jobIDs(jobs) != "a" || len(d.queue) != 0 {
		t.Errorf("jobs %q, queue %v; want a only, nothing left queued", jobIDs(jobs), d.queue)
	}
}

// TestDispatchClaims: where pollers share the database, only what this
// poller leases is fetched; a source another poller polled meanwhile
// takes the stored state; a host other pollers fill stays queued.
func TestDispatchClaims(t *testing.T) {
	cfg := dispatchConfig(t)
	states := dispatchStates(cfg, map[string]time.Duration{
		"a": -6 * time.Minute, "b": -5 * time.Minute, "d": -4 * time.Minute, "e": -3 * time.Minute, "f": -2 * time.Minute,
	})
	d := newDispatcher(states, 2, 4, nil)
	d.lookahead = 8
	leasedUntil := dispatchNow.Add(time.Minute)
	var asked []string
	var askedMax int
	d.claim = func(cands []db.Candidate, n int) ([]db.Claimed, error) {
		asked, askedMax = nil, n
		var out []db.Claimed
		claimed := 0
		for _, c := range cands {
			asked = append(asked, c.ID+"@"+c.Host)
			if claimed == n {
				break
			}
			st := db.Source{ID: c.ID, ConfigURL: states[c.ID].ConfigURL, NextDue: states[c.ID].NextDue}
			switch c.ID {
			case "a": // polled by another poller meanwhile
				st.NextDue = dispatchNow.Add(10 * time.Minute)
				out = append(out, db.Claimed{Source: st})
			case "b": // leased by another poller, its lease runs
				out = append(out, db.Claimed{Source: st, Claim: db.Claim{Until: leasedUntil}})
			case "d": // two.test's per_host slots are all leased
				out = append(out, db.Claimed{Source: st, Claim: db.Claim{HostBusy: true}})
			default:
				st.ETag = "fresh"
				out = append(out, db.Claimed{Source: st, Claim: db.Claim{OK: true}})
				claimed++
			}
		}
		return out, nil
	}
	d.fill(dispatchNow)
	jobs, hostFull, err := d.next(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(asked, " "); got != "a@one.test b@one.test d@two.test e@ f@three.test" || askedMax != 2 {
		t.Errorf("candidates %q (claim at most %d), want all five at most 2", got, askedMax)
	}
	if jobIDs(jobs) != "e f" || !hostFull {
		t.Errorf("jobs %q, host full %v; want \"e f\", true", jobIDs(jobs), hostFull)
	}
	if jobs[0].state.ETag != "fresh" {
		t.Error("a claimed source is fetched with the state read by its claim")
	}
	if got := strings.Join(d.queue, " "); got != "d" {
		t.Errorf("queue %q, want \"d\" (its host is full; a and b are done)", got)
	}
	if !d.skippedAny() {
		t.Error("a and b, polled by other pollers, were skipped: the loop must look further at once, not wait for a tick")
	}
	if !d.states["a"].NextDue.Equal(dispatchNow.Add(10*time.Minute)) || !d.states["b"].NextDue.Equal(leasedUntil) {
		t.Errorf("next due of a %v, b %v; want the stored one and the end of the other's lease", d.states["a"].NextDue, d.states["b"].NextDue)
	}
	// A failed claim leaves the candidates queued.
	stored(d, jobs[0], time.Hour)
	d.claim = func([]db.Candidate, int) ([]db.Claimed, error) { return nil, errors.New("connection refused") }
	if jobs, _, err := d.next(cfg); err == nil || len(jobs) != 0 || strings.Join(d.queue, " ") != "d" {
		t.Errorf("failed claim: jobs %q, err %v, queue %v; want none, the error, d still queued", jobIDs(jobs), err, d.queue)
	}
}

// TestDispatchClaimsBusyHost: where pollers share the database and
// other pollers fill a host that has many sources due, a source of
// another host queued behind them all is claimed at once, each claim asks
// for no more of the busy host than per_host (not its every source at
// every retry), and once the host frees its sources are claimed in due
// order, each once.
func TestDispatchClaimsBusyHost(t *testing.T) {
	const n = 300
	cfg, states := oneHost(t, n, "  - {id: other, url: 'http://small.test/feed.xml'}\n")
	d := newDispatcher(states, 4, 2, nil)
	d.lookahead = 16
	bigBusy := true
	var bigAsked []int // per claim, the candidates of big.test
	d.claim = func(cands []db.Candidate, max int) ([]db.Claimed, error) {
		var out []db.Claimed
		big, leased := 0, 0
		for _, c := range cands {
			if leased == max {
				break
			}
			st := *states[c.ID]
			switch {
			case c.Host == "big.test" && bigBusy:
				big++
				out = append(out, db.Claimed{Source: st, Claim: db.Claim{HostBusy: true}})
			default:
				if c.Host == "big.test" {
					big++
				}
				leased++
				out = append(out, db.Claimed{Source: st, Claim: db.Claim{OK: true}})
			}
		}
		bigAsked = append(bigAsked, big)
		return out, nil
	}
	d.fill(dispatchNow)
	jobs, hostFull, err := d.next(cfg)
	if err != nil || jobIDs(jobs) != "other" || !hostFull {
		t.Fatalf("first jobs %q, host full %v, err %v; want \"other\" at once, host full", jobIDs(jobs), hostFull, err)
	}
	for range 5 { // the poller's retries while big.test stays full
		if jobs, _, _ := d.next(cfg); len(jobs) != 0 {
			t.Fatalf("jobs %q while big.test is full", jobIDs(jobs))
		}
	}
	for i, k := range bigAsked {
		if k > 2 {
			t.Fatalf("claim %d asked for %d sources of big.test, want at most per_host 2", i, k)
		}
	}
	if d.idle() {
		t.Fatal("idle with 300 sources waiting for their host")
	}
	bigBusy = false
	var order []string
	var inflight []job
	for len(order) < n {
		if len(inflight) > 0 {
			stored(d, inflight[0], time.Hour)
			inflight = inflight[1:]
		}
		next, _, err := d.next(cfg)
		if err != nil || (len(next) == 0 && len(inflight) == 0) {
			t.Fatalf("after %d of big.test: jobs %q, err %v", len(order), jobIDs(next), err)
		}
		for _, j := range next {
			order = append(order, j.state.ID)
		}
		inflight = append(inflight, next...)
	}
	for i, id := range order {
		if want := fmt.Sprintf("s%05d", i); id != want {
			t.Fatalf("claim %d was %s, want %s (due order, each once)", i, id, want)
		}
	}
	for _, j := range inflight {
		stored(d, j, time.Hour)
	}
	stored(d, jobs[0], time.Hour)
	if !d.idle() {
		t.Errorf("not idle once every source is stored: queue %d, waiting %d", len(d.queue), d.nWaiting)
	}
}

// TestDispatchReplaceKeepsInFlight: a reload's fresh states replace the
// others, but a source in flight keeps its own until its outcome is stored.
func TestDispatchReplaceKeepsInFlight(t *testing.T) {
	cfg := dispatchConfig(t)
	d := newDispatcher(dispatchStates(cfg, map[string]time.Duration{"a": 0, "b": time.Hour, "d": time.Hour}), 4, 4, nil)
	d.fill(dispatchNow)
	jobs, _, _ := d.next(cfg)
	if jobIDs(jobs) != "a" {
		t.Fatalf("jobs %q, want a", jobIDs(jobs))
	}
	fresh := dispatchStates(cfg, map[string]time.Duration{"a": 0, "b": -time.Minute})
	d.replace(fresh)
	if d.states["a"] == fresh["a"] || d.states["b"] != fresh["b"] || d.states["d"] != nil {
		t.Error("replace: a in flight must keep its state, b take the fresh one, d (removed) go")
	}
	d.fill(dispatchNow)
	if jobs, _, _ := d.next(cfg); jobIDs(jobs) != "b" {
		t.Errorf("after the reload: jobs %q, want b", jobIDs(jobs))
	}
}

// TestDispatchReplaceKeepsNewerSchedule: states a reload read before a
// write was stored do not bring back the older schedule (the source would
// be polled again at once); a source whose URL changed takes the fresh one.
func TestDispatchReplaceKeepsNewerSchedule(t *testing.T) {
	cfg := dispatchConfig(t)
	d := newDispatcher(dispatchStates(cfg, map[string]time.Duration{"a": 0, "b": 0}), 4, 4, nil)
	fresh := dispatchStates(cfg, map[string]time.Duration{"a": 0, "b": 0}) // read now, before the writes
	d.fill(dispatchNow)
	jobs, _, _ := d.next(cfg)
	if jobIDs(jobs) != "a b" {
		t.Fatalf("jobs %q, want a b", jobIDs(jobs))
	}
	for _, j := range jobs {
		st := j.state
		st.LastAttempt = dispatchNow
		st.NextDue = dispatchNow.Add(time.Hour)
		d.done(st)
	}
	fresh["b"].ConfigURL = "http://elsewhere.example/b.rss" // the reload moved b
	d.replace(fresh)
	if got := d.states["a"].NextDue; !got.Equal(dispatchNow.Add(time.Hour)) {
		t.Errorf("a's next due after the reload: %v, want the stored schedule %v", got, dispatchNow.Add(time.Hour))
	}
	d.fill(dispatchNow.Add(time.Second))
	if jobs, _, _ := d.next(cfg); jobIDs(jobs) != "b" {
		t.Errorf("after the reload: jobs %q, want b only (its URL changed: due at once)", jobIDs(jobs))
	}
}
