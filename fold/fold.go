// Package fold turns text into the forms bantin compares and publishes:
// Unicode NFC, a case- and diacritic-insensitive "folded" form, and URL slugs.
//
// Folding works for any script. Combining marks are removed after
// compatibility decomposition when they sit on a letter of a script whose
// marks are optional accents (Latin, Greek, Cyrillic, Armenian, Hebrew,
// Arabic, ...): "Đại hội Đảng" folds to "dai hoi dang", "Ελλάδα" to
// "ελλαδα". In scripts where marks are an integral part of the spelling
// (Devanagari, Thai, Japanese kana voicing, ...) they are kept. Latin
// letters that do not decompose are mapped as well: đ→d, ø→o, ł→l, ß→ss,
// æ→ae, œ→oe, þ→th.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NFC returns s in Unicode Normalization Form C. It returns s itself when s
// is already in NFC.
func NFC(s string) string {
	if isNFCQuick(s) {
		return s
	}
	return norm.NFC.String(s)
}

// nfcSafeLimit bounds the runes of the quick NFC check table.
const nfcSafeLimit = 0x3000

// nfcSafe has a bit set for each rune below nfcSafeLimit that is in NFC on
// its own and never combines with the rune before it: a string made only
// of such runes is in NFC.
var nfcSafe = func() []uint64 {
	t := make([]uint64, nfcSafeLimit/64)
	for r := rune(0); r < nfcSafeLimit; r++ {
		s := string(r)
		if !utf8.ValidRune(r) || !norm.NFC.IsNormalString(s) {
			continue
		}
		if p := norm.NFC.PropertiesString(s); p.BoundaryBefore() && p.CCC() == 0 {
			t[r/64] |= 1 << (r % 64)
		}
	}
	return t
}()

// isNFCQuick reports whether s is certainly in NFC (false means: ask the
// normaliser). It handles Vietnamese, other Latin, Greek and Cyrillic text
// and common punctuation without consulting the normalisation tables.
func isNFCQuick(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r >= nfcSafeLimit || nfcSafe[r/64]&(1<<(r%64)) == 0 {
			return false
		}
		i += n
	}
	return true
}

// Fold returns s in NFC, lowercased, with diacritics removed (see the package
// comment) and compatibility characters decomposed ("ﬁ"→"fi", fullwidth
// forms to ASCII). Letters of every script are kept. Fold is idempotent.
func Fold(s string) string {
	// ASCII fast path: no allocation when s is already lower case ASCII.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return string(AppendFold(make([]byte, 0, len(s)+4), s))
		}
		if 'A' <= c && c <= 'Z' {
			return string(AppendFold(make([]byte, 0, len(s)), s))
		}
	}
	return s
}

// AppendFold appends Fold(s) to dst and returns the extended buffer. It lets
// hot loops fold many words without allocating a string for each.
func AppendFold(dst []byte, s string) []byte {
	start := len(dst)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if f, ok := fastFold(r); ok {
			dst = append(dst, f...)
			i += n
			continue
		}
		// A rune outside the tables: fold the whole string the slow,
		// authoritative way.
		return append(dst[:start], foldSlow(s)...)
	}
	return dst
}

// FoldRune returns the folded form of r when it does not depend on the
// runes around it (ASCII, Latin, Greek, Cyrillic, combining diacritics,
// general punctuation): for a word made only of such runes, Fold is the
// concatenation of their FoldRune forms. ok is false for other runes; fold
// words containing them with Fold or AppendFold.
func FoldRune(r rune) (f string, ok bool) {
	if 0 <= r && r < utf8.RuneSelf {
		return asciiFold[r], true
	}
	return fastFold(r)
}

var asciiFold = func() (t [utf8.RuneSelf]string) {
	for c := range t {
		t[c] = strings.ToLower(string(rune(c)))
	}
	return t
}()

// HasDiacritics reports whether word, after NFC, carries anything Fold
// removes or rewrites beyond lowercasing: accents and marks (ấ, ö), letters
// like đ, ø, ß, or compatibility forms. Keyword matching uses it to decide
// whether a written word must match exactly (case-insensitively) or matches
// any diacritics.
func HasDiacritics(word string) bool {
	return Fold(word) != lower(word)
}

// lower is the case-insensitive comparison form without diacritic folding:
// NFC, unicode lower case, final sigma as sigma.
func lower(s string) string {
	s = NFC(s)
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if r == 'ς' {
			r = 'σ'
		}
		return r
	}, s)
}

// Slug returns the URL slug of s: Fold, then every run of characters that
// are not letters, digits or marks becomes a single '-', trimmed at both
// ends. Latin text becomes lowercase ASCII [a-z0-9-] ("Đại hội đảng" →
// "dai-hoi-dang", "TP. Hồ Chí Minh" → "tp-ho-chi-minh"); letters that have no
// ASCII folding stay, lowercased ("Москва" → "москва", "東京" → "東京"), and
// callers escape them at the URL edge. Input without any letter or digit
// gives "". Slug is idempotent.
func Slug(s string) string {
	f := Fold(s)
	b := make([]byte, 0, len(f))
	dash, inWord := false, false
	for _, r := range f {
		// A mark belongs to a word only after a letter or number: a
		// stray mark would otherwise start a slug that Fold then drops.
		if isWordRune(r) && (inWord || !unicode.IsMark(r)) {
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash, inWord = false, true
			b = utf8.AppendRune(b, r)
			continue
		}
		dash, inWord = true, false
	}
	return string(b)
}

// isWordRune reports whether r belongs to a word: a letter, a number or a
// mark attached to one.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// IsWordRune reports whether r is part of a word for matching and slugging:
// a letter, a number or a combining mark. Everything else separates words.
func IsWordRune(r rune) bool { return isWordRune(r) }

// special maps lower case letters that have no canonical decomposition to
// their folded spelling.
var special = map[rune]string{
	'đ': "d", 'ð': "d", 'ɖ': "d", 'ɗ': "d",
	'ø': "o", 'ł': "l", 'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th",
	'ħ': "h", 'ı': "i", 'ŧ': "t", 'ƀ': "b", 'ɨ': "i", 'ƶ': "z",
	'ƙ': "k", 'ƴ': "y", 'ŋ': "n", 'ȥ': "z", 'ɍ': "r", 'ɇ': "e",
	'ς': "σ",
}

// stripsMarks reports whether combining marks on a base rune of r's script
// are optional accents that folding removes.
func stripsMarks(r rune) bool {
	if r < 0x0590 || fastLo2 <= r && r < fastHi2 {
		// Latin, Greek, Cyrillic, Armenian, punctuation (the fast blocks).
		return true
	}
	return unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic,
		unicode.Armenian, unicode.Hebrew, unicode.Arabic, unicode.Syriac,
		unicode.Thaana, unicode.Common)
}

// foldSlow is the authoritative definition of Fold.
func foldSlow(s string) string {
	// Invalid bytes become U+FFFD first: the normaliser would otherwise
	// leave the rune after one undecomposed, and a second Fold differ.
	d := norm.NFKD.String(strings.ToValidUTF8(s, "\uFFFD"))
	b := make([]byte, 0, len(d))
	strip := true // a mark with no base before it is dropped
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			if !strip {
				b = utf8.AppendRune(b, r)
			}
			continue
		}
		if !unicode.Is(unicode.Cf, r) { // joiners are transparent
			strip = stripsMarks(r)
		}
		r = unicode.ToLower(r)
		if m, ok := special[r]; ok {
			b = append(b, m...)
			continue
		}
		b = utf8.AppendRune(b, r)
	}
	return norm.NFC.String(string(b))
}

// The fast table covers the blocks whose folded forms never interact with
// their neighbours under NFC: Latin, Greek, Cyrillic, combining diacritics
// (always on a base whose marks are stripped, since only such bases take the
// fast path) and general punctuation.
const (
	fastLo1, fastHi1 = 0x80, 0x0530   // Latin-1 .. Cyrillic Supplement
	fastLo2, fastHi2 = 0x1E00, 0x2070 // Latin Ext. Additional, Greek Ext., punctuation
)

var fastTable = func() []string {
	t := make([]string, (fastHi1-fastLo1)+(fastHi2-fastLo2))
	i := 0
	for r := rune(fastLo1); r < fastHi1; r++ {
		t[i] = foldSlow(string(r))
		i++
	}
	for r := rune(fastLo2); r < fastHi2; r++ {
		t[i] = foldSlow(string(r))
		i++
	}
	return t
}()

func fastFold(r rune) (string, bool) {
	switch {
	case r >= fastLo1 && r < fastHi1:
		return fastTable[r-fastLo1], true
	case r >= fastLo2 && r < fastHi2:
		return fastTable[(fastHi1-fastLo1)+(r-fastLo2)], true
	}
	return "", false
}
