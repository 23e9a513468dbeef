package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"bantin/aggregator"
	"bantin/config"
	"bantin/db"
)

// The PostgreSQL phases run their pollers as separate processes
// (Options.PollerCmd), as instances of a desk run: each with its own
// runtime, garbage collector and soft memory limit. Run in one process,
// three pollers shared one memory limit sized for one, and the collector
// working near it cost the three-poller ingest a fifth of its rate.
//
// The protocol on a poller's stdin and stdout, one line each:
//
//	poller: "ready"                 (config loaded, store open, sources synced)
//	bench:  "go"
//	poller: "done SOURCES NEW FAILED"

// RunPoller is the poller process of a PostgreSQL phase: it polls every
// source of the config at cfgPath once, when told to go on in, and
// reports on out; profile, when not "", is where its CPU profile of the
// poll goes.
func RunPoller(ctx context.Context, cfgPath, profile string, in io.Reader, out io.Writer) error {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer store.Close()
	p, err := aggregator.New(ctx, cfg, store, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "ready")
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "go" {
		return fmt.Errorf("bench: poller: want go, got %q (%v)", line, err)
	}
	stop, err := startProfile(profile)
	if err != nil {
		return err
	}
	sum, err := p.PollOnce(ctx, false, nil)
	stop()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "done %d %d %d\n", sum.Sources, sum.New, sum.Failed)
	return nil
}

// pollerProcs polls the sources of the config at path with n poller
// processes (o.PollerCmd) started together once each is ready; the first
// writes its CPU profile to profile when not "". It returns the time from the start to the last one's end, the sources
// each polled and the items stored.
func pollerProcs(o Options, path string, n int, profile string) (time.Duration, []int, int, error) {
	type proc struct {
		cmd *exec.Cmd
		in  io.WriteCloser
		out *bufio.Reader
	}
	var ps []*proc
	defer func() {
		for _, p := range ps {
			p.in.Close()
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	}()
	for i := range n {
		cmd := o.PollerCmd(path, profile)
		profile = ""
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return 0, nil, 0, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return 0, nil, 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, nil, 0, fmt.Errorf("bench: start poller: %w", err)
		}
		p := &proc{cmd, in, bufio.NewReader(out)}
		ps = append(ps, p)
		if line, err := p.out.ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
			return 0, nil, 0, fmt.Errorf("bench: poller %d did not get ready: %q (%v)", i, line, err)
		}
	}
	share := make([]int, n)
	items := make([]int, n)
	errs := make([]error, n)
	start := time.Now()
	for _, p := range ps {
		fmt.Fprintln(p.in, "go")
	}
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() {
			line, err := p.out.ReadString('\n')
			var failed int
			if err == nil {
				_, err = fmt.Sscanf(line, "done %d %d %d", &share[i], &items[i], &failed)
			}
			switch {
			case err != nil:
				errs[i] = fmt.Errorf("bench: poller %d: %q: %w", i, line, err)
			case failed > 0:
				errs[i] = fmt.Errorf("bench: %d of %d sources failed on PostgreSQL", failed, share[i])
			}
		})
	}
	wg.Wait()
	return passResult(start, share, items, errs)
}

// passResult is the outcome of a pass of pollers begun at start: its
// time, the sources each polled and the items stored, or the first
// poller's error.
func passResult(start time.Time, share, items []int, errs []error) (time.Duration, []int, int, error) {
	d := time.Since(start)
	total := 0
	for i := range errs {
		if errs[i] != nil {
			return 0, nil, 0, errs[i]
		}
		total += items[i]
	}
	return d, share, total, nil
}
