package normaliser

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMayStrip checks that the quick pass never misses a tag the
// expression finds (it may find more).
func TestMayStrip(t *testing.T) {
	pieces := []string{"<", "</", ">", "/", " ", "\t", "\n", "x", "p", "P", "address", "ADDRESS", "Address",
		"nav", "iframe", "ſ", "ection", "section", "h1", "div", "-", ":", "é", "footer", "a", "video", "aside"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var b strings.Builder
		for range 1 + r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if strippedBreaks.MatchString(s) && !mayStrip(s) {
			t.Fatalf("mayStrip(%q) = false, but the expression matches", s)
		}
	}
	for _, s := range []string{"<p>plain</p>", "<b>x</b> <i>y</i>", "a < b"} {
		if mayStrip(s) {
			t.Errorf("mayStrip(%q) = true", s)
		}
	}
}

func TestMayStripFinds(t *testing.T) {
	for _, s := range []string{"Tòa soạn<address>Số 1</address>", "x</NAV>", "<footer", "<ſection>"} {
		if strippedBreaks.MatchString(s) && !mayStrip(s) {
			t.Errorf("mayStrip(%q) = false", s)
		}
	}
	if !mayStrip("Tòa soạn<address>Số 1</address>") {
		t.Error("mayStrip misses <address>")
	}
}
