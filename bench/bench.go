// Package bench measures bantin's poller against a loopback upstream of
// synthetic feeds served by a separate process, so the figures (time, peak
// resident memory) are the poller's own.
//
// Ingest polls Feeds feeds of Items items each into a fresh database and
// compares the time with gofeed alone parsing the same bytes in one
// goroutine. Repoll polls Sources sources once (not measured), then again:
// every answer is 304, and that second pass is measured.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mmcdole/gofeed"

	"bantin/aggregator"
	"bantin/bench/cpuclock"
	"bantin/bench/synth"
	"bantin/config"
	"bantin/db"
)

// Options size the benchmark.
type Options struct {
	Feeds   int // feeds in the ingest phase (2000)
	Items   int // items per feed in the ingest phase (50)
	Words   int // words of text per ingested item (0: synth.Words, about 1.1 KB of XML an item)
	Sources int // sources in the re-poll phase (10000)
	PerHost int // per_host limit (the upstream is one host)
	Workers int
	// SkipHostile leaves out the hostile phase (huge feeds and attacks).
	SkipHostile bool
	// Spread spreads the ingested items' dates out (synth.Dates.Spread);
	// by default they all lie within 90 minutes, two weeks ago.
	Spread bool
	// NoTopics leaves out the five keyword topics (synth.Topics).
	NoTopics bool
	// CPUProfile, when set, is where the ingest phase's CPU profile goes;
	// RepollProfile the re-poll phase's.
	// PGProfile, when set, is the prefix of the PostgreSQL first ingests'
	// profiles (PREFIX.1p, PREFIX.3p).
	CPUProfile, RepollProfile, PGProfile string
	// Trace, when set, is where the ingest phase's execution trace goes
	// (go tool trace): what each goroutine waited for, and when the
	// process left a core idle.
	Trace string
	Dir   string    // scratch directory for the databases
	Out   io.Writer // progress and figures
	// Database, a postgres:// URL, adds the PostgreSQL phases (ingest and
	// re-poll with 1 and 3 pollers), each in a fresh schema of it.
	Database string
	// UpstreamCmd starts the upstream process; it must print its base URL
	// on the first line of stdout and serve until killed.
	UpstreamCmd *exec.Cmd
	// PollerCmd, when set, returns the command of one poller process of
	// the PostgreSQL phases (see RunPoller) for the config at cfgPath,
	// writing its CPU profile to profile when not ""; without it the
	// pollers run in this process.
	PollerCmd func(cfgPath, profile string) *exec.Cmd
}

// Report holds the measured figures.
type Report struct {
	IngestItems   int
	IngestBytes   int64
	IngestTime    time.Duration
	IngestCPU     time.Duration // user + system time of the process
	IngestPeakRSS int64         // bytes
	IngestFileRSS int64         // bytes of the RSS mapped from files (the binary), after the phase
	IngestGCs     uint64        // garbage collections during the phase
	IngestGCCPU   float64       // seconds of CPU the GC took during the phase (the runtime's estimate)
	// UpstreamCPU is the CPU time the synthetic upstream (a separate
	// process, not in IngestCPU) used during the ingest; MachineBusy the
	// share of all the machine's cores busy meanwhile (every process's).
	UpstreamCPU time.Duration
	MachineBusy float64
	// Stages is the CPU time of each stage (aggregator.Stage) in the
	// ingest, measured on the threads that ran it; the rest of IngestCPU
	// is fetching, scheduling and the garbage collector's own workers.
	Stages          [aggregator.NumStages]time.Duration
	Topics          int // topics configured in the ingest phase
	Memberships     int // topic memberships stored by the ingest
	Spread          bool
	GofeedTime      time.Duration
	RepollSources   int
	RepollTime      time.Duration
	RepollCPU       time.Duration
	RepollPeakRSS   int64
	RepollFileRSS   int64
	RepollGCs       uint64
	RepollNotMod    int
	RepollItemWrite int
	HostileSources  int
	HostilePeakRSS  int64
	HostileTime     time.Duration
	Postgres        *PGReport // with Options.Database
}

// words is Words with its default.
func (o Options) words() int {
	if o.Words <= 0 {
		return synth.Words
	}
	return o.Words
}

// Ratio is the ingest time over gofeed's parse time.
func (r Report) Ratio() float64 { return r.IngestTime.Seconds() / r.GofeedTime.Seconds() }

// Print writes the figures.
func (r Report) Print(w io.Writer) {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	dates := "all within 90 minutes, two weeks ago"
	if r.Spread {
		dates = "spread out, 16 hours between feeds"
	}
	fmt.Fprintf(w, "first ingest: %d items (%.1f MB of XML; dates %s; %d topics, %d memberships) in %v = %.0f items/s (target >= 10,000), peak RSS %.1f MiB (target <= 80)\n",
		r.IngestItems, float64(r.IngestBytes)/1e6, dates, r.Topics, r.Memberships, r.IngestTime.Round(time.Millisecond),
		float64(r.IngestItems)/r.IngestTime.Seconds(), mib(r.IngestPeakRSS))
	fmt.Fprintf(w, "  %.0f bytes of XML per item, %.1f MB/s\n", float64(r.IngestBytes)/float64(max(r.IngestItems, 1)),
		float64(r.IngestBytes)/1e6/r.IngestTime.Seconds())
	fmt.Fprintf(w, "  memory: %.1f MiB of the RSS mapped from files (the binary's pages); %d garbage collections, one per %.0f items, %.2f s of CPU (%.0f%%)\n",
		mib(r.IngestFileRSS), r.IngestGCs, float64(r.IngestItems)/float64(max(r.IngestGCs, 1)), r.IngestGCCPU, 100*r.IngestGCCPU/max(r.IngestCPU.Seconds(), 1e-9))
	per := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(max(r.IngestItems, 1)) }
	fmt.Fprintf(w, "  CPU %.2f s = %.3f s per 1,000 items (%.0f%% of %d cores over the wall time)\n",
		r.IngestCPU.Seconds(), per(r.IngestCPU), 100*r.IngestCPU.Seconds()/r.IngestTime.Seconds()/float64(runtime.GOMAXPROCS(0)), runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "  upstream (its own process, not counted above): CPU %.2f s (%.0f%% of %d cores); all processes kept %.0f%% of the machine's cores busy\n",
		r.UpstreamCPU.Seconds(), 100*r.UpstreamCPU.Seconds()/r.IngestTime.Seconds()/float64(runtime.GOMAXPROCS(0)), runtime.GOMAXPROCS(0), 100*r.MachineBusy)
	rest := r.IngestCPU
	for s, d := range r.Stages {
		fmt.Fprintf(w, "  %-19s %6.3f s per 1,000 items, %3.0f%% of CPU\n", aggregator.Stage(s).String()+":", per(d), 100*d.Seconds()/r.IngestCPU.Seconds())
		rest -= d
	}
	fmt.Fprintf(w, "  %-19s %6.3f s per 1,000 items, %3.0f%% of CPU (fetching, scheduling, GC workers)\n", "other:", per(rest), 100*rest.Seconds()/r.IngestCPU.Seconds())
	fmt.Fprintf(w, "gofeed alone, same bytes, one goroutine: %v\n", r.GofeedTime.Round(time.Millisecond))
	fmt.Fprintf(w, "ratio bantin/gofeed: %.2fx (target <= 2x)\n", r.Ratio())
	fmt.Fprintf(w, "re-poll of %d unchanged sources: %v (CPU %.2f s), %d not modified, %d items written, peak RSS %.1f MiB (targets: < 3 s, all 304, 0 writes, < 64 MiB)\n",
		r.RepollSources, r.RepollTime.Round(time.Millisecond), r.RepollCPU.Seconds(), r.RepollNotMod, r.RepollItemWrite, mib(r.RepollPeakRSS))
	fmt.Fprintf(w, "  memory: %.1f MiB of the RSS mapped from files (the binary's pages); %d garbage collections\n", mib(r.RepollFileRSS), r.RepollGCs)
	if r.Postgres != nil {
		r.Postgres.Print(w, r)
	}
	if r.HostileSources == 0 {
		return
	}
	fmt.Fprintf(w, "hostile sources (%d feeds of ~9.5 MB, billion laughs, 4 GiB gzip bomb): %v, peak RSS %.1f MiB (target < 200 MiB)\n",
		r.HostileSources-2, r.HostileTime.Round(time.Millisecond), mib(r.HostilePeakRSS))
}

// Run runs both phases.
func Run(ctx context.Context, o Options) (Report, error) {
	var rep Report
	base, stop, err := startUpstream(o.UpstreamCmd)
	if err != nil {
		return rep, err
	}
	defer stop()

	// Phase 1: first ingest.
	dates := synth.Dates{Spread: o.Spread, Anchor: time.Now().Add(-14 * 24 * time.Hour).Truncate(time.Minute).UTC()}
	var b strings.Builder
	wordsQuery := ""
	if o.words() != synth.Words {
		wordsQuery = fmt.Sprintf("?words=%d", o.words())
	}
	for i := range o.Feeds {
		fmt.Fprintf(&b, "  - {id: s%05d, url: '%s/news/%s/%d/%d.xml%s'}\n", i, base, datesPath(dates), i, o.Items, wordsQuery)
	}
	if !o.NoTopics {
		b.WriteString("topics:\n" + synth.TopicsYAML())
		rep.Topics = len(synth.Topics())
	}
	p, store, err := pollerFor(ctx, o, "ingest", b.String())
	if err != nil {
		return rep, err
	}
	rep.Spread = o.Spread
	var stageCPU [aggregator.NumStages]atomic.Int64
	p.OnStage = func(s aggregator.Stage, f func()) {
		runtime.LockOSThread()
		t0, _ := cpuclock.Thread()
		f()
		t1, _ := cpuclock.Thread()
		runtime.UnlockOSThread()
		stageCPU[s].Add(int64(t1 - t0))
	}
	runtime.GC()
	debug.FreeOSMemory()
	stopProfile, err := startProfile(o.CPUProfile)
	if err != nil {
		store.Close()
		return rep, err
	}
	stopTrace, err := startTrace(o.Trace)
	if err != nil {
		stopProfile()
		store.Close()
		return rep, err
	}
	resetPeakRSS()
	up0 := procCPU(o.UpstreamCmd.Process.Pid)
	busy0, total0 := machineCPU()
	cpu0, _ := cpuclock.Process()
	gc0, gcCPU0 := gcStats()
	start := time.Now()
	sum, err := p.PollOnce(ctx, true, nil)
	rep.IngestTime = time.Since(start)
	cpu1, _ := cpuclock.Process()
	rep.UpstreamCPU = procCPU(o.UpstreamCmd.Process.Pid) - up0
	if busy1, total1 := machineCPU(); total1 > total0 {
		rep.MachineBusy = (busy1 - busy0) / (total1 - total0)
	}
	rep.IngestPeakRSS = peakRSS()
	gc1, gcCPU1 := gcStats()
	rep.IngestFileRSS, rep.IngestGCs, rep.IngestGCCPU = fileRSS(), gc1-gc0, gcCPU1-gcCPU0
	stopTrace()
	stopProfile()
	rep.IngestCPU = cpu1 - cpu0
	for s := range stageCPU {
		rep.Stages[s] = time.Duration(stageCPU[s].Load())
	}
	if err == nil {
		err = store.SQL().QueryRowContext(ctx, `SELECT count(*) FROM item_topics`).Scan(&rep.Memberships)
	}
	store.Close()
	if err != nil {
		return rep, err
	}
	if sum.Failed > 0 {
		return rep, fmt.Errorf("bench: %d of %d feeds failed in the ingest phase", sum.Failed, sum.Sources)
	}
	rep.IngestItems = sum.New
	fmt.Fprintf(o.Out, "ingest done: %d sources, %d items\n", sum.Sources, sum.New)

	// The baseline: gofeed parsing the same bytes, one after another.
	parser := gofeed.NewParser()
	for i := range o.Feeds {
		b := synth.FeedWords(i, o.Items, o.words(), dates)
		rep.IngestBytes += int64(len(b))
		t := time.Now()
		if _, err := parser.Parse(bytes.NewReader(b)); err != nil {
			return rep, fmt.Errorf("bench: gofeed: %w", err)
		}
		rep.GofeedTime += time.Since(t)
	}

	// Phase 2: re-poll of unchanged sources.
	p, store, err = poller(ctx, o, "repoll", base, o.Sources, 3)
	if err != nil {
		return rep, err
	}
	if sum, err := p.PollOnce(ctx, true, nil); err != nil || sum.Failed > 0 {
		return rep, fmt.Errorf("bench: first poll of the re-poll phase: %d failed: %v", sum.Failed, err)
	}
	fmt.Fprintf(o.Out, "re-poll phase primed: %d sources\n", o.Sources)
	// What the priming pass left is not the re-poll's.
	runtime.GC()
	debug.FreeOSMemory()
	if stopProfile, err = startProfile(o.RepollProfile); err != nil {
		store.Close()
		return rep, err
	}
	resetPeakRSS()
	cpu0, _ = cpuclock.Process()
	gc0, _ = gcStats()
	start = time.Now()
	sum, err = p.PollOnce(ctx, true, nil)
	rep.RepollTime = time.Since(start)
	cpu1, _ = cpuclock.Process()
	stopProfile()
	rep.RepollCPU = cpu1 - cpu0
	rep.RepollPeakRSS = peakRSS()
	gc1, _ = gcStats()
	rep.RepollFileRSS, rep.RepollGCs = fileRSS(), gc1-gc0
	if err != nil {
		return rep, err
	}
	rep.RepollSources, rep.RepollNotMod, rep.RepollItemWrite = sum.Sources, sum.NotModified, sum.New+sum.Updated
	store.Close()

	if o.Database != "" {
		pg, err := runPostgres(ctx, o, base)
		if err != nil {
			return rep, err
		}
		rep.Postgres = &pg
	}

	// Last, so its garbage does not weigh on the other phases.
	if !o.SkipHostile {
		if err := hostile(ctx, o, base, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// hostile polls huge feeds and attacks at once and records peak memory.
func hostile(ctx context.Context, o Options, base string, rep *Report) error {
	var b strings.Builder
	const huge = 12
	for i := range huge {
		fmt.Fprintf(&b, "  - {id: huge%02d, url: '%s/feed/%d/8500.xml'}\n", i, base, 100000+i)
	}
	fmt.Fprintf(&b, "  - {id: laughs, url: '%s/laughs.xml'}\n  - {id: bomb, url: '%s/bomb.xml'}\n", base, base)
	p, store, err := pollerFor(ctx, o, "hostile", b.String())
	if err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	start := time.Now()
	sum, err := p.PollOnce(ctx, true, nil)
	rep.HostileTime = time.Since(start)
	rep.HostilePeakRSS = peakRSS()
	rep.HostileSources = sum.Sources
	store.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "hostile phase done: %d sources, %d failed (the bomb must fail)\n", sum.Sources, sum.Failed)
	runtime.GC()
	debug.FreeOSMemory()

	return nil
}

// poller writes a config of n synthetic sources and opens a poller on a
// fresh database.
func poller(ctx context.Context, o Options, name, base string, n, items int) (*aggregator.Poller, *db.DB, error) {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  - {id: s%05d, url: '%s/feed/%d/%d.xml'}\n", i, base, i, items)
	}
	return pollerFor(ctx, o, name, b.String())
}

// pollerFor writes a config with the given sources section and opens a
// poller on a fresh database.
func pollerFor(ctx context.Context, o Options, name, sources string) (*aggregator.Poller, *db.DB, error) {
	dir := filepath.Join(o.Dir, name)
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "database: bench.db\ndefaults:\n  interval: 15m\n  retention: 3650d\n  per_host: %d\n  workers: %d\nsources:\n%s", o.PerHost, o.Workers, sources)
	path := filepath.Join(dir, "bantin.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		return nil, nil, err
	}
	p, err := aggregator.New(ctx, cfg, store, nil)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return p, store, nil
}

// startUpstream starts the upstream process and reads its base URL.
func startUpstream(cmd *exec.Cmd) (string, func(), error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("bench: start upstream: %w", err)
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("bench: upstream did not report its address: %w", err)
	}
	return strings.TrimSpace(line), stop, nil
}

// machineCPU returns the busy and total CPU time of all the machine's
// cores so far, in clock ticks (/proc/stat's first line; 0, 0 if unknown).
func machineCPU() (busy, total float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:] {
		n, _ := strconv.ParseFloat(v, 64)
		if i == 8 || i == 9 { // guest time is in user time already
			continue
		}
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

// resetPeakRSS resets the kernel's high-water mark of resident memory
// (Linux: writing 5 to /proc/self/clear_refs), so each phase is measured alone.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM from /proc/self/status, in bytes (0 if unknown).
func peakRSS() int64 { return procStatus("VmHWM:") }

// fileRSS returns RssFile from /proc/self/status: the resident pages
// mapped from files (the binary's code and data), in bytes.
func fileRSS() int64 { return procStatus("RssFile:") }

// gcStats returns how many garbage collections have completed and the
// runtime's estimate of the CPU seconds they took (the GC's workers and
// the allocating goroutines' assists).
func gcStats() (cycles uint64, cpu float64) {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		cycles = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindFloat64 {
		cpu = s[1].Value.Float64()
	}
	return cycles, cpu
}

// procStatus returns the figure of the /proc/self/status line starting
// with key, in bytes (0 if unknown).
func procStatus(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key) {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// startTrace starts an execution trace into path ("" for none) and
// returns what stops it.
func startTrace(path string) (func(), error) {
	return startRecording(path, "trace", trace.Start, trace.Stop)
}

// startProfile starts a CPU profile into path ("" for none) and returns
// what stops it.
func startProfile(path string) (func(), error) {
	return startRecording(path, "cpu profile", pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// startRecording starts a recording (what) into the file at path with
// start ("" for none) and returns what stops it and closes the file.
func startRecording(path, what string, start func(io.Writer) error, stop func()) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", what, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: %s: %w", what, err)
	}
	return func() { stop(); f.Close() }, nil
}
