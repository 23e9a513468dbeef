package fold

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Vietnamese writes the tone mark of a syllable that ends in the rhyme oa,
// oe or uy in two accepted ways: on the first vowel (hòa, khỏe, thủy, Ủy)
// or on the second (hoà, khoẻ, thuỷ, Uỷ). Both spellings are the same word
// with the same diacritics; only the letter carrying the tone differs.
// Nowhere else is the placement free: with a final consonant or a third
// vowel the tone always sits on the second vowel (hoàng, khuyết, ngoài,
// khuỷu), and in qu the u is part of the consonant (quý, quỳ; "qùy" is a
// misspelling, not a variant).

// Tone marks as combining characters (after canonical decomposition).
const (
	toneGrave = '\u0300' // huyền
	toneAcute = '\u0301' // sắc
	toneTilde = '\u0303' // ngã
	toneHook  = '\u0309' // hỏi
	toneDot   = '\u0323' // nặng
)

func isTone(r rune) bool {
	switch r {
	case toneGrave, toneAcute, toneTilde, toneHook, toneDot:
		return true
	}
	return false
}

// isInitialConsonant reports whether r may be part of a Vietnamese initial
// consonant (b, ch, d, đ, g, gh, kh, ng, ngh, nh, ph, th, tr, ...), in
// either case. Vowels are not: "gi" is left alone, so is q (see qu above).
func isInitialConsonant(r rune) bool {
	switch r | 0x20 { // ASCII lower case; đ/Đ handled below
	case 'b', 'c', 'd', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'x':
		return r < utf8.RuneSelf
	}
	return r == 'đ' || r == 'Đ'
}

// Tones returns s in NFC with the tone mark of every word whose syllable
// ends in oa, oe or uy placed on the first of those two vowels: "Hoà Bình"
// → "Hòa Bình", "Thuỷ điện" → "Thủy điện", "khoẻ" → "khỏe", "Uỷ ban" → "Ủy
// ban". A word qualifies when it is an optional run of consonants other
// than q followed by exactly that rhyme, in any letter case, with one tone
// mark; every other word, and the rest of s, is unchanged. Diacritic-
// sensitive comparison uses it on both sides so that the two accepted
// placements compare equal. Tones is idempotent.
func Tones(s string) string {
	if isASCII(s) {
		return s // no tone marks at all
	}
	return rewriteWords(NFC(s), moveTone)
}

// rewriteWords returns s (NFC) with each word (a run of word runes) for
// which f returns ok replaced by f's result; s itself when there is none.
func rewriteWords(s string, f func(word string) (string, bool)) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		j := i + n
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if !isWordRune(r) {
				break
			}
			j += n
		}
		if w, ok := f(s[i:j]); ok {
			if b.Len() == 0 {
				b.Grow(len(s) + 2)
			}
			b.WriteString(s[last:i])
			b.WriteString(w)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// ToneMovable reports, without allocating, whether Tones may change the
// word (NFC): it ends in o or u followed by a, e or y that carries a tone
// mark. Callers comparing many words call Tones only for these.
func ToneMovable(word string) bool {
	r, n := utf8.DecodeLastRuneInString(word)
	if !tonedSecond[r] {
		return false
	}
	switch p, _ := utf8.DecodeLastRuneInString(word[:len(word)-n]); p {
	case 'o', 'O', 'u', 'U':
		return true
	}
	return false
}

// tonedSecond holds the precomposed a, e and y (either case) with a tone
// mark and nothing else: the second vowels whose tone Tones moves.
var tonedSecond = func() map[rune]bool {
	m := map[rune]bool{}
	for _, base := range "aeyAEY" {
		for _, t := range []rune{toneGrave, toneAcute, toneTilde, toneHook, toneDot} {
			r, _ := utf8.DecodeRuneInString(norm.NFC.String(string([]rune{base, t})))
			m[r] = true
		}
	}
	return m
}()

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// moveTone returns word (NFC) with its tone moved onto the first vowel of
// a final oa, oe or uy, and whether it changed anything.
func moveTone(word string) (string, bool) {
	d := []rune(norm.NFD.String(word))
	// Split off the initial consonants.
	k := 0
	for k < len(d) && isInitialConsonant(d[k]) {
		k++
	}
	rest := d[k:]
	// rest must be v1 [tone] v2 [tone], with exactly one tone, on v2.
	if len(rest) != 3 || !isTone(rest[2]) {
		return "", false
	}
	v1, v2 := rest[0]|0x20, rest[1]|0x20
	if rest[0] >= utf8.RuneSelf || rest[1] >= utf8.RuneSelf {
		return "", false
	}
	switch {
	case v1 == 'o' && (v2 == 'a' || v2 == 'e'):
	case v1 == 'u' && v2 == 'y':
	default:
		return "", false
	}
	out := make([]rune, 0, len(d))
	out = append(out, d[:k]...)
	out = append(out, rest[0], rest[2], rest[1])
	return norm.NFC.String(string(out)), true
}
