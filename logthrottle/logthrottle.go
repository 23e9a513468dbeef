// Package logthrottle keeps a flood of identical log records from filling
// the log (and the disk it may be failing on): a slog.Handler that passes
// on the first record of a kind and then, at most once per window, one
// record with the count of those it held back.
package logthrottle

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// RepeatedKey is the attribute that carries the number of identical
// records a summary stands for.
const RepeatedKey = "repeated"

// Handler passes the first record of a kind on to the wrapped handler at
// once; identical records within the next Every are counted, and when the
// window ends the last of them is passed on with the attribute
// repeated=N (the count held back), which starts a new window. A kind
// that stays quiet for a whole window is forgotten, so its next record
// is passed on at once again.
//
// Records are identical when their level, message and attributes are,
// leaving out the attributes named in vary (a source id, say, when a
// thousand sources hit the same failure). Use one Handler (and the ones
// derived with WithAttrs/WithGroup) per flood to tame; it is safe for
// concurrent use. Flush passes on what is held back at once.
type Handler struct {
	inner  slog.Handler
	prefix string // the attributes added with WithAttrs/WithGroup, as a key part
	s      *state
}

type state struct {
	every time.Duration
	vary  []string

	mu    sync.Mutex
	kinds map[string]*kind
}

type kind struct {
	inner slog.Handler
	start time.Time   // of the window
	held  int         // records held back in it
	last  slog.Record // the last held back
	timer *time.Timer // ends the window
}

// New returns a Handler passing records to h, one per kind per every.
func New(h slog.Handler, every time.Duration, vary ...string) *Handler {
	return &Handler{inner: h, s: &state{every: every, vary: vary, kinds: map[string]*kind{}}}
}

// Enabled reports whether the wrapped handler handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// WithAttrs returns a Handler that shares h's windows.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.prefix)
	for _, a := range attrs {
		h.s.writeAttr(&b, a)
	}
	return &Handler{inner: h.inner.WithAttrs(attrs), prefix: b.String(), s: h.s}
}

// WithGroup returns a Handler that shares h's windows.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), prefix: h.prefix + "[" + name + "]", s: h.s}
}

// Handle passes r on, or counts it when an identical record was passed on
// less than Every ago.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	key := h.key(r)
	now := time.Now()
	s := h.s
	s.mu.Lock()
	k := s.kinds[key]
	if k == nil || now.Sub(k.start) >= s.every && k.held == 0 {
		if k != nil && k.timer != nil {
			k.timer.Stop()
		}
		s.kinds[key] = &kind{inner: h.inner, start: now}
		s.forgetQuiet(now)
		s.mu.Unlock()
		return h.inner.Handle(ctx, r)
	}
	k.held++
	k.last = r.Clone()
	if k.timer == nil {
		wait := k.start.Add(s.every).Sub(now)
		k.timer = time.AfterFunc(max(wait, 0), func() { s.endWindow(key, k) })
	}
	s.mu.Unlock()
	return nil
}

// endWindow passes on the summary of k's window, if it held records back,
// and starts the next window.
func (s *state) endWindow(key string, k *kind) {
	s.mu.Lock()
	if s.kinds[key] != k || k.held == 0 {
		s.mu.Unlock()
		return
	}
	r, n := k.last, k.held
	k.held, k.timer, k.start = 0, nil, time.Now()
	s.mu.Unlock()
	r.AddAttrs(slog.Int(RepeatedKey, n))
	_ = k.inner.Handle(context.Background(), r)
}

// forgetQuiet drops kinds whose window ended with nothing held back, so
// that the map does not grow with every distinct record ever logged.
func (s *state) forgetQuiet(now time.Time) {
	if len(s.kinds) < 256 {
		return
	}
	for key, k := range s.kinds {
		if k.held == 0 && now.Sub(k.start) >= s.every {
			delete(s.kinds, key)
		}
	}
}

// Flush passes on at once every summary still held back (at shutdown).
func (h *Handler) Flush() {
	h.s.mu.Lock()
	var pending []*kind
	var keys []string
	for key, k := range h.s.kinds {
		if k.held > 0 {
			if k.timer != nil {
				k.timer.Stop()
			}
			pending = append(pending, k)
			keys = append(keys, key)
		}
	}
	h.s.mu.Unlock()
	for i, k := range pending {
		h.s.endWindow(keys[i], k)
	}
}

// key identifies r's kind.
func (h *Handler) key(r slog.Record) string {
	var b strings.Builder
	b.WriteString(r.Level.String())
	b.WriteByte(0)
	b.WriteString(r.Message)
	b.WriteByte(0)
	b.WriteString(h.prefix)
	r.Attrs(func(a slog.Attr) bool {
		h.s.writeAttr(&b, a)
		return true
	})
	return b.String()
}

func (s *state) writeAttr(b *strings.Builder, a slog.Attr) {
	if slices.Contains(s.vary, a.Key) {
		return
	}
	b.WriteString(a.Key)
	b.WriteByte('=')
	b.WriteString(a.Value.Resolve().String())
	b.WriteByte(0)
}
