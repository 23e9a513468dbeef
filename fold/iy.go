package fold

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Vietnamese writes the vowel of some open syllables as i or as y: after an
// initial consonant the two letters are the same sound, and newsrooms
// disagree on the spelling ("tỷ đồng" and "tỉ đồng", "kỹ sư" and "kĩ sư",
// "Mỹ" and "Mĩ", "quý" and "quí", "hy sinh" and "hi sinh"). The variants
// are the syllables made of an initial consonant that may stand before i
// (b, ch, d, đ, h, k, kh, l, m, n, nh, p, ph, qu, r, s, t, th, tr, v, x)
// and the single vowel i or y with any tone mark, nothing else. Not
// variants: y that is part of a diphthong or triphthong (thuỷ, tay, yêu,
// khuyến: the letters before it are not an initial), a syllable after g,
// gh or ngh (gì), and a vowel with no initial (ý, í).

// IYInitial reports whether the folded bytes p (lower case ASCII, đ folded
// to d) are an initial consonant after which i and y are one sound. It
// does not allocate.
func IYInitial(p []byte) bool {
	switch len(p) {
	case 1:
		switch p[0] {
		case 'b', 'd', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'x':
			return true
		}
	case 2:
		switch p[1] {
		case 'h':
			switch p[0] {
			case 'c', 'k', 'n', 'p', 't':
				return true
			}
		case 'u':
			return p[0] == 'q'
		case 'r':
			return p[0] == 't'
		}
	}
	return false
}

// iyPairs maps each precomposed i (any tone, either case) to the y with the
// same tone and case, and back.
var iToY, yToI = func() (map[rune]rune, map[rune]rune) {
	iy, yi := map[rune]rune{}, map[rune]rune{}
	for _, c := range []struct{ i, y rune }{{'i', 'y'}, {'I', 'Y'}} {
		for _, t := range []string{"", string(toneGrave), string(toneAcute), string(toneTilde), string(toneHook), string(toneDot)} {
			i, _ := utf8.DecodeRuneInString(norm.NFC.String(string(c.i) + t))
			y, _ := utf8.DecodeRuneInString(norm.NFC.String(string(c.y) + t))
			iy[i], yi[y] = y, i
		}
	}
	return iy, yi
}()

// IYVowel returns the y that is the twin of r when r is an i with or
// without a Vietnamese tone mark (either case), r itself when it is such a
// y, and ok = false for any other rune.
func IYVowel(r rune) (y rune, ok bool) {
	if y, ok := iToY[r]; ok {
		return y, true
	}
	if _, ok := yToI[r]; ok {
		return r, true
	}
	return r, false
}

// IYSyllable reports whether word (NFC, any letter case, folded or not) is
// a syllable whose vowel may be written i or y (see above): an initial
// consonant from the list followed by one i or y with or without a tone
// mark.
func IYSyllable(word string) bool {
	r, n := utf8.DecodeLastRuneInString(word)
	if _, ok := IYVowel(r); !ok || n == len(word) || len(word)-n > 4 {
		return false
	}
	var p [4]byte
	k := 0
	for _, c := range word[:len(word)-n] {
		switch {
		case c == 'đ' || c == 'Đ':
			c = 'd'
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c >= utf8.RuneSelf:
			return false
		}
		p[k] = byte(c)
		k++
	}
	return IYInitial(p[:k])
}

// IY returns s in NFC with the vowel of every IYSyllable word written as y,
// keeping its tone mark and letter case: "tỉ đồng" → "tỷ đồng", "Mĩ" →
// "Mỹ", "quí" → "quý", "KĨ SƯ" → "KỸ SƯ", "hi sinh" → "hy sinh". Every
// other word, and the rest of s, is unchanged ("khi", "gì", "thuỷ", "yêu").
// Two words that are i/y twins have the same IY. IY is idempotent; Fold
// and Slug are not affected by it (they keep the spelling as written).
func IY(s string) string { return rewriteWords(NFC(s), iyWord) }

// iyWord returns word with its vowel written y when it is an IYSyllable
// written with i.
func iyWord(word string) (string, bool) {
	v, n := utf8.DecodeLastRuneInString(word)
	if y, _ := IYVowel(v); y != v && IYSyllable(word) {
		return word[:len(word)-n] + string(y), true
	}
	return "", false
}

// VietnameseLetter reports whether r is a precomposed letter of the
// Vietnamese alphabet that carries a diacritic, in either case: ă, â, đ,
// ê, ô, ơ, ư, or a vowel with a tone mark (à, ấ, ỉ, ỵ, ...). Some of them
// also occur in other languages (é, à, ô).
func VietnameseLetter(r rune) bool {
	if r < 0xC0 {
		return false
	}
	return vietLetters[r]
}

var vietLetters = func() map[rune]bool {
	m := map[rune]bool{'đ': true, 'Đ': true}
	bases := []string{"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"}
	tones := []string{"", string(toneGrave), string(toneAcute), string(toneTilde), string(toneHook), string(toneDot)}
	for _, b := range bases {
		for _, upper := range []bool{false, true} {
			if upper {
				b = strings.ToUpper(b)
			}
			for _, t := range tones {
				s := norm.NFC.String(b + t)
				if r, n := utf8.DecodeRuneInString(s); n == len(s) && r >= utf8.RuneSelf {
					m[r] = true
				}
			}
		}
	}
	return m
}()

// HasVietnameseLetter reports whether s (NFC) contains a VietnameseLetter.
func HasVietnameseLetter(s string) bool {
	for _, r := range s {
		if VietnameseLetter(r) {
			return true
		}
	}
	return false
}
