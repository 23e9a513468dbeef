// Command bantin polls feeds into SQLite and republishes them per topic and
// per tag as RSS 2.0, Atom 1.0 and JSON Feed 1.1.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(mainWithSignals(os.Args[1:]))
}

// mainWithSignals runs the command with SIGINT and SIGTERM cancelling its context.
func mainWithSignals(args []string) int {
	setMemoryLimit()
	if path := os.Getenv("BANTIN_CPUPROFILE"); path != "" {
		// Diagnostics (bench -live -cpuprofile): the whole run's CPU profile.
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer func() { pprof.StopCPUProfile(); f.Close() }()
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, os.Stdout, os.Stderr)
}

// The soft memory limit, when GOMEMLIMIT is not set, follows the live
// heap: twice it, at least memoryFloor and at most memoryLimit (96 MiB).
// The GC works harder near the limit, keeping resident memory low while
// little is live (a re-poll of unchanged feeds) and well under 200 MiB
// even while huge feeds are being parsed. Under that limit the GC may run
// less often than Go's default (gcPercent, unless GOGC is set): parsing
// feeds allocates a lot of short-lived garbage, and collecting it four
// times less often saves about a quarter of the ingest time.
const (
	memoryFloor = 32 << 20
	memoryLimit = 96 << 20
	gcPercent   = 400
)

func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryFloor)
		go followLiveHeap(time.Second / 2)
		afterEachGC(updateMemoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// followLiveHeap sets the soft memory limit every interval (memoryLimitFor
// the live heap and heldBytes), so that a live heap near the floor never
// makes the GC run back to back; the limit is also set after every
// collection (afterEachGC), when the live heap is measured: with only the
// interval, a limit made for the last moment's live heap held for up to
// half a second after it had dropped (a re-poll of 10,000 sources
// started under the limit its priming pass had left: 2-3 MiB more at
// its peak).
func followLiveHeap(interval time.Duration) {
	for range time.Tick(interval) {
		if !updateMemoryLimit() {
			return
		}
	}
}

// updateMemoryLimit sets the soft memory limit for the live heap the last
// collection measured; false if the runtime does not report it.
func updateMemoryLimit() bool {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return false
	}
	var held int64
	if f := heldBytes.Load(); f != nil {
		held = (*f)()
	}
	debug.SetMemoryLimit(memoryLimitFor(int64(sample[0].Value.Uint64()), held))
	return true
}

// afterEachGC runs f after every garbage collection until f returns
// false, on the runtime's finalizer goroutine (so f must be quick): a
// sentinel object's finalizer runs once a collection finds it
// unreachable, and makes the next one.
func afterEachGC(f func() bool) {
	s := &gcSentinel{}
	runtime.SetFinalizer(s, func(*gcSentinel) {
		if f() {
			afterEachGC(f)
		}
	})
}

// gcSentinel holds a pointer so that it is not one of the tiny objects
// allocated together, whose finalizers may not run.
type gcSentinel struct{ _ *byte }

// heldBytes, when set (by the daemon: the size of the publisher's render
// cache), returns how much of the live heap is kept on purpose.
var heldBytes atomic.Pointer[func() int64]

// memoryLimitFor is the soft memory limit for a live heap of live bytes,
// held of which are kept on purpose (the render cache): twice the rest
// (within memoryFloor and memoryLimit), plus the held bytes and a quarter
// of them for the versions that replace them. A limit that did not make
// room for the held bytes made the GC run back to back (30 cycles a
// second under readers); one that doubled them doubled the resident
// memory.
func memoryLimitFor(live, held int64) int64 {
	held = min(max(held, 0), live)
	return min(max(2*(live-held), memoryFloor), memoryLimit) + held + held/4
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"run", "poll sources on their schedule and serve the published feeds (the daemon)", cmdRun},
		{"poll", "poll the sources that are due once, then exit (-all: every source; -force: re-read without conditional headers; SOURCE...: only those)", cmdPoll},
		{"serve", "serve the published feeds over HTTP without polling", cmdServe},
		{"check", "validate the config file", cmdCheck},
		{"sources", "show every source's polling state (-json for JSON)", cmdSources},
		{"curate", "pin, unpin, hide or unhide an item in a topic; list curations", cmdCurate},
		{"explain", "show why an item is in or out of a topic", cmdExplain},
		{"preview", "print a topic feed as it would be published", cmdPreview},
		{"try", "fetch a source (or a URL with selectors) once and print what it would store; writes nothing", cmdTry},
		{"import-opml", "turn an OPML subscription list into YAML sources", cmdImportOPML},
		{"migrate-db", "copy the desk into another, empty database: -to URL (or path) from the config's database, or -from URL (or path) into it; counts verified", cmdMigrateDB},
		{"passwd", "hash an editor's password read from standard input, for editors: in the config", cmdPasswd},
		{"bench", "benchmark polling against a synthetic loopback upstream (issue figures)", cmdBench},
		{"version", "print the version", cmdVersion},
	}
}

// run executes the subcommand in args and returns the process exit code:
// 0 on success, 1 when the command failed, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
			// "bantin help check": the command's own help.
			return run(ctx, []string{args[1], "-h"}, stdout, stderr)
		}
		usage(stderr)
		return 0
	}
	if strings.HasPrefix(args[0], "-") {
		// Flags before the command ("bantin -config x.yaml check"): every
		// command accepts its flags anywhere, so move the command first.
		i := commandIndex(args)
		if i < 0 {
			fmt.Fprintf(stderr, "bantin: %s: no command given; flags go with a command: bantin COMMAND [flags] (e.g. bantin check %s)\n\n", args[0], strings.Join(args, " "))
			usage(stderr)
			return 2
		}
		args = slices.Concat(args[i:i+1], args[:i], args[i+1:])
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, a, args[1:])
			switch {
			case err == nil:
				return 0
			case err == errHelp:
				return 0
			case err == errSilent:
				return 1
			case isUsage(err):
				fmt.Fprintf(stderr, "bantin %s: %v\n", c.name, err)
				return 2
			default:
				fmt.Fprintf(stderr, "bantin %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "bantin: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// boolFlags are the flags of any command that take no value; every other
// flag written as "-name value" takes the next argument
// (TestBoolFlagsAreKnown keeps this list in step with the commands).
var boolFlags = map[string]bool{
	"h": true, "help": true, "log-json": true, "all": true, "json": true,
	"write": true, "hostile": true, "upstream": true, "force": true, "allow-private": true,
	"ingest-topics": true,
	"live":          true, "baseline": true, "fast-path": true, "unpaused": true, "watch-config": true,
}

// commandIndex returns the index of the command in args when only flags
// (and their values) come before it, or -1.
func commandIndex(args []string) int {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return -1
		}
		if !strings.HasPrefix(arg, "-") {
			if slices.ContainsFunc(commands, func(c command) bool { return c.name == arg }) {
				return i
			}
			return -1
		}
		name := strings.TrimLeft(arg, "-")
		if !strings.Contains(name, "=") && !boolFlags[name] {
			i++ // the flag's value
		}
	}
	return -1
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "bantin %s: feed aggregator and republisher\n\nUsage: bantin COMMAND [flags] [args]\n\nCommands:\n", version)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nEvery command takes -config PATH (default bantin.yaml, or $BANTIN_CONFIG) and -h;\nflags may come before or after the command. \"bantin help COMMAND\" shows a command's flags.\n")
}

func cmdVersion(ctx context.Context, a *app, args []string) error {
	fs := a.flags("version", "")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "bantin %s\n", version)
	return nil
}
