package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bantin/config"
	"bantin/internal/testenv"
)

// The helpers of this package's tests, once: the command run in the
// process (runCLI) or as a child process (startChild, serveChild), the
// daemon run in the process (runDaemon), and what a reader of its HTTP
// sees (feedCount, feedText, health, metric).

// TestMain lets a test re-execute this binary as the bantin command: with
// BANTIN_TEST_MAIN=1 it runs main's run() on the arguments and exits.
func TestMain(m *testing.M) {
	if os.Getenv("BANTIN_TEST_MAIN") == "1" {
		os.Exit(mainWithSignals(os.Args[1:]))
	}
	testenv.Main(m)
}

// runCLI runs the bantin command in-process and returns its exit code and output.
func runCLI(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// mustRun is runCLI for a command that must succeed: its stdout.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, context.Background(), args...)
	if code != 0 {
		t.Fatalf("bantin %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// childCommand is `bantin ARGS...` as a command to start: this test
// binary, which TestMain turns into bantin.
func childCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "BANTIN_TEST_MAIN=1")
	return cmd
}

// child is `bantin ARGS...` running in a child process. Its stderr (the
// log) comes through a pipe into log, never a file, so that a test may
// forbid the child to write files. It is killed when the test ends, and
// its log shown when the test failed.
type child struct {
	*exec.Cmd
	log  *logBuffer
	addr string // its -listen address (serveChild)
	base string // "http://" + addr
}

// logBuffer is a child's log.
type logBuffer struct{ testenv.Buffer }

// count returns the number of log lines matching re.
func (l *logBuffer) count(re string) int {
	return len(regexp.MustCompile("(?m)"+re).FindAllString(l.String(), -1))
}

// startChild starts `bantin ARGS...` and returns at once.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	c := &child{Cmd: childCommand(context.Background(), args...), log: &logBuffer{}}
	c.Stdout = io.Discard
	c.Stderr = c.log
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Process.Kill()
		c.Wait()
		if t.Failed() {
			t.Logf("bantin %s log:\n%s", args[0], c.log.String())
		}
	})
	return c
}

// serveChild starts `bantin NAME -config CFG -listen ADDR EXTRA...` (run or
// serve) and waits until it serves.
func serveChild(t *testing.T, name, cfgPath, addr string, extra ...string) *child {
	t.Helper()
	c := startChild(t, append([]string{name, "-config", cfgPath, "-listen", addr}, extra...)...)
	c.addr, c.base = addr, "http://"+addr
	waitHealthy(t, c.base)
	return c
}

// stop sends SIGTERM and expects exit status 0 within 12 s.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(12 * time.Second):
		t.Fatal("did not exit within 12 s of SIGTERM")
	}
}

// runningDaemon is a Daemon run in the test's process, its log in a
// buffer; it stops when the test ends.
type runningDaemon struct {
	*Daemon
	base string
	log  *testenv.Buffer
	stop func() error // cancels Run, closes, and returns Run's error
}

// runDaemon builds a Daemon for cfg with opts (Listen 127.0.0.1:0 unless
// set; a debug log in a buffer unless opts.Logger is set), runs it and
// waits until /healthz answers.
func runDaemon(t *testing.T, cfg *config.Config, opts DaemonOptions) *runningDaemon {
	t.Helper()
	logs := &testenv.Buffer{}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	d, err := NewDaemon(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	r := &runningDaemon{Daemon: d, base: "http://" + d.Addr(), log: logs}
	stopped := false
	var runErr error
	r.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case runErr = <-ran:
			case <-time.After(shutdownGrace + 2*time.Second):
				runErr = errors.New("Run did not return after its context ended")
			}
			d.Close()
		}
		return runErr
	}
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("daemon stop: %v", err)
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})
	waitHealthy(t, r.base)
	return r
}

// reload reloads the config file (what SIGHUP does) and returns the log
// line that says how it went.
func (r *runningDaemon) reload(t *testing.T) string {
	t.Helper()
	r.ReloadFile(context.Background(), r.Config().Path)
	lines := strings.Split(strings.TrimSpace(r.log.String()), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := lines[i]; strings.Contains(l, "config reloaded") || strings.Contains(l, "reload refused") || strings.Contains(l, "reload failed") {
			return l
		}
	}
	t.Fatalf("no log line about the reload:\n%s", r.log.String())
	return ""
}

// mustLoad loads the config file at path.
func mustLoad(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// writeConfig writes yaml to dir/bantin.yaml and returns its path.
func writeConfig(t *testing.T, dir, yaml string) string {
	t.Helper()
	path := filepath.Join(dir, "bantin.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tinConfig is the config of the curation tests: the source tin
// (curationFeed at upURL/feed.rss) and moreSources, then the topic ha-noi
// with the lines of haNoi (its rule, pins); defaults adds to defaults:.
func tinConfig(upURL, defaults, moreSources, haNoi string) string {
	return fmt.Sprintf("base_url: http://bantin.test\ndatabase: c.db\ndefaults: {retention: 3650d%s}\n"+
		"sources:\n  - {id: tin, url: '%s/feed.rss', title: Tin Hà Nội}\n%stopics:\n  - slug: ha-noi\n    title: Hà Nội\n%s",
		defaults, upURL, moreSources, haNoi)
}

// freeAddr returns a 127.0.0.1 address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitHealthy waits (at most 10 s) until base/healthz answers 200.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	testenv.WaitFor(t, base+" healthy", 10*time.Second, func() bool {
		code, _ := health(base)
		return code == 200
	})
}

// get fetches url; a failed request fails the test.
func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// feedText returns the body of base+path and its status (-1 when the
// request fails).
func feedText(base, path string) (int, string) {
	resp, err := http.Get(base + path)
	if err != nil {
		return -1, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// feedCount returns the number of items of the JSON feed at base+path,
// -STATUS for a status other than 200, -1 when the request fails.
func feedCount(base, path string) int {
	resp, err := http.Get(base + path)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return -resp.StatusCode
	}
	var f struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
		return -1
	}
	return len(f.Items)
}

// health returns /healthz's status and body (0 when unreachable). Its
// connection is closed, not kept for the next request: a connection that
// sent /healthz belongs to net/http, so the fast path would never see the
// feed requests that followed on it.
func health(base string) (int, string) {
	req, err := http.NewRequest("GET", base+"/healthz", nil)
	if err != nil {
		return 0, err.Error()
	}
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric returns the value of the first /metrics sample starting with name.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	_, body := get(t, base+"/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// grepLines returns the lines of s containing sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
