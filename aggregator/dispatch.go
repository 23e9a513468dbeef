package aggregator

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"bantin/config"
	"bantin/db"
)

// dispatcher decides what the poller fetches next: it holds the stored
// state of every source of a pass, the queue of the due ones in due
// order, the sources in flight and the per_host slots of the process.
// Poller.loop drives it (fill when the clock ticks, next whenever a
// worker or a slot frees, handed for each poll over, done for each stored
// outcome); it does no I/O
// of its own but claim, and is safe for concurrent use.
type dispatcher struct {
	// workers bounds the polls running at once (fetching, parsing);
	// window bounds the sources in flight, those polled and waiting for
	// the writer included (at least workers). A window above workers
	// keeps the workers busy while the writer is held up (a checkpoint's
	// fsyncs) and lets it store more fetches per transaction; it is used
	// only while the outcomes waiting hold less than windowBytes of
	// items, so that big feeds do not pile up in memory.
	workers, window int
	// all makes every source due (poll -all, -force, named sources);
	// force asks for reads without conditional headers.
	all, force bool
	// claim, when not nil, leases the candidates to this poller before
	// they are fetched (PostgreSQL, where several pollers share the
	// sources): it examines cands in order until max are leased and
	// returns the outcome of each examined one (see db.ClaimSources).
	claim func(cands []db.Candidate, max int) ([]db.Claimed, error)
	// lookahead is how many candidates beyond the free workers one
	// claim examines: the sources other pollers just polled are skipped
	// in bulk rather than one round trip each.
	lookahead int
	// rotate starts each due list at a random place, so that pollers
	// sharing the database each claim their own part of it rather than
	// following the others through the sources they just polled.
	rotate bool
	// relax puts a source polled less often for its WebSub subscription
	// back on its normal schedule when the subscription ended (nil: none).
	relax func(st *db.Source, now time.Time)
	hosts *hostLimiter

	mu       sync.Mutex
	states   map[string]*db.Source
	queue    []string        // due, in due order, not yet dispatched
	pending  map[string]bool // the ids in queue
	inflight map[string]bool // dispatched (or claimed and held), not yet stored
	held     []job           // claimed, waiting for a per_host slot of the process
	busy     int             // dispatched, not yet stored
	running  map[string]bool // dispatched, poll not over (see handed)
	// waitBytes is the size of the items of the outcomes waiting for the
	// writer, sizes each one's (see handed).
	waitBytes int64
	sizes     map[string]int64
	// waiting holds, per host, the queued sources (still pending) that
	// next reached while the host's per_host slots were taken, in due
	// order; waitHosts lists those hosts in the order they filled. They
	// go before the queue once a slot of their host frees, and next never
	// walks them again meanwhile: sources of a busy host (many feeds of
	// one site, every source of the benchmark) were walked at every
	// completion, a quadratic pass (10,000 sources of one host re-polled
	// with workers above per_host: 56% of the CPU in next). With claim,
	// a host's sources beyond per_host in one pass, and those of a host
	// other pollers fill, wait there too (probed per_host at a time, see
	// probeWaiting): they were retried from the queue's front, and a
	// host other instances filled starved every source behind it.
	waiting   map[string][]string
	waitHosts []string
	nWaiting  int
	// skipped says that the last next dropped sources other pollers had
	// polled meanwhile: the queue moved on, and the caller runs next
	// again at once rather than at the next tick or completion.
	skipped bool
}

// newDispatcher returns a dispatcher over states for workers fetch
// workers and perHost requests to a host at once; onFree is called when a
// host slot frees (the loop's wake-up).
func newDispatcher(states map[string]*db.Source, workers, perHost int, onFree func()) *dispatcher {
	return &dispatcher{
		workers:  max(workers, 1),
		window:   max(workers, 1),
		running:  map[string]bool{},
		sizes:    map[string]int64{},
		states:   states,
		pending:  map[string]bool{},
		inflight: map[string]bool{},
		waiting:  map[string][]string{},
		hosts:    newHostLimiter(perHost, onFree),
	}
}

// fill queues the sources due at now that are neither queued nor in
// flight, the most overdue first.
func (d *dispatcher) fill(now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.relax != nil {
		for id, st := range d.states {
			if !d.inflight[id] {
				d.relax(st, now)
			}
		}
	}
	ids := sortedDue(d.states, now, d.all)
	if d.rotate && len(ids) > 1 {
		k := rand.IntN(len(ids))
		ids = append(ids[k:], ids[:k]...)
	}
	for _, id := range ids {
		if !d.inflight[id] && !d.pending[id] {
			d.queue = append(d.queue, id)
			d.pending[id] = true
		}
	}
}

// next takes from the queue the sources to fetch now, as many as free
// workers and per_host allow (and, with claim, as this poller leases), and
// returns their jobs. hostFull says that some were held back because
// other pollers fill their host's per_host: the caller tries again
// shortly. err is a failed claim (the candidates stay queued).
func (d *dispatcher) next(cfg *config.Config) (jobs []job, hostFull bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.skipped = false
	// Claimed sources waiting for a slot of the process go first.
	held := d.held[:0]
	for _, j := range d.held {
		if d.free() > 0 && d.hosts.tryAcquire(j.host) {
			d.busy++
			d.running[j.state.ID] = true
			jobs = append(jobs, j)
		} else {
			held = append(held, j)
		}
	}
	d.held = held
	if d.claim == nil {
		jobs = d.nextWaiting(cfg, jobs)
	}
	free := d.free() - len(d.held)
	if free <= 0 || (len(d.queue) == 0 && (d.claim == nil || d.nWaiting == 0)) {
		return jobs, false, nil
	}
	if d.claim != nil {
		return d.nextClaimed(cfg, jobs, free)
	}
	// queue[:i] is walked: each source dispatched, set aside for its
	// host, or dropped. The queue is resliced, never copied whole (a pass
	// runs at every completion: copying would cost O(n²)).
	i := 0
	for ; i < len(d.queue) && d.free() > 0; i++ {
		id := d.queue[i]
		st, src, h, ok := d.lookup(cfg, id)
		if !ok {
			continue
		}
		if !d.hosts.tryAcquire(h) {
			d.wait(h, id)
			continue
		}
		jobs = append(jobs, d.dispatch(st, src, h))
	}
	d.queue = d.queue[i:]
	return jobs, false, nil
}

// lookup returns the state, config and host of queued source id; not ok
// (and no longer pending) when it left the config or has no state.
func (d *dispatcher) lookup(cfg *config.Config, id string) (*db.Source, *config.Source, string, bool) {
	st := d.states[id]
	src, ok := cfg.Source(id)
	if st == nil || !ok {
		delete(d.pending, id)
		return nil, nil, "", false
	}
	return st, src, hostOf(sourceURL(st)), true
}

// nextClaimed is next with claim (d.mu held; free > 0 workers): the
// hosts set aside are probed first, per_host of each leading the
// candidates; then the queue is walked for up to free + lookahead more,
// at most per_host of a host in one claim (no more can be leased); the
// rest of a host's sources, and those of a host set aside, wait aside in
// its list. The candidates are claimed at once, and those leased are
// dispatched.
func (d *dispatcher) nextClaimed(cfg *config.Config, jobs []job, free int) ([]job, bool, error) {
	cands, srcs, probed := d.probeWaiting(cfg)
	nProbes := len(cands)
	perCall, nAside := map[string]int{}, map[string]int{}
	for _, c := range cands {
		perCall[c.Host]++
	}
	want := free + d.lookahead + nProbes
	// queue[:i] is walked; kept are the ids of it that stay queued, in
	// order (compacted in place).
	var kept []string
	var aside []candAside
	i := 0
	for ; i < len(d.queue) && len(cands) < want; i++ {
		id := d.queue[i]
		_, src, h, ok := d.lookup(cfg, id)
		if !ok {
			continue
		}
		if h != "" && (len(d.waiting[h]) > 0 || perCall[h] >= d.hosts.limit) {
			aside = append(aside, candAside{h, id})
			nAside[h]++
			continue
		}
		perCall[h]++
		cands = append(cands, db.Candidate{ID: id, Host: h})
		srcs = append(srcs, src)
	}
	var claimed []db.Claimed
	var err error
	hostFull := false
	if len(cands) > 0 {
		claimed, err = d.claim(cands, free)
		if err != nil {
			claimed = nil
		}
	}
	busy := map[string][]string{} // candidates that wait aside, in order
	for k, c := range cands {
		// A candidate not leased stays ahead of its host's other
		// sources: first in the queue, or in the host's list if some
		// wait aside.
		stay := func() {
			if k < nProbes || nAside[c.Host] > 0 {
				busy[c.Host] = append(busy[c.Host], c.ID)
			} else {
				kept = append(kept, c.ID)
			}
		}
		if k >= len(claimed) { // not examined
			stay()
			continue
		}
		fresh := claimed[k].Source
		switch {
		case claimed[k].HostBusy:
			// Other pollers hold the host's per_host slots.
			hostFull = true
			stay()
			continue
		case !claimed[k].OK:
			// Polled meanwhile by another poller (or leased by one):
			// the stored state says when it is due next.
			if fresh.NextDue.Before(claimed[k].Until) {
				fresh.NextDue = claimed[k].Until
			}
			capRetryAfter(&fresh, srcs[k])
			d.states[c.ID] = &fresh
			delete(d.pending, c.ID)
			d.skipped = true
			continue
		}
		capRetryAfter(&fresh, srcs[k])
		d.states[c.ID] = &fresh
		if d.free() > 0 && d.hosts.tryAcquire(c.Host) {
			j := d.dispatch(&fresh, srcs[k], c.Host)
			j.lease = claimed[k].Until
			jobs = append(jobs, j)
			continue
		}
		// Leased, but this process's slots of the host are taken (by
		// article pages): it waits, leased, for one.
		delete(d.pending, c.ID)
		d.inflight[c.ID] = true
		d.held = append(d.held, job{state: fresh, src: srcs[k], host: c.Host, hosts: d.hosts, force: d.force,
			lease: claimed[k].Until})
	}
	d.setAside(probed, busy, aside)
	copy(d.queue[i-len(kept):i], kept)
	d.queue = d.queue[i-len(kept):]
	return jobs, hostFull, err
}

// wait sets id, queued, aside until a slot of host h frees (d.mu held).
func (d *dispatcher) wait(h, id string) {
	if len(d.waiting[h]) == 0 {
		d.waitHosts = append(d.waitHosts, h)
	}
	d.waiting[h] = append(d.waiting[h], id)
	d.nWaiting++
}

// candAside is a queued source set aside, waiting for its host.
type candAside struct{ host, id string }

// probeWaiting returns, with claim, the first per_host sources of each
// host set aside as candidates (and their configs), and how many of each
// host's list they are (d.mu held). Sources gone from the config, or
// moved to another host, leave the lists (the next fill queues them
// again if still due).
func (d *dispatcher) probeWaiting(cfg *config.Config) (cands []db.Candidate, srcs []*config.Source, probed map[string]int) {
	probed = map[string]int{}
	for _, h := range d.waitHosts {
		ids := d.waiting[h]
		// Only the head of the list is read (each pass: the rest waits).
		for j := 0; j < len(ids) && probed[h] < d.hosts.limit; {
			id := ids[j]
			st := d.states[id]
			src, ok := cfg.Source(id)
			if st == nil || !ok || hostOf(sourceURL(st)) != h {
				ids = slices.Delete(ids, j, j+1)
				d.nWaiting--
				delete(d.pending, id)
				continue
			}
			probed[h]++
			cands = append(cands, db.Candidate{ID: id, Host: h})
			srcs = append(srcs, src)
			j++
		}
		d.waiting[h] = ids
	}
	return cands, srcs, probed
}

// setAside rebuilds, with claim, the lists of the hosts set aside after
// a claim: per host, the candidates not leased (busy), then the rest of
// its list beyond the probed ones, then the sources of the queue set
// aside in this pass, in due order (d.mu held).
func (d *dispatcher) setAside(probed map[string]int, busy map[string][]string, aside []candAside) {
	for h, n := range probed {
		ids := d.waiting[h]
		d.nWaiting -= len(ids)
		d.waiting[h] = append(busy[h], ids[n:]...)
		d.nWaiting += len(d.waiting[h])
	}
	for _, a := range aside {
		if ids, ok := busy[a.host]; ok && probed[a.host] == 0 {
			// Candidates of the queue not leased go first.
			for _, id := range ids {
				d.wait(a.host, id)
			}
			delete(busy, a.host)
		}
		d.wait(a.host, a.id)
	}
	// A probed host whose list emptied and refilled is listed twice.
	hosts := d.waitHosts[:0]
	listed := map[string]bool{}
	for _, h := range d.waitHosts {
		switch {
		case len(d.waiting[h]) == 0:
			delete(d.waiting, h)
		case !listed[h]:
			listed[h] = true
			hosts = append(hosts, h)
		}
	}
	clear(d.waitHosts[len(hosts):])
	d.waitHosts = hosts
}

// nextWaiting appends to jobs the waiting sources whose host has a free
// slot, as many as free workers allow, hosts in the order they filled
// (d.mu held; not with claim, which probes them, see probeWaiting).
func (d *dispatcher) nextWaiting(cfg *config.Config, jobs []job) []job {
	hosts := d.waitHosts[:0]
	for _, h := range d.waitHosts {
		ids := d.waiting[h]
		for len(ids) > 0 && d.free() > 0 {
			id := ids[0]
			st := d.states[id]
			src, ok := cfg.Source(id)
			if st == nil || !ok || hostOf(sourceURL(st)) != h {
				// Gone from the config, or moved to another host: it
				// is queued again by the next fill if still due.
				ids = ids[1:]
				d.nWaiting--
				delete(d.pending, id)
				continue
			}
			if !d.hosts.tryAcquire(h) {
				break
			}
			ids = ids[1:]
			d.nWaiting--
			jobs = append(jobs, d.dispatch(st, src, h))
		}
		if len(ids) == 0 {
			delete(d.waiting, h)
			continue
		}
		d.waiting[h] = ids
		hosts = append(hosts, h)
	}
	clear(d.waitHosts[len(hosts):])
	d.waitHosts = hosts
	return jobs
}

// skippedAny reports whether the last next dropped sources that other
// pollers had polled (see skipped): more of the queue may be claimable now.
func (d *dispatcher) skippedAny() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.skipped && (len(d.queue) > 0 || d.nWaiting > 0)
}

// dispatch marks st in flight and returns its job (d.mu held, the host
// slot taken).
func (d *dispatcher) dispatch(st *db.Source, src *config.Source, host string) job {
	d.busy++
	d.running[st.ID] = true
	d.inflight[st.ID] = true
	delete(d.pending, st.ID)
	return job{state: *st, src: src, host: host, hosts: d.hosts, force: d.force}
}

// done records the stored state of a dispatched source: it is no longer
// in flight, and is due again as st says.
func (d *dispatcher) done(st db.Source) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if cur := d.states[st.ID]; cur != nil {
		*cur = st // in place: a pass allocates no new states
	} else {
		d.states[st.ID] = &st
	}
	delete(d.inflight, st.ID)
	delete(d.running, st.ID)
	d.waitBytes -= d.sizes[st.ID]
	delete(d.sizes, st.ID)
	d.busy--
}

// handed records that the poll of source id is over, its outcome (size
// bytes of items) on its way to the writer: another poll may start if
// the window allows.
func (d *dispatcher) handed(id string, size int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.running, id)
	d.sizes[id] = size
	d.waitBytes += size
}

// windowBytes is how much the outcomes waiting for the writer may hold
// before no more sources than workers are in flight.
const windowBytes = 8 << 20

// free is how many more sources may be dispatched now (d.mu held).
func (d *dispatcher) free() int {
	window := d.window
	if d.waitBytes >= windowBytes {
		window = d.workers
	}
	return min(d.workers-len(d.running), window-d.busy)
}

// replace switches to the states read after a config reload: the sources
// in flight keep theirs (their outcome is on its way), the others take
// the fresh ones, and those no longer configured are dropped.
func (d *dispatcher) replace(fresh map[string]*db.Source) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, st := range fresh {
		if d.inflight[id] {
			continue
		}
		if cur := d.states[id]; cur != nil && cur.LastAttempt.After(st.LastAttempt) && cur.ConfigURL == st.ConfigURL {
			// Read before a write that done has applied since: the
			// schedule that write stored is the newer one (else the
			// source would be polled again at once).
			st.LastAttempt, st.LastSuccess, st.Failures = cur.LastAttempt, cur.LastSuccess, cur.Failures
			st.NextDue, st.RetryAfter, st.NormalDue = cur.NextDue, cur.RetryAfter, cur.NormalDue
		}
		d.states[id] = st
	}
	for id := range d.states {
		if fresh[id] == nil && !d.inflight[id] {
			delete(d.states, id)
		}
	}
}

// inflightIDs lists the sources dispatched or claimed and not yet stored.
func (d *dispatcher) inflightIDs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]string, 0, len(d.inflight))
	for id := range d.inflight {
		ids = append(ids, id)
	}
	return ids
}

// idle reports whether nothing is queued, held or in flight.
func (d *dispatcher) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.busy == 0 && len(d.queue) == 0 && len(d.held) == 0 && d.nWaiting == 0
}

// sourceURL is the URL a source is fetched from.
func sourceURL(st *db.Source) string {
	if st.URL != "" {
		return st.URL
	}
	return st.ConfigURL
}
