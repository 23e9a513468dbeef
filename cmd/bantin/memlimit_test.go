package main

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestMemoryLimitMakesRoomForTheCache: the soft memory limit leaves room
// above a live heap that is mostly the render cache (a limit at or under
// the live heap makes the GC run back to back), and without a cache it
// stays twice the live heap within the floor and memoryLimit.
func TestMemoryLimitMakesRoomForTheCache(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, held, want int64
	}{
		{live: 10 * mib, held: 0, want: memoryFloor},
		{live: 40 * mib, held: 0, want: 80 * mib},
		{live: 200 * mib, held: 0, want: memoryLimit},
		{live: 140 * mib, held: 100 * mib, want: 80*mib + 125*mib},
		{live: 90 * mib, held: 80 * mib, want: memoryFloor + 100*mib},
		{live: 50 * mib, held: 80 * mib, want: memoryFloor + 50*mib + 50*mib/4}, // held counts at most the live heap
	} {
		got := memoryLimitFor(c.live, c.held)
		if got != c.want {
			t.Errorf("memoryLimitFor(%d MiB, %d MiB) = %.1f MiB, want %.1f MiB", c.live/mib, c.held/mib, float64(got)/mib, float64(c.want)/mib)
		}
		if c.held > 0 && got < c.live+c.held/8 {
			t.Errorf("memoryLimitFor(%d MiB, %d MiB) = %.1f MiB leaves the GC no room above the live heap", c.live/mib, c.held/mib, float64(got)/mib)
		}
	}
}

// TestAfterEachGC: the hook that sets the soft memory limit runs after
// every collection (not only every half second), and stops when told.
func TestAfterEachGC(t *testing.T) {
	var n atomic.Int32
	done := make(chan struct{})
	afterEachGC(func() bool {
		if n.Add(1) == 3 {
			close(done)
			return false
		}
		return true
	})
	deadline := time.After(10 * time.Second)
	for collections := 1; ; collections++ {
		runtime.GC()
		select {
		case <-done:
			for range 3 {
				runtime.GC()
			}
			time.Sleep(50 * time.Millisecond)
			if got := n.Load(); got != 3 {
				t.Errorf("the hook ran %d times, want 3: it did not stop when it returned false", got)
			}
			return
		case <-deadline:
			t.Fatalf("the hook ran %d times after %d collections, want 3", n.Load(), collections)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
