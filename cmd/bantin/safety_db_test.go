//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"bantin/internal/testenv"
)

// growingUpstream serves /sN.rss feeds that gain an item on every request,
// so that every poll of every source has something to store.
type growingUpstream struct {
	requests atomic.Int64
	mu       sync.Mutex
	served   map[string]int
}

func (u *growingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.requests.Add(1)
	u.mu.Lock()
	if u.served == nil {
		u.served = map[string]int{}
	}
	u.served[r.URL.Path]++
	n := u.served[r.URL.Path]
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprintf(w, `<rss version="2.0"><channel><title>%s</title>`, r.URL.Path)
	for i := n; i > 0 && i > n-5; i-- {
		fmt.Fprintf(w, `<item><title>Tin số %d của %s</title><link>https://up.example%s/%d</link><guid>%s-%d</guid></item>`,
			i, r.URL.Path, r.URL.Path, i, r.URL.Path, i)
	}
	io.WriteString(w, `</channel></rss>`)
}

// fastConfig writes a config with n sources of up polled every second
// (failing ones retried within 2 s) and a topic of every item.
func fastConfig(t *testing.T, dir, upURL string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("database: data/bantin.db\ndefaults:\n  interval: 1s\n  min_interval: 1s\n  max_interval: 2s\n  timeout: 5s\n  retention: 3650d\n  per_host: 16\nsources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: s%02d, url: '%s/s%02d.rss'}\n", i, upURL, i)
	}
	b.WriteString("topics:\n  - {slug: tat-ca, title: Tất cả, match: {regex: '.'}}\n")
	path := filepath.Join(dir, "bantin.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runGrowing starts `bantin run` on n sources of a growingUpstream polled
// every second (fastConfig, in dir).
func runGrowing(t *testing.T, dir string, n int) (*growingUpstream, *child) {
	t.Helper()
	up := &growingUpstream{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	return up, serveChild(t, "run", fastConfig(t, dir, srv.URL, n), freeAddr(t))
}

// TestDaemonNoticesDeletedDatabase deletes the database files under a
// running `bantin run` (rm bantin.db bantin.db-wal bantin.db-shm): within
// seconds /healthz answers 503 naming the file, the log says so once, the
// daemon stops polling and writing (the deleted -wal, still open, does not
// grow), and the read-only commands say the database does not exist
// instead of creating an empty one.
func TestDaemonNoticesDeletedDatabase(t *testing.T) {
	testenv.SkipShort(t, "a daemon run until it notices its database deleted (about 8 s)")
	dir := t.TempDir()
	up, cmd := runGrowing(t, dir, 4)
	cfgPath, base := filepath.Join(dir, "bantin.yaml"), cmd.base
	dbPath := filepath.Join(dir, "data", "bantin.db")
	logs := cmd.log
	testenv.WaitFor(t, "a few polls", 10*time.Second, func() bool { return up.requests.Load() >= 8 })

	// The daemon's open -wal, to watch it after the name is gone.
	walFD := ""
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid))
	for _, fd := range fds {
		p := fmt.Sprintf("/proc/%d/fd/%s", cmd.Process.Pid, fd.Name())
		if target, err := os.Readlink(p); err == nil && target == dbPath+"-wal" {
			walFD = p
		}
	}
	for _, s := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(dbPath + s); err != nil {
			t.Fatal(err)
		}
	}
	var body string
	testenv.WaitFor(t, "/healthz 503 naming the deleted file", 10*time.Second, func() bool {
		var code int
		code, body = health(base)
		return code == http.StatusServiceUnavailable && strings.Contains(body, dbPath+" was deleted")
	})
	t.Logf("/healthz: %s", strings.TrimSpace(body))

	// Nothing more is fetched or written: give the daemon several poll
	// cycles (1 s each) and compare.
	// The poller looks at the files once a second: a fetch dispatched
	// just before may still arrive.
	time.Sleep(2 * time.Second)
	reqs := up.requests.Load()
	var walSize int64 = -1
	if walFD != "" {
		if fi, err := os.Stat(walFD); err == nil {
			walSize = fi.Size()
		}
	}
	time.Sleep(4 * time.Second)
	if n := up.requests.Load(); n != reqs {
		t.Errorf("the daemon went on polling after its database was deleted: %d requests, then %d", reqs, n)
	}
	if walFD == "" {
		t.Error("the daemon had no -wal open")
	} else if fi, err := os.Stat(walFD); err != nil || fi.Size() != walSize {
		t.Errorf("the deleted -wal changed after the check: size %d, then %v (%v)", walSize, fi.Size(), err)
	}
	for _, s := range []string{"", "-wal", "-shm"} {
		if _, err := os.Stat(dbPath + s); err == nil {
			t.Errorf("%s exists again", dbPath+s)
		}
	}
	if code, _ := health(base); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz went back to %d", code)
	}
	if v := metric(t, base, "bantin_database_healthy"); v != 0 {
		t.Errorf("bantin_database_healthy = %v after the deletion, want 0", v)
	}
	if n := logs.count(`level=ERROR msg="database lost.*` + regexp.QuoteMeta(dbPath) + ` was deleted`); n != 1 {
		t.Errorf("%d 'database lost' log lines, want 1", n)
	}
	// Published feeds are still served from what is open.
	if n := feedCount(base, "/topics/tat-ca.json"); n <= 0 {
		t.Errorf("topic feed after the deletion: %d", n)
	}

	// The read-only commands name the missing database and create nothing.
	ctx := context.Background()
	for _, args := range [][]string{
		{"sources"}, {"sources", "-json"}, {"preview", "tat-ca"}, {"explain", "tat-ca", "https://up.example/s00.rss/1"},
		{"curate", "list"}, {"curate", "list", "tat-ca"},
	} {
		code, stdout, stderr := runCLI(t, ctx, append(args, "-config", cfgPath)...)
		if code != 1 || !strings.Contains(stderr, "database "+dbPath+" does not exist") {
			t.Errorf("bantin %s with no database: exit %d, stdout %q, stderr %q; want exit 1 naming %s", strings.Join(args, " "), code, stdout, stderr, dbPath)
		}
		if _, err := os.Stat(dbPath); err == nil {
			t.Fatalf("bantin %s created %s", strings.Join(args, " "), dbPath)
		}
	}
}

// TestDaemonReportsUnwritableDatabase takes the room to write away from a
// running daemon (RLIMIT_FSIZE of 1 byte: every append fails, as on a full
// disk) while 20 sources are polled every second, then gives it back:
// /healthz answers 503 with the cause while writes fail and ok again by
// itself; the flood of identical write errors is one log line; what was
// fetched meanwhile is stored after the recovery.
func TestDaemonReportsUnwritableDatabase(t *testing.T) {
	testenv.SkipShort(t, "a daemon run until it reports its database unwritable (about 12 s)")
	up, cmd := runGrowing(t, t.TempDir(), 20)
	base := cmd.base
	logs := cmd.log
	testenv.WaitFor(t, "every source polled", 10*time.Second, func() bool { return up.requests.Load() >= 40 })
	if v := metric(t, base, "bantin_database_healthy"); v != 1 {
		t.Errorf("bantin_database_healthy = %v, want 1", v)
	}

	pid := cmd.Process.Pid
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, nil, &old); err != nil {
		t.Skipf("prlimit: %v", err)
	}
	full := old
	full.Cur = 1
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, &full, nil); err != nil {
		t.Skipf("prlimit: %v", err)
	}
	restored := false
	defer func() {
		if !restored {
			unix.Prlimit(pid, unix.RLIMIT_FSIZE, &old, nil)
		}
	}()
	var body string
	testenv.WaitFor(t, "/healthz 503 with the write failure", 10*time.Second, func() bool {
		var code int
		code, body = health(base)
		return code == http.StatusServiceUnavailable && strings.Contains(body, "writes to") && strings.Contains(body, "failed")
	})
	t.Logf("/healthz: %s", strings.TrimSpace(body))
	// Many more failed writes: every source keeps being polled.
	reqs := up.requests.Load()
	testenv.WaitFor(t, "60 more polls with failing writes", 20*time.Second, func() bool { return up.requests.Load() >= reqs+60 })
	if code, _ := health(base); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz %d while writes fail", code)
	}
	if n := logs.count(`msg="database write failed; nothing stored"`); n != 1 {
		t.Errorf("%d log lines for the same write failure, want 1 (once a minute):\n%s", n, grepLines(logs.String(), "database write failed"))
	}
	if n := logs.count(`msg="database cannot be written`); n != 1 {
		t.Errorf("%d 'database cannot be written' lines, want 1", n)
	}
	if n := logs.count(`msg="poll failed"`); n != 0 {
		t.Errorf("%d per-source 'poll failed' lines for store failures, want 0", n)
	}
	stored := metric(t, base, `bantin_items_ingested_total{kind="new"}`)
	if v := metric(t, base, "bantin_database_healthy"); v != 0 {
		t.Errorf("bantin_database_healthy = %v while writes fail, want 0", v)
	}

	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, &old, nil); err != nil {
		t.Fatal(err)
	}
	restored = true
	testenv.WaitFor(t, "/healthz ok again by itself", 10*time.Second, func() bool {
		code, body := health(base)
		return code == http.StatusOK && strings.TrimSpace(body) == "ok"
	})
	testenv.WaitFor(t, "new items stored after the recovery", 10*time.Second, func() bool {
		return metric(t, base, `bantin_items_ingested_total{kind="new"}`) > stored
	})
	// The watcher logs the recovery at its next check (every 2 s).
	testenv.WaitFor(t, "the recovery logged", 10*time.Second, func() bool {
		return logs.count(`msg="database writes succeed again"`) == 1
	})
}

// TestSecondPollingDaemonRefused: a second `bantin run` on the same SQLite
// file exits at once naming the running one (pid, listen address) and
// suggesting PostgreSQL; serve, sources and poll work beside it; after the
// first is killed with SIGKILL, a new `run` starts (no stale lock).
func TestSecondPollingDaemonRefused(t *testing.T) {
	dir := t.TempDir()
	_, first := runGrowing(t, dir, 2)
	cfgPath, addr1 := filepath.Join(dir, "bantin.yaml"), first.addr

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	second := childCommand(ctx, "run", "-config", cfgPath, "-listen", freeAddr(t))
	out, err := second.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the second run did not exit: %s", out)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("second run: %v, want exit status 1", err)
	}
	for _, want := range []string{
		fmt.Sprintf("pid %d", first.Process.Pid), "listening on " + addr1, filepath.Join(dir, "data", "bantin.db"), "PostgreSQL",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second run's message lacks %q:\n%s", want, out)
		}
	}

	// serve and the one-shot commands work beside the daemon.
	addr2 := freeAddr(t)
	serveChild(t, "serve", cfgPath, addr2)
	if n := feedCount("http://"+addr2, "/topics/tat-ca.json"); n < 0 {
		t.Errorf("serve beside run: topic feed %d", n)
	}
	for _, args := range [][]string{{"sources"}, {"poll"}} {
		if code, stdout, stderr := runCLI(t, context.Background(), append(args, "-config", cfgPath)...); code != 0 {
			t.Errorf("bantin %s beside run: exit %d\n%s\n%s", args[0], code, stdout, stderr)
		}
	}

	// kill -9 leaves no stale lock.
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	addr3 := freeAddr(t)
	third := serveChild(t, "run", cfgPath, addr3)
	lock, err := os.ReadFile(filepath.Join(dir, "data", "bantin.db.lock"))
	if err != nil || !strings.Contains(string(lock), fmt.Sprintf(`"pid":%d`, third.Process.Pid)) || !strings.Contains(string(lock), addr3) {
		t.Errorf("lock file after the restart: %q, %v", lock, err)
	}
}
