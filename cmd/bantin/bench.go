package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"bantin/bench"
)

func cmdBench(ctx context.Context, a *app, args []string) error {
	fs := a.flags("bench", "")
	feeds := fs.Int("feeds", 2000, "feeds in the first-ingest phase")
	items := fs.Int("items", 50, "items per feed in the first-ingest phase")
	words := fs.Int("item-words", 100, "words of text per item in the first-ingest phase on SQLite (100: about 1.1 KB of XML an item, 10 bytes a word)")
	sources := fs.Int("sources", 10000, "sources in the re-poll phase")
	perHost := fs.Int("per-host", 16, "per_host limit (the synthetic upstream is a single host)")
	workers := fs.Int("workers", 16, "fetch workers")
	hostile := fs.Bool("hostile", true, "also poll huge feeds, a billion-laughs feed and a gzip bomb at once and report peak memory")
	dates := fs.String("dates", "close", "dates of the ingested items: close (all within 90 minutes, two weeks ago, as a morning's news) or spread (16 hours between feeds)")
	ingestTopics := fs.Bool("ingest-topics", true, "classify the ingested items into five keyword topics that take most of them")
	ingestProfile := fs.String("ingest-profile", "", "write the CPU profile of the first-ingest phase to this file")
	ingestTrace := fs.String("ingest-trace", "", "write the execution trace of the first-ingest phase to this file (go tool trace)")
	repollProfile := fs.String("repoll-profile", "", "write the CPU profile of the re-poll phase to this file")
	pgProfile := fs.String("pg-profile", "", "write the CPU profiles of the PostgreSQL first ingests to `PREFIX`.1p and PREFIX.3p (pollers)")
	dir := fs.String("dir", "", "scratch directory (default: a temporary one, removed after)")
	database := fs.String("database", "", "also measure PostgreSQL at this postgres:// `URL` (ingest and re-poll with 1 and 3 pollers, each in a fresh schema), beside SQLite")
	upstream := fs.Bool("upstream", false, "internal: serve the synthetic upstream and print its URL")
	pgPoller := fs.String("pg-poller", "", "internal: be one poller process of a PostgreSQL phase, polling the sources of this `config` once (with -pg-profile: its CPU profile's file)")
	live := fs.Bool("live", false, "the live benchmark instead: bantin run polling changing sources (-sources, default 1950, -items, default 20) "+
		"into -topics topics, alone and then with -conns readers, each phase for -duration")
	duration := fs.Duration("duration", time.Minute, "-live: length of each measured phase")
	topics := fs.Int("topics", 50, "-live: topics")
	conns := fs.Int("conns", 32, "-live: reader connections")
	pause := fs.Duration("pause", 40*time.Millisecond, "-live: longest pause of a reader between requests (uniform from 0; 0 for none)")
	baseline := fs.Bool("baseline", true, "-live: measure the daemon alone first")
	unpaused := fs.Bool("unpaused", true, "-live: when -pause is not 0, also measure the readers without pauses (a third phase)")
	cpuprofile := fs.String("cpuprofile", "", "-live: write the daemon's CPU profile (whole run) to this file")
	daemonBin := fs.String("daemon", "", "-live: the bantin binary to run as the daemon (default: this one), to compare versions")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *upstream {
		return bench.Serve(func(u string) { fmt.Fprintln(a.stdout, u) })
	}
	if *pgPoller != "" {
		return bench.RunPoller(ctx, *pgPoller, *pgProfile, os.Stdin, a.stdout)
	}
	if *live {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["sources"] {
			*sources = 1950
		}
		if !set["items"] {
			*items = 20
		}
		return benchLive(ctx, a, bench.LiveOptions{
			Duration: *duration, Sources: *sources, Items: *items, Topics: *topics, Conns: *conns,
			Pause: *pause, Unpaused: *unpaused, SkipBaseline: !*baseline, Dir: *dir,
		}, *cpuprofile, *daemonBin)
	}
	if *words < 1 {
		return &usageError{fmt.Sprintf("bench: -item-words must be at least 1, not %d", *words)}
	}
	if *dates != "close" && *dates != "spread" {
		return &usageError{fmt.Sprintf("bench: -dates must be close or spread, not %q", *dates)}
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "bantin-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	rep, err := bench.Run(ctx, bench.Options{
		Feeds: *feeds, Items: *items, Words: *words, Sources: *sources, PerHost: *perHost, Workers: *workers,
		SkipHostile: !*hostile, Dir: *dir, Out: a.stderr, Database: *database,
		Spread: *dates == "spread", NoTopics: !*ingestTopics, CPUProfile: *ingestProfile, Trace: *ingestTrace, RepollProfile: *repollProfile,
		PGProfile:   *pgProfile,
		UpstreamCmd: exec.CommandContext(ctx, self, "bench", "-upstream"),
		PollerCmd: func(cfgPath, profile string) *exec.Cmd {
			return exec.CommandContext(ctx, self, "bench", "-pg-poller", cfgPath, "-pg-profile", profile)
		},
	})
	if err != nil {
		return err
	}
	rep.Print(a.stdout)
	return nil
}

// benchLive runs `bantin bench -live` with this executable as upstream and
// daemon.
func benchLive(ctx context.Context, a *app, o bench.LiveOptions, cpuprofile, daemonBin string) error {
	if o.Sources < 1 || o.Topics < 1 || o.Conns < 1 || o.Items < 1 || o.Duration <= 0 {
		return fmt.Errorf("bench: -sources, -topics, -conns, -items and -duration must be positive")
	}
	if o.Duration%time.Minute != 0 {
		// The first pass polls every source at once and each is due a
		// minute later: the polls come in rounds a minute apart.
		fmt.Fprintf(a.stderr, "bench: warning: -duration %v is not a whole number of minutes: the sources are polled in rounds a minute apart, so a phase may hold one round more or less than another, and \"polling with readers\" compares rounds, not the readers' effect\n", o.Duration)
	}
	if o.Dir == "" {
		d, err := os.MkdirTemp("", "bantin-live-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.Dir = d
	} else if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	o.Out = a.stderr
	o.UpstreamCmd = exec.CommandContext(ctx, self, "bench", "-upstream")
	if daemonBin == "" {
		daemonBin = self
	}
	o.DaemonCmd = func(config string) *exec.Cmd {
		cmd := exec.Command(daemonBin, "run", "-config", config)
		if cpuprofile != "" {
			abs, _ := filepath.Abs(cpuprofile)
			cmd.Env = append(os.Environ(), "BANTIN_CPUPROFILE="+abs)
		}
		return cmd
	}
	rep, err := bench.RunLive(ctx, o)
	if err != nil {
		return err
	}
	rep.Print(a.stdout)
	return nil
}
