// Package cpuclock reads CPU time (user plus system) for benchmarks: the
// whole process's, and the current OS thread's, which tells how much CPU
// one goroutine spent in a stretch of work when it is locked to its
// thread (runtime.LockOSThread) for that stretch.
package cpuclock

import "time"

// Process returns the CPU time the process has used, and whether the
// platform can tell.
func Process() (time.Duration, bool) { return process() }

// Thread returns the CPU time the calling OS thread has used, and whether
// the platform can tell.
func Thread() (time.Duration, bool) { return thread() }
