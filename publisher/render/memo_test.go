package render

import (
	"fmt"
	"strings"
	"testing"

	"bantin/htmltext"
)

// TestTextMemo: the memo answers what the function does, for inputs seen
// before and after its generations turned over, and keeps at most two
// generations.
func TestTextMemo(t *testing.T) {
	m := textMemo{limit: 8}
	calls := 0
	f := func(s string) string { calls++; return htmltext.Balance(s) }
	input := func(i int) string {
		return fmt.Sprintf("<p>Bài %d: giá vàng <b>tăng %s</p>", i, strings.Repeat("mạnh ", 12))
	}
	for round := range 3 {
		for i := range 20 {
			s := input(i)
			if got, want := m.do(s, f), htmltext.Balance(s); got != want {
				t.Fatalf("round %d, input %d: %q, want %q", round, i, got, want)
			}
		}
	}
	if len(m.cur) > 8 || len(m.prev) > 8 {
		t.Errorf("generations of %d and %d entries, limit 8", len(m.cur), len(m.prev))
	}
	calls = 0
	s := input(19)
	m.do(s, f)
	m.do(s, f)
	if calls != 0 {
		t.Errorf("a recent input called the function %d times", calls)
	}
	if got := m.do("<b>short", f); got != htmltext.Balance("<b>short") {
		t.Errorf("short input: %q", got)
	}
}
