package aggregator

import (
	"context"
	"sync"
)

// hostLimiter bounds the requests in flight to each host at limit: the
// dispatcher takes a slot for a source's feed without waiting
// (tryAcquire), a poll waits for one for each article page on another
// host (acquire). Local files (host "") are not limited.
type hostLimiter struct {
	mu    sync.Mutex
	limit int
	busy  map[string]int
	freed chan struct{} // closed, and replaced, whenever a slot frees
	// onFree is called after a slot frees (the dispatcher's wake-up).
	onFree func()
}

func newHostLimiter(limit int, onFree func()) *hostLimiter {
	return &hostLimiter{limit: max(limit, 1), busy: map[string]int{}, freed: make(chan struct{}), onFree: onFree}
}

// tryAcquire takes a slot of host if one is free.
func (h *hostLimiter) tryAcquire(host string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if host != "" && h.busy[host] >= h.limit {
		return false
	}
	h.busy[host]++
	return true
}

// acquire waits for a slot of host, or for ctx to end.
func (h *hostLimiter) acquire(ctx context.Context, host string) error {
	for {
		h.mu.Lock()
		if host == "" || h.busy[host] < h.limit {
			h.busy[host]++
			h.mu.Unlock()
			return nil
		}
		freed := h.freed
		h.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release frees a slot of host.
func (h *hostLimiter) release(host string) {
	h.mu.Lock()
	h.busy[host]--
	close(h.freed)
	h.freed = make(chan struct{})
	h.mu.Unlock()
	if h.onFree != nil {
		h.onFree()
	}
}
