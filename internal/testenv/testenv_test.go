package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// childEnv marks a run of this test binary as the child of TestSkipsAreReported.
const childEnv = "BANTIN_TESTENV_CHILD"

// TestChildNeedsMissing is run by TestSkipsAreReported in a child process:
// it needs a ../shared file and a program that do not exist, and goes on
// without a second one.
func TestChildNeedsMissing(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestSkipsAreReported")
	}
	HaveShared(t, "no-such-dir/optional.txt")
	t.Run("tool", func(t *testing.T) { Tool(t, "bantin-no-such-program") })
	Shared(t, "no-such-dir/file.txt")
	t.Error("Shared returned for a missing file")
}

// runChild runs TestChildNeedsMissing in a child process with the extra
// environment and returns its combined output and whether it passed.
func runChild(t *testing.T, env ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildNeedsMissing$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=1"}, env...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// TestSkipsAreReported: tests skipped for want of ../shared or a program
// end the package's run with one line naming what was missing, and
// BANTIN_REQUIRE_SHARED=1 turns each skip into a failure.
func TestSkipsAreReported(t *testing.T) {
	if testing.Short() {
		// Shared and Tool skip under -short before looking: run the child
		// without it.
		t.Log("the child runs without -short")
	}
	out, ok := runChild(t, RequireEnv+"=")
	if !ok {
		t.Fatalf("child failed without %s:\n%s", RequireEnv, out)
	}
	want := "SKIPPED ./internal/testenv: 2 tests without ../shared/no-such-dir (1), bantin-no-such-program (1); BANTIN_REQUIRE_SHARED=1 makes this a failure"
	if n := strings.Count(out, "SKIPPED "); n != 1 || !strings.Contains(out, want+"\n") {
		t.Errorf("child output lacks the one line %q:\n%s", want, out)
	}
	for _, w := range []string{"../shared/no-such-dir/optional.txt absent: that check was left out", "bantin-no-such-program not installed", "--- SKIP: TestChildNeedsMissing"} {
		if !strings.Contains(out, w) {
			t.Errorf("child output lacks %q:\n%s", w, out)
		}
	}

	out, ok = runChild(t, RequireEnv+"=1")
	if ok {
		t.Fatalf("child passed with %s=1:\n%s", RequireEnv, out)
	}
	for _, w := range []string{
		"../shared/no-such-dir/optional.txt absent: that check was left out (BANTIN_REQUIRE_SHARED=1: CI requires it)",
		"bantin-no-such-program not installed (.ci/run installs it) (BANTIN_REQUIRE_SHARED=1: CI requires it)",
		"../shared/no-such-dir/file.txt absent (BANTIN_REQUIRE_SHARED=1: CI requires it)",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("child output with %s=1 lacks %q:\n%s", RequireEnv, w, out)
		}
	}
	if strings.Contains(out, "SKIPPED ") || strings.Contains(out, "Shared returned") {
		t.Errorf("child output with %s=1:\n%s", RequireEnv, out)
	}
}

func TestModuleRoot(t *testing.T) {
	root := ModuleRoot(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	if got := Path(t, "internal/testenv"); filepath.Clean(got) != filepath.Clean(mustGetwd(t)) {
		t.Errorf("Path(internal/testenv) = %s, want the package directory", got)
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// TestWaitFor: WaitFor returns once the condition holds, and fails the
// test naming what it waited for when the condition never holds.
func TestWaitFor(t *testing.T) {
	n := 0
	WaitFor(t, "the third check", 5*time.Second, func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("WaitFor returned after %d checks, want 3", n)
	}
	ft := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		WaitFor(ft, "nothing", 100*time.Millisecond, func() bool { return false })
	}()
	<-done
	if !strings.Contains(ft.msg, "waiting for nothing") {
		t.Errorf("failure message %q does not name what it waited for", ft.msg)
	}
}

// fatalRecorder records Fatalf and ends the goroutine as Fatalf does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
