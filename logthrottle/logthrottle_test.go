package logthrottle

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the handler's timer goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(strings.TrimSpace(s.b.String()), "\n")
}

func newLogger(every time.Duration, vary ...string) (*slog.Logger, *Handler, *syncBuffer) {
	out := &syncBuffer{}
	text := slog.NewTextHandler(out, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})
	h := New(text, every, vary...)
	return slog.New(h), h, out
}

func waitLines(t *testing.T, out *syncBuffer, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l := out.lines()
		if len(l) >= n || time.Now().After(deadline) {
			return l
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFloodIsOneLineThenACount: 1,000 identical errors (from different
// sources) give one line at once and, when the window ends, one line with
// the count of the rest; a different error is not held back.
func TestFloodIsOneLineThenACount(t *testing.T) {
	log, _, out := newLogger(300*time.Millisecond, "source")
	for i := range 1000 {
		log.Error("database write failed", "source", fmt.Sprintf("s%d", i), "cause", "disk full")
	}
	log.Error("database write failed", "source", "x", "cause", "read-only")
	if l := out.lines(); len(l) != 2 {
		t.Fatalf("during the window: %d lines, want 2 (first of each kind):\n%s", len(l), strings.Join(l, "\n"))
	}
	l := waitLines(t, out, 3)
	if len(l) != 3 {
		t.Fatalf("after the window: %d lines, want 3:\n%s", len(l), strings.Join(l, "\n"))
	}
	if want := `level=ERROR msg="database write failed" source=s0 cause="disk full"`; l[0] != want {
		t.Errorf("first line %q, want %q", l[0], want)
	}
	if want := `level=ERROR msg="database write failed" source=s999 cause="disk full" repeated=999`; l[2] != want {
		t.Errorf("summary %q, want %q", l[2], want)
	}

	// The flood goes on: one summary per window, counting only its own.
	for range 5 {
		log.Error("database write failed", "source", "s1", "cause", "disk full")
	}
	l = waitLines(t, out, 4)
	if len(l) != 4 || !strings.HasSuffix(l[3], "repeated=5") {
		t.Fatalf("second window: want a 4th line ending repeated=5:\n%s", strings.Join(l, "\n"))
	}
}

// TestQuietKindIsLoggedAtOnceAgain: once a window has passed with no
// repeat, the next identical record is passed on at once, without a count.
func TestQuietKindIsLoggedAtOnceAgain(t *testing.T) {
	const every = 50 * time.Millisecond
	log, _, out := newLogger(every)
	log.Warn("w", "k", 1)
	time.Sleep(2 * every) // the window must be over: time itself is under test
	log.Warn("w", "k", 1)
	l := out.lines()
	if len(l) != 2 || l[1] != "level=WARN msg=w k=1" {
		t.Fatalf("after a quiet window the record must be logged at once, plainly:\n%s", strings.Join(l, "\n"))
	}
}

// TestAttrsMakeKinds: records that differ in an attribute not in vary,
// or in level, are different kinds; WithAttrs attributes count too.
func TestAttrsMakeKinds(t *testing.T) {
	log, _, out := newLogger(time.Hour, "source")
	log.Error("m", "cause", "a")
	log.Error("m", "cause", "b")
	log.Warn("m", "cause", "a")
	log.With("db", "x").Error("m", "cause", "a")
	log.With("db", "x").Error("m", "cause", "a", "source", "s2")
	if l := out.lines(); len(l) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(l), strings.Join(l, "\n"))
	}
}

// TestFlush passes on the held-back count at once.
func TestFlush(t *testing.T) {
	log, h, out := newLogger(time.Hour)
	for range 3 {
		log.Error("m")
	}
	h.Flush()
	l := out.lines()
	if len(l) != 2 || l[1] != `level=ERROR msg=m repeated=2` {
		t.Fatalf("after Flush:\n%s", strings.Join(l, "\n"))
	}
	h.Flush()
	if l := out.lines(); len(l) != 2 {
		t.Fatalf("a second Flush logged again:\n%s", strings.Join(l, "\n"))
	}
}
