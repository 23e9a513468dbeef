package classifier

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"bantin/fold"
)

// Spelling variants that the word-by-word comparison alone would miss.
//
// Joined words. Two adjacent words are joined softly when the characters
// between them are exactly one '.' or one hyphen ("TP.HCM", "VN-Index",
// "COVID-19", "e-mail", "1.000"; not the range "20-25"), or white space between two abbreviations ("TP
// HCM", "UBND TP"), or a '.' and white space before an abbreviation after
// an abbreviation or a short capitalised word ("Tp. HCM", "TP. HCM"). An
// abbreviation (isAbbrev) is 2 to 5 letters or digits starting with a
// letter, every letter upper case and without a tone or vowel mark (Đ is
// allowed): "TP", "HCM", "UBND", "HĐND", "G7", not "HÀ", "Hà" or "5G";
// the short word before the '.' is 1 to 3 such letters, the first upper
// case (isDotAbbrev). Softly joined
// words may also be written as one word, on either side: a keyword
// matches when, after joining some of its softly joined words and some of
// the item's, the words compare equal. So "TP.HCM", "TP HCM" and "Tp.
// HCM" find "TPHCM", "TPHCM" finds all three, "VN-Index" finds "VNINDEX",
// "vnindex" finds "VN-Index". Words separated by plain spaces are never
// joined otherwise: "ha noi" does not find "hanoi", nor "hanoi" "Ha Noi".
// A joined word compares like any word: its folded form is the
// concatenation of the parts' folded forms; a keyword word joined from
// parts written with diacritics must have the same diacritics (lower
// case, tone placed by fold.Tones in each written word).
//
// i/y syllables. A word whose folded form is an initial consonant and the
// vowel i or y (fold.IYSyllable: "tỉ", "tỷ", "ky", "quí", "hy") matches
// its twin with the other letter, in the same tone ("tỷ" finds "tỉ", "kĩ
// sư" finds "kỹ sư", "ty dong" finds "tỉ đồng"), when the match is in
// Vietnamese: the item's language is vi, or the keyword phrase or the
// words it matched contain a Vietnamese letter with a diacritic
// (fold.VietnameseLetter). "my" does not find "mi" in English text.
//
// Both sides are canonicalised the same way: the word index holds both
// spellings of an i/y syllable under one word id (the match then checks
// which spelling each side used), keywords are compiled into one
// alternative phrase per way of joining their softly joined words, and
// the item's softly joined words are concatenated (joinFrom) and looked
// up as one word. softJoin decides joins for keywords and items alike.

// tokSoft marks a token that may be softly joined to the one before
// (sepTab).
const tokSoft uint8 = 1

// maxJoins bounds the joins of one keyword phrase for which every
// combination is compiled; a phrase with more is compiled with none and
// with all of them joined.
const maxJoins = 4

// iyLetter returns the vowel ('i' or 'y') of a folded i/y syllable, or 0.
func iyLetter(f string) byte {
	if n := len(f); n >= 2 && n <= 3 && (f[n-1] == 'i' || f[n-1] == 'y') && fold.IYInitial([]byte(f[:n-1])) {
		return f[n-1]
	}
	return 0
}

// iyTwin returns the folded i/y syllable f with its other vowel letter.
func iyTwin(f string) string {
	if f[len(f)-1] == 'i' {
		return f[:len(f)-1] + "y"
	}
	return f[:len(f)-1] + "i"
}

// isHyphen reports whether r joins two words into one (see above).
func isHyphen(r rune) bool { return r == '-' || r == '\u2010' || r == '\u2011' }

// softJoin reports whether the words s[a0:a1] and s[b0:b1] (adjacent words
// of s, in NFC) are joined softly (see above).
func softJoin(s string, a0, a1, b0, b1 int) bool {
	sep := s[a1:b0]
	if sep == "" || !softBefore(s, b0) { // "" after an ideograph
		return false
	}
	if sep == "." {
		return true
	}
	if r, n := utf8.DecodeRuneInString(sep); n == len(sep) && isHyphen(r) {
		// Between two numbers a hyphen is a range ("20-25"), not a join.
		return !isDigits(s[a0:a1]) || !isDigits(s[b0:b1])
	}
	dot := sep[0] == '.'
	if dot {
		sep = sep[1:]
	}
	if sep == "" {
		return false
	}
	for _, r := range sep {
		if r != ' ' && r != '\t' && r != '\u00a0' {
			return false
		}
	}
	return isAbbrev(s[b0:b1]) && (isAbbrev(s[a0:a1]) || dot && isDotAbbrev(s[a0:a1]))
}

// isDigits reports whether w is ASCII digits only.
func isDigits(w string) bool {
	return strings.Trim(w, "0123456789") == ""
}

// plainLetter reports whether r is a letter without a tone or vowel mark
// (đ and Đ are allowed): folding only lowercases it.
func plainLetter(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', r == 'đ', r == 'Đ':
		return true
	case r < utf8.RuneSelf || !unicode.IsLetter(r):
		return false
	case r < classLimit && runeTab[r].cls&classFast != 0:
		var b [utf8.UTFMax]byte
		ri := runeTab[r]
		return foldArena[ri.off:ri.off+uint16(ri.n)] == string(utf8.AppendRune(b[:0], lowerRune(r)))
	}
	return !fold.HasDiacritics(string(r))
}

// plainUpper reports whether r is an upper case plainLetter: the letters
// of abbreviations.
func plainUpper(r rune) bool {
	if 'A' <= r && r <= 'Z' || r == 'Đ' {
		return true
	}
	return r >= utf8.RuneSelf && unicode.IsUpper(r) && plainLetter(r)
}

// isAbbrev reports whether w is 2 to 5 letters or digits, the first a
// letter, every letter plainUpper.
func isAbbrev(w string) bool {
	n := 0
	for _, r := range w {
		n++
		switch {
		case n > 5:
			return false
		case '0' <= r && r <= '9' && n > 1:
		case !plainUpper(r):
			return false
		}
	}
	return n >= 2
}

// isDotAbbrev reports whether w may be an abbreviation written with a
// trailing '.': 1 to 3 letters, the first plainUpper, none with a tone or
// vowel mark ("Tp", "Q", "TT").
func isDotAbbrev(w string) bool {
	first, _ := utf8.DecodeRuneInString(w)
	if !plainUpper(first) || utf8.RuneCountInString(w) > 3 {
		return false
	}
	for _, r := range w {
		if !plainLetter(r) {
			return false
		}
	}
	return true
}

// vtoken is a run of softly joined tokens first..last whose concatenation
// is a word of the index.
type vtoken struct {
	first, last int32
	word        int32
}

// joined reports whether token i and token i+1 are softly joined.
func (st *state) joined(i int) bool {
	a, b := &st.toks[i], &st.toks[i+1]
	return a.field == b.field &&
		softJoin(st.texts[fieldIndex(a.field)], int(a.start), int(a.end), int(b.start), int(b.end))
}

// joinFrom adds to st.virt the runs of two or more softly joined tokens
// that start at token i (joined to i+1) and whose concatenated folded
// form is an indexed word. Called for each token in order, it keeps
// st.virt sorted by first token. A run is extended only while it fits in
// the longest indexed word, so the work is linear in the number of
// tokens.
func (st *state) joinFrom(i int) {
	c := st.c
	t := &st.toks[i]
	st.join = append(st.join[:0], st.folded[t.fstart:t.fend]...)
	for j := i + 1; j < len(st.toks) && (j == i+1 || st.joined(j-1)); j++ {
		t := &st.toks[j]
		st.join = append(st.join, st.folded[t.fstart:t.fend]...)
		if len(st.join) > c.maxWord {
			break
		}
		if id := c.vocabT.lookup(hashString(st.join), st.join); id >= 0 {
			st.virt = append(st.virt, vtoken{first: int32(i), last: int32(j), word: id})
		}
	}
}

// virtAt returns the joined runs that start at token i.
func (st *state) virtAt(i int) []vtoken {
	lo, _ := slices.BinarySearchFunc(st.virt, int32(i), func(v vtoken, i int32) int { return int(v.first - i) })
	hi := lo
	for hi < len(st.virt) && st.virt[hi].first == int32(i) {
		hi++
	}
	return st.virt[lo:hi]
}

// equalLowerIY reports whether a and lower (an exact form) are the same
// i/y syllable up to the i/y spelling: equal except that the last letter
// is i in one and y in the other, in the same tone.
func equalLowerIY(a, lower string) bool {
	ra, na := utf8.DecodeLastRuneInString(a)
	rb, nb := utf8.DecodeLastRuneInString(lower)
	ya, oka := fold.IYVowel(lowerRune(ra))
	yb, okb := fold.IYVowel(rb)
	return oka && okb && ya == yb && equalLower(a[:len(a)-na], lower[:len(lower)-nb])
}

// joinedExact is the exact form of a text word joined from tokens
// first..last: the concatenation of each token's exactForm.
func (st *state) joinedExact(text string, first, last int) string {
	var b strings.Builder
	for k := first; k <= last; k++ {
		t := &st.toks[k]
		b.WriteString(exactForm(text[t.start:t.end]))
	}
	return b.String()
}

// variantOK reports whether an i/y variant may match in the text span of
// tokens first..last found for phrase ph: the match is in Vietnamese.
func (st *state) variantOK(ph phrase, text string, first, last int) bool {
	return st.vi || ph.viet || fold.HasVietnameseLetter(text[st.toks[first].start:st.toks[last].end])
}

// joinCombos returns the ways of joining the softly joined words of a
// phrase: each is a bit set over the soft boundaries (bit k joins soft
// boundary k). With more than maxJoins soft boundaries only none and all.
func joinCombos(soft int) []uint32 {
	if soft > maxJoins {
		return []uint32{0, 1<<soft - 1}
	}
	out := make([]uint32, 1<<soft)
	for i := range out {
		out[i] = uint32(i)
	}
	return out
}

// joinWords returns ws with the soft boundaries selected by combo joined
// into single words.
func joinWords(ws []srcWord, combo uint32) [][]srcWord {
	var out [][]srcWord
	cur := []srcWord{ws[0]}
	k := 0
	for _, w := range ws[1:] {
		prevSoft := cur[len(cur)-1].soft
		if prevSoft && combo&(1<<k) != 0 {
			cur = append(cur, w)
		} else {
			out = append(out, cur)
			cur = []srcWord{w}
		}
		if prevSoft {
			k++
		}
	}
	return append(out, cur)
}
