package normaliser

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// cp1252Byte maps the characters windows-1252 puts in 0x80-0x9F back to
// their byte.
var cp1252Byte = func() map[rune]byte {
	m := make(map[rune]byte, 32)
	for b := 0x80; b <= 0x9F; b++ {
		if r := charmap.Windows1252.DecodeByte(byte(b)); r != utf8.RuneError && r != rune(b) {
			m[r] = byte(b)
		}
	}
	return m
}()

// demoronize replaces the C1 control characters U+0080-U+009F in UTF-8
// text with the windows-1252 characters of the same byte value (’ for
// U+0092, … for U+0085, ...): text that holds them was decoded as ISO-8859-1
// somewhere upstream, and C1 controls have no business in a feed. The five
// bytes windows-1252 leaves undefined stay as they are (fixMojibake may
// still need them).
func demoronize(b []byte) []byte {
	if !bytes.Contains(b, []byte{0xC2}) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r >= 0x80 && r <= 0x9F {
			c := charmap.Windows1252.DecodeByte(byte(r))
			if c == utf8.RuneError {
				c = r
			}
			out = utf8.AppendRune(out, c)
			b = b[size:]
			continue
		}
		out = append(out, b[:size]...)
		b = b[size:]
	}
	return out
}

// fixMojibake undoes UTF-8 that was decoded as windows-1252 or ISO-8859-1
// ("Hà Ná»™i" → "Hà Nội", "â€¦" → "…"), up to twice for text encoded
// twice over. It only acts when every non-ASCII character of s maps back to
// one byte and the bytes together form valid multi-byte UTF-8: genuine
// Latin-1 text ("café", "naïve") never does, and text holding any other
// character (real Vietnamese, CJK) is left alone.
func fixMojibake(s string) string {
	for range 2 {
		fixed, ok := unmojibake(s)
		if !ok {
			break
		}
		s = fixed
	}
	return s
}

func unmojibake(s string) (string, bool) {
	high := false
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			high = true
			break
		}
	}
	if !high {
		return s, false
	}
	// Text holding a character that maps back to no byte (real
	// Vietnamese, CJK: most non-ASCII text) is told apart before any
	// buffer is made for it.
	for _, r := range s {
		if r >= 0x100 {
			if _, ok := cp1252Byte[r]; !ok {
				return s, false
			}
		}
	}
	buf := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x100:
			buf = append(buf, byte(r))
		default:
			buf = append(buf, cp1252Byte[r])
		}
	}
	if !utf8.Valid(buf) {
		return s, false
	}
	return string(buf), true
}
