package dedupe

import (
	"fmt"
	"testing"
)

// TestSeen: Add reports each value new once, below and above the size at
// which Seen switches from a list to a map.
func TestSeen(t *testing.T) {
	for _, n := range []int{0, 1, small, small + 1, 1000} {
		var s Seen[string]
		for round := range 2 {
			for i := range n {
				if got := s.Add(fmt.Sprint(i)); got != (round == 0) {
					t.Fatalf("n=%d round %d: Add(%d) = %v", n, round, i, got)
				}
			}
		}
		if n > 0 && s.Add(fmt.Sprint(n)) != true {
			t.Errorf("n=%d: a new value reported seen", n)
		}
	}
}

// BenchmarkSeen100k adds 100,000 distinct values and each again: linear
// (a list searched for each would take tens of seconds).
func BenchmarkSeen100k(b *testing.B) {
	for b.Loop() {
		var s Seen[int]
		for i := range 100000 {
			s.Add(i)
			s.Add(i)
		}
	}
}

// TestSeenSmallAllocatesNothing: up to 16 values, a Seen on the stack
// allocates nothing (the writer makes two for every item it stores).
func TestSeenSmallAllocatesNothing(t *testing.T) {
	words := []string{"a", "b", "a", "c", "b"}
	if n := testing.AllocsPerRun(100, func() {
		var s Seen[string]
		for _, w := range words {
			s.Add(w)
		}
	}); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}
