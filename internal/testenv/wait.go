package testenv

import (
	"testing"
	"time"
)

// WaitFor checks cond every 50 ms until it holds, and fails the test
// naming what it waited for when it does not within timeout: how a test
// waits for background work, never with a bare sleep.
func WaitFor(tb testing.TB, what string, timeout time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
