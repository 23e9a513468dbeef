package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"bantin/bench"
)

func cmdBench(ctx context.Context, a *app, args []string) error {
	fs := a.flags("bench", "")
	feeds := fs.Int("feeds", 2000, "feeds in the first-ingest phase")
	items := fs.Int("items", 50, "items per feed in the first-ingest phase")
	sources := fs.Int("sources", 10000, "sources in the re-poll phase")
	perHost := fs.Int("per-host", 16, "per_host limit (the synthetic upstream is a single host)")
	workers := fs.Int("workers", 16, "fetch workers")
	hostile := fs.Bool("hostile", true, "also poll huge feeds, a billion-laughs feed and a gzip bomb at once and report peak memory")
	dates := fs.String("dates", "close", "dates of the ingested items: close (all within 90 minutes, two weeks ago, as a morning's news) or spread (16 hours between feeds)")
	ingestTopics := fs.Bool("ingest-topics", true, "classify the ingested items into five keyword topics that take most of them")
	ingestProfile := fs.String("ingest-profile", "", "write the CPU profile of the first-ingest phase to this file")
	repollProfile := fs.String("repoll-profile", "", "write the CPU profile of the re-poll phase to this file")
	dir := fs.String("dir", "", "scratch directory (default: a temporary one, removed after)")
	upstream := fs.Bool("upstream", false, "internal: serve the synthetic upstream and print its URL")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *upstream {
		return bench.Serve(func(u string) { fmt.Fprintln(a.stdout, u) })
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
		Feeds: *feeds, Items: *items, Sources: *sources, PerHost: *perHost, Workers: *workers,
		SkipHostile: !*hostile, Dir: *dir, Out: a.stderr,
		Spread: *dates == "spread", NoTopics: !*ingestTopics, CPUProfile: *ingestProfile, RepollProfile: *repollProfile,
		UpstreamCmd: exec.CommandContext(ctx, self, "bench", "-upstream"),
	})
	if err != nil {
		return err
	}
	rep.Print(a.stdout)
	return nil
}
