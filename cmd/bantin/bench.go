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
	dir := fs.String("dir", "", "scratch directory (default: a temporary one, removed after)")
	database := fs.String("database", "", "also measure PostgreSQL at this postgres:// `URL` (ingest and re-poll with 1 and 3 pollers, each in a fresh schema), beside SQLite")
	upstream := fs.Bool("upstream", false, "internal: serve the synthetic upstream and print its URL")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *upstream {
		return bench.Serve(func(u string) { fmt.Fprintln(a.stdout, u) })
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
		SkipHostile: !*hostile, Dir: *dir, Out: a.stderr, Database: *database,
		UpstreamCmd: exec.CommandContext(ctx, self, "bench", "-upstream"),
	})
	if err != nil {
		return err
	}
	rep.Print(a.stdout)
	return nil
}
