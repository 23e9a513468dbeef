// Package testenv is what bantin's tests need from their surroundings: the
// module root, the shared directory beside the module (../shared: feed
// corpora, schemas, validators, a seed article) and external programs
// (jing, xmllint, python3 modules, newsboat, chromium).
//
// A test that needs something absent is skipped, and the skip is recorded:
// Main, called from a package's TestMain, ends the package's run with one
// line naming what was missing, so that a green run with skipped suites is
// visible. With BANTIN_REQUIRE_SHARED=1 (CI sets it) such a test fails
// instead of skipping.
//
// Under -short, Shared and Tool skip at once (without recording): the
// corpus, validator, reader and browser suites are what -short leaves out.
package testenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// RequireEnv names the environment variable that turns a skip for a
// missing ../shared file or external program into a failure.
const RequireEnv = "BANTIN_REQUIRE_SHARED"

// required reports whether RequireEnv is set to 1.
func required() bool { return os.Getenv(RequireEnv) == "1" }

var (
	moduleOnce sync.Once
	moduleDir  string
	moduleErr  error
)

// ModuleRoot returns the directory holding go.mod, found upwards from the
// working directory (a package's directory under go test).
func ModuleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := moduleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

func moduleRoot() (string, error) {
	moduleOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			moduleErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				moduleDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				moduleErr = fmt.Errorf("testenv: go.mod not found above the working directory")
				return
			}
			dir = parent
		}
	})
	return moduleDir, moduleErr
}

// Path returns the path of rel (slash-separated) under the module root.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	return filepath.Join(ModuleRoot(tb), filepath.FromSlash(rel))
}

// Shared returns the path of rel (slash-separated, e.g.
// "corpus/schemas/atom.rnc") in ../shared beside the module. Under -short
// it skips the test; when the path does not exist it skips the test and
// records the skip (or fails it, under BANTIN_REQUIRE_SHARED=1).
func Shared(tb testing.TB, rel string) string {
	tb.Helper()
	SkipShort(tb, "needs ../shared/"+rel)
	p, ok := lookShared(tb, rel)
	if !ok {
		missing(tb, "../shared/"+topDir(rel), fmt.Sprintf("../shared/%s absent", rel))
	}
	return p
}

// HaveShared is Shared for a check a test can go without: it reports
// whether rel exists, and records (or, under BANTIN_REQUIRE_SHARED=1,
// fails) its absence without skipping the test.
func HaveShared(tb testing.TB, rel string) (string, bool) {
	tb.Helper()
	p, ok := lookShared(tb, rel)
	if !ok {
		note(tb, "../shared/"+topDir(rel), fmt.Sprintf("../shared/%s absent: that check was left out", rel))
	}
	return p, ok
}

func lookShared(tb testing.TB, rel string) (string, bool) {
	tb.Helper()
	p := filepath.Join(filepath.Dir(ModuleRoot(tb)), "shared", filepath.FromSlash(rel))
	_, err := os.Stat(p)
	return p, err == nil
}

// topDir shortens rel to its first element ("corpus", "tools", "seed"),
// the unit a summary names.
func topDir(rel string) string {
	dir, _, _ := strings.Cut(rel, "/")
	return dir
}

// Tool returns the path of the first of names found on PATH (or given as
// an absolute path). Under -short it skips the test; when none is
// installed it skips the test and records the skip (or fails it, under
// BANTIN_REQUIRE_SHARED=1).
func Tool(tb testing.TB, names ...string) string {
	tb.Helper()
	SkipShort(tb, "runs "+names[0])
	p, ok := lookTool(names)
	if !ok {
		missing(tb, names[0], names[0]+" not installed (.ci/run installs it)")
	}
	return p
}

// HaveTool is Tool for a check a test can go without: it reports whether
// name is installed, and records (or, under BANTIN_REQUIRE_SHARED=1,
// fails) its absence without skipping the test.
func HaveTool(tb testing.TB, name string) (string, bool) {
	tb.Helper()
	p, ok := lookTool([]string{name})
	if !ok {
		note(tb, name, name+" not installed (.ci/run installs it): that check was left out")
	}
	return p, ok
}

func lookTool(names []string) (string, bool) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, true
		}
	}
	return "", false
}

// Python returns Debian's /usr/bin/python3 (the one that sees the python3-*
// packages, not whatever python3 comes first on PATH) after checking that
// it imports module. Like Tool, it skips under -short and records (or
// fails) when either is missing.
func Python(tb testing.TB, module string) string {
	tb.Helper()
	py := Tool(tb, "/usr/bin/python3")
	if out, err := exec.Command(py, "-c", "import "+module).CombinedOutput(); err != nil {
		missing(tb, "python3-"+module, fmt.Sprintf("%s lacks module %s (apt-get install python3-%s): %v\n%s", py, module, module, err, out))
	}
	return py
}

// SkipShort skips the test under -short, saying why it is left out.
func SkipShort(tb testing.TB, why string) {
	tb.Helper()
	if testing.Short() {
		tb.Skipf("-short: %s", why)
	}
}

// The skips recorded in this test binary: what was missing -> the tests
// that went without it.
var (
	mu      sync.Mutex
	skipped = map[string][]string{}
)

func record(tb testing.TB, what string) {
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(skipped[what], tb.Name()) {
		skipped[what] = append(skipped[what], tb.Name())
	}
}

// Missing skips tb for want of what (a program, a package from a
// registry; Shared and Tool call it for ../shared and programs), saying
// msg, and records the skip for Main's summary; under
// BANTIN_REQUIRE_SHARED=1 it fails the test instead.
func Missing(tb testing.TB, what, msg string) {
	tb.Helper()
	missing(tb, what, msg)
}

// missing records what and skips tb, or fails it under
// BANTIN_REQUIRE_SHARED=1.
func missing(tb testing.TB, what, msg string) {
	tb.Helper()
	if required() {
		tb.Fatalf("%s (%s=1: CI requires it)", msg, RequireEnv)
	}
	record(tb, what)
	tb.Skip(msg)
}

// note records what and logs msg, or fails tb under
// BANTIN_REQUIRE_SHARED=1; the test goes on.
func note(tb testing.TB, what, msg string) {
	tb.Helper()
	if required() {
		tb.Errorf("%s (%s=1: CI requires it)", msg, RequireEnv)
		return
	}
	record(tb, what)
	tb.Log(msg)
}

// Main runs the tests of a package, as TestMain does, then prints one line
// naming what the tests that were skipped (or left a check out) for want
// of ../shared or an external program were missing, and exits.
//
// go test shows a passing package's output only with -v, so the line also
// goes to the go command's standard error when the test binary runs under
// it (Linux); it shows in -v and -json output either way.
func Main(m *testing.M) {
	code := m.Run()
	if line := Summary(); line != "" {
		fmt.Fprintln(summaryOut(), line)
	}
	os.Exit(code)
}

// Summary is the line Main prints, "" when nothing was skipped.
func Summary() string {
	mu.Lock()
	defer mu.Unlock()
	if len(skipped) == 0 {
		return ""
	}
	whats := slices.Sorted(func(yield func(string) bool) {
		for w := range skipped {
			if !yield(w) {
				return
			}
		}
	})
	tests := map[string]bool{}
	parts := make([]string, len(whats))
	for i, w := range whats {
		for _, t := range skipped[w] {
			tests[t] = true
		}
		parts[i] = fmt.Sprintf("%s (%d)", w, len(skipped[w]))
	}
	pkg := "."
	if wd, err := os.Getwd(); err == nil {
		if root, err := moduleRoot(); err == nil {
			if rel, err := filepath.Rel(root, wd); err == nil {
				pkg = "./" + filepath.ToSlash(rel)
			}
		}
	}
	n := len(tests)
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf("SKIPPED %s: %d test%s without %s; %s=1 makes this a failure",
		pkg, n, s, strings.Join(parts, ", "), RequireEnv)
}

// summaryOut is where Main prints: the go command's standard error when
// the binary runs under `go test` without -v (which would swallow the
// test binary's output), else standard output. The go command's standard
// error is written to only where that is safe: a terminal or a pipe, or a
// file it opened for appending (a file opened otherwise has an offset of
// its own that the go command would write over the line with).
func summaryOut() io.Writer {
	if testing.Verbose() {
		return os.Stdout
	}
	ppid := os.Getppid()
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid))
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return os.Stdout
	}
	fd := fmt.Sprintf("/proc/%d/fd/2", ppid)
	st, err := os.Stat(fd)
	if err != nil {
		return os.Stdout
	}
	if st.Mode().IsRegular() && !openedForAppend(ppid, 2) {
		return os.Stdout
	}
	f, err := os.OpenFile(fd, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return os.Stdout
	}
	return f
}

// openedForAppend reports whether file descriptor fd of process pid was
// opened with O_APPEND.
func openedForAppend(pid, fd int) bool {
	info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(info), "\n") {
		if v, ok := strings.CutPrefix(l, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&syscall.O_APPEND != 0
		}
	}
	return false
}
