package normaliser

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestNFCFastPath proves nfc's shortcut: every character nfcSafe accepts is
// NFC on its own, and every pair of them is NFC, so any string of them is.
func TestNFCFastPath(t *testing.T) {
	var safe []rune
	for r := rune(0); r <= 0x1EFF; r++ {
		if nfcSafe(r) && utf8.ValidRune(r) {
			safe = append(safe, r)
		}
	}
	for _, a := range safe {
		if !norm.NFC.IsNormalString(string(a)) {
			t.Fatalf("U+%04X is not NFC", a)
		}
		if p := norm.NFC.PropertiesString(string(a)); p.CCC() != 0 {
			t.Fatalf("U+%04X has combining class %d", a, p.CCC())
		}
	}
	buf := make([]byte, 0, 8)
	for _, a := range safe {
		for _, b := range safe {
			buf = utf8.AppendRune(utf8.AppendRune(buf[:0], a), b)
			if !norm.NFC.IsNormal(buf) {
				t.Fatalf("U+%04X U+%04X is not NFC", a, b)
			}
		}
	}
	tests := map[string]string{
		"ascii":       "plain",
		"vietnamese":  "Đại hội Đảng bộ Hà Nội",
		"decomposed":  "Ha\u0300 No\u0323\u0302i",
		"cjk":         "東京",
		"invalid":     "a\xffb",
		"hangul jamo": "\u1100\u1161",
		// the byte-level shortcut must not pass broken sequences
		"cut 2-byte":        "Hà N\xc3",
		"lead then ascii":   "\xc3A",
		"cut 3-byte":        "Nộ\xe1\xbb",
		"3-byte bad tail":   "\xe1\xbbA",
		"outside the range": "\xe1\xbc\x80\u0301",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			got := nfc(in)
			want := norm.NFC.String(strings.ToValidUTF8(in, "\uFFFD"))
			if got != want {
				t.Errorf("nfc(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
