package classifier

import (
	"bytes"
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"bantin/fold"
)

// Fields of an item that keyword phrases are searched in, as bits.
const (
	inTitle    uint8 = 1 << iota
	inSummary        // summary text (HTML stripped)
	inContent        // content text (HTML stripped)
	inFullText       // the article page's text (HTML stripped)
)

// nFields is the number of fields above.
const nFields = 4

var fieldNames = [nFields]string{"title", "summary", "content", "full text"}

// token is one word of an item's text: where it sits in the field's text
// and where its folded form sits in the shared folded buffer.
type token struct {
	start, end   int32  // byte offsets in the field's text
	fstart, fend int32  // byte offsets in the folded buffer
	field        uint8  // one of inTitle, inSummary, inContent
	flags        uint8  // tokSoft
	word         int32  // word id in the classifier's vocabulary, or -1
	hash         uint64 // hashString of the folded form
}

// isIdeographic reports whether r is written without spaces between words
// (Han, Hiragana, Katakana). Each such character is its own word, so a
// phrase like "東京" is found inside "東京都".
func isIdeographic(r rune) bool {
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// asciiWord marks the ASCII bytes that are word characters.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = fold.IsWordRune(rune(c))
	}
	return t
}()

// Properties of the runes below classLimit (Latin, Greek, Cyrillic,
// Vietnamese, punctuation), looked up in one table instead of the unicode,
// normalisation and folding tables.
const (
	classWord    = 1 << iota // a letter, number or mark (fold.IsWordRune)
	classMark                // a combining mark
	classNFCSafe             // in NFC alone and never combines with the rune before
	classFast                // fold.FoldRune knows it: its folded bytes are in the table
	classUpper               // an upper case letter
	classLimit   = 0x2100
)

type runeInfo struct {
	off uint16 // folded form: foldArena[off : off+n]
	n   uint8
	cls uint8
}

var (
	foldArena string
	runeTab   [classLimit]runeInfo
)

func init() {
	var arena strings.Builder
	for r := rune(0); r < classLimit; r++ {
		var ri runeInfo
		if fold.IsWordRune(r) {
			ri.cls |= classWord
		}
		if unicode.IsMark(r) {
			ri.cls |= classMark
		}
		if unicode.IsUpper(r) {
			ri.cls |= classUpper
		}
		if s := string(r); utf8.ValidRune(r) && norm.NFC.IsNormalString(s) {
			if p := norm.NFC.PropertiesString(s); p.BoundaryBefore() && p.CCC() == 0 {
				ri.cls |= classNFCSafe
			}
		}
		if f, ok := fold.FoldRune(r); ok && len(f) < 256 {
			ri.cls |= classFast
			ri.off, ri.n = uint16(arena.Len()), uint8(len(f))
			arena.WriteString(f)
		}
		runeTab[r] = ri
	}
	foldArena = arena.String()
}

// class returns the classWord and classMark bits of any rune.
func class(r rune) uint8 {
	if r < classLimit {
		return runeTab[r].cls & (classWord | classMark)
	}
	var c uint8
	if fold.IsWordRune(r) {
		c |= classWord
	}
	if unicode.IsMark(r) {
		c |= classMark
	}
	return c
}

// tokenize appends the words of s to toks and their folded forms to
// folded. Words are runs of letters, numbers and marks; a mark cannot start
// a word. Every other character separates words. Han, Hiragana and Katakana
// characters (with their marks) are words of their own. Each word is
// folded as it is scanned. s must be in NFC; use tokenizeText for text
// that may not be.
func tokenize(s string, field uint8, toks []token, folded []byte) ([]token, []byte) {
	toks, folded, _ = scan(s, field, toks, folded)
	return toks, folded
}

// tokenizeText is tokenize for text of unknown normalisation: it returns
// the NFC text that the tokens refer to.
func tokenizeText(s string, field uint8, toks []token, folded []byte) (string, []token, []byte) {
	n0, f0 := len(toks), len(folded)
	toks, folded, nfc := scan(s, field, toks, folded)
	if !nfc {
		if n := fold.NFC(s); n != s {
			s = n
			toks, folded, _ = scan(s, field, toks[:n0], folded[:f0])
		}
	}
	return s, toks, folded
}

// lowerASCII maps ASCII bytes to lower case.
var lowerASCII = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		t[c] = byte(c)
		if 'A' <= c && c <= 'Z' {
			t[c] += 'a' - 'A'
		}
	}
	return t
}()

// scan does the work of tokenize and also reports whether s is certainly
// in NFC already. It hashes each folded word (hashString) as it goes.
func scan(s string, field uint8, toks []token, folded []byte) (_ []token, _ []byte, nfc bool) {
	nfc = true
	// Words are separated by at least one byte or are ideographs of three
	// bytes: at most len(s)/2+1 tokens, so toks never grows in the loop.
	toks = slices.Grow(toks, len(s)/2+1)
	folded = slices.Grow(folded, len(s)+8)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && !asciiWord[c] {
			i++
			continue
		}
		start, fs := i, len(folded)
		h := uint64(fnvOffset)
		ideo, slow := false, false
		var up uint8 // sepSpace when the word starts with an upper case letter
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				up = sepSpace
			}
			c = lowerASCII[c]
			folded = append(folded, c)
			h = (h ^ uint64(c)) * fnvPrime
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			if r < classLimit {
				ri := runeTab[r]
				if ri.cls&classNFCSafe == 0 {
					nfc = false
				}
				if ri.cls&(classWord|classMark) != classWord {
					continue // not a word rune, or a mark
				}
				if ri.cls&classUpper != 0 {
					up = sepSpace
				}
				if ri.cls&classFast != 0 {
					for _, b := range []byte(foldArena[ri.off : ri.off+uint16(ri.n)]) {
						folded = append(folded, b)
						h = (h ^ uint64(b)) * fnvPrime
					}
				} else {
					slow = true
				}
			} else {
				nfc = false
				if class(r) != classWord {
					continue
				}
				if unicode.IsUpper(r) {
					up = sepSpace
				}
				ideo, slow = isIdeographic(r), true
			}
		}
		for i < len(s) {
			c := s[i]
			if c < utf8.RuneSelf {
				if !asciiWord[c] || ideo {
					break
				}
				c = lowerASCII[c]
				folded = append(folded, c)
				h = (h ^ uint64(c)) * fnvPrime
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if r >= classLimit {
				cl := class(r)
				if ideo {
					if cl&classMark == 0 {
						break
					}
				} else if cl&classWord == 0 || isIdeographic(r) {
					break
				}
				nfc, slow = false, true
				i += n
				continue
			}
			ri := runeTab[r]
			if ri.cls&classWord == 0 || ideo && ri.cls&classMark == 0 {
				break
			}
			if ri.cls&classNFCSafe == 0 {
				nfc = false
			}
			i += n
			if ri.cls&classFast == 0 {
				slow = true
			} else if !slow {
				for _, b := range []byte(foldArena[ri.off : ri.off+uint16(ri.n)]) {
					folded = append(folded, b)
					h = (h ^ uint64(b)) * fnvPrime
				}
			}
		}
		if slow {
			folded = fold.AppendFold(folded[:fs], s[start:i])
			h = hashString(folded[fs:])
		}
		toks = toks[:len(toks)+1] // capacity reserved above
		t := &toks[len(toks)-1]
		t.start, t.end, t.fstart, t.fend = int32(start), int32(i), int32(fs), int32(len(folded))
		t.field, t.flags, t.word, t.hash = field, 0, -1, h
		if start > 0 {
			switch sepTab[s[start-1]] & (sepJoins | up) {
			case 0:
			case sepJoins:
				t.flags = tokSoft
			default: // a capital after white space: an abbreviation?
				if softBefore(s, start) {
					t.flags = tokSoft
				}
			}
		}
	}
	return toks, folded, nfc
}

// What the byte before a word says about a soft join to the word before
// (see softJoin): the last byte of '.' or a hyphen (0x90, 0x91: of U+2010,
// U+2011) joins; the last byte of white space (0xA0: of U+00A0) may join
// before an abbreviation. The tokenizer marks the words that may be
// joined (tokSoft: softBefore holds) with one lookup for most words;
// softJoin decides.
const (
	sepJoins = 1 << iota
	sepSpace
)

var sepTab = func() (t [256]uint8) {
	for _, c := range []byte{'.', '-', 0x90, 0x91} {
		t[c] = sepJoins
	}
	for _, c := range []byte{' ', '\t', 0xA0} {
		t[c] = sepSpace
	}
	return t
}()

// softBefore reports whether the word at s[start:] may be softly joined
// to the word before it: it follows a '.' or a hyphen, or it follows
// white space and starts like an abbreviation, with an upper case letter
// and then an upper case letter or a digit. softJoin checks the rest.
func softBefore(s string, start int) bool {
	if start == 0 {
		return false
	}
	switch s[start-1] {
	case '.', '-', 0x90, 0x91:
		return true
	case ' ', '\t', 0xA0:
		if n := upperAt(s, start); n > 0 && start+n < len(s) {
			c := s[start+n]
			return '0' <= c && c <= '9' || upperAt(s, start+n) > 0
		}
	}
	return false
}

// upperAt returns the length of the rune at s[i:] if it is an upper case
// letter, else 0.
func upperAt(s string, i int) int {
	if c := s[i]; c < utf8.RuneSelf {
		if 'A' <= c && c <= 'Z' {
			return 1
		}
		return 0
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r < classLimit && runeTab[r].cls&classUpper != 0 || r >= classLimit && unicode.IsUpper(r) {
		return n
	}
	return 0
}

// lowerRune is the case mapping of exact (diacritic-sensitive) word
// comparison: unicode lower case, final sigma as sigma.
func lowerRune(r rune) rune {
	if r < classLimit {
		return rune(lowerTab[r])
	}
	return unicode.ToLower(r)
}

var lowerTab = func() (t [classLimit]uint16) {
	for r := range t {
		l := unicode.ToLower(rune(r))
		if l == 'ς' {
			l = 'σ'
		}
		if l >= 1<<16 {
			panic("classifier: lower case outside the BMP")
		}
		t[r] = uint16(l)
	}
	return t
}()

// lowerString maps s with lowerRune.
func lowerString(s string) string { return strings.Map(lowerRune, s) }

// equalLower reports whether lowerString(a) == lower, without building
// the string: how a word of the item is compared with a phrase word written
// with diacritics ("ĐẢNG" and "Đảng" are equal, "đang" is not).
func equalLower(a, lower string) bool {
	if a == lower {
		return true
	}
	i, j := 0, 0
	for i < len(a) && j < len(lower) {
		ca, cb := a[i], lower[j]
		if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			if lowerASCII[ca] != cb {
				return false
			}
			i++
			j++
			continue
		}
		ra, na := utf8.DecodeRuneInString(a[i:])
		rb, nb := utf8.DecodeRuneInString(lower[j:])
		if lowerRune(ra) != rb {
			return false
		}
		i += na
		j += nb
	}
	return i == len(a) && j == len(lower)
}

// exactForm is how a phrase word written with diacritics is compared:
// lowerString of the word with its Vietnamese tone mark placed canonically
// (fold.Tones), so that "Hòa" and "Hoà", "thủy" and "thuỷ" are one spelling.
func exactForm(word string) string { return fold.Tones(lowerString(word)) }

// equalExact reports whether the item's word a (NFC, as written) equals
// the phrase word whose exactForm is exact: equal when lower-cased
// ("ĐẢNG" and "Đảng"), or after placing the tone mark canonically ("HOÀ"
// and "Hòa"); "đang" and "Đảng" differ.
func equalExact(a, exact string) bool {
	if equalLower(a, exact) {
		return true
	}
	// Only a word with its tone on the a, e or y of oa, oe, uy can be the
	// other placement: checked without allocating, since words that fold
	// alike but differ in diacritics ("đang", "Đảng") are common.
	return fold.ToneMovable(a) && exactForm(a) == exact
}

// words splits s into its words (as tokenize does) and returns each word
// as written (NFC) and folded.
func words(s string) (written, folded []string) {
	for _, w := range phraseWords(s) {
		written = append(written, w.written)
		folded = append(folded, w.folded)
	}
	return written, folded
}

// srcWord is one word of a phrase: as written (NFC), folded, the name
// symbols written around it (see affixes) and whether it is softly joined
// to the next word (see softJoin).
type srcWord struct {
	written, folded string
	dot             bool
	suf             string
	soft            bool
}

// phraseWords splits s into its words as tokenize does, with their affixes.
func phraseWords(s string) []srcWord {
	s = fold.NFC(s)
	toks, buf := tokenize(s, 0, nil, nil)
	out := make([]srcWord, len(toks))
	for i, t := range toks {
		out[i].written = s[t.start:t.end]
		out[i].folded = string(buf[t.fstart:t.fend])
		out[i].dot, out[i].suf = affixes(s, int(t.start), int(t.end))
		if i+1 < len(toks) {
			n := &toks[i+1]
			out[i].soft = softJoin(s, int(t.start), int(t.end), int(n.start), int(n.end))
		}
	}
	return out
}

// Name symbols. Punctuation separates words, except where it is part of a
// name: a run of '+' or '#' right after a word and not followed by a letter
// or digit ("C++", "C#", "F#", "Notepad++"), and one '.' right before a word
// that does not follow a letter, a digit or another dot (".NET", but not
// the ".net" of "vnexpress.net"). A phrase word written with these symbols
// matches only a word with the same symbols; written without, it matches
// the word with or without them ("c" finds "C++", "c++" does not find "C"
// or "C#"). This is the same rule as for diacritics.

// isSuffixSymbol reports whether c may follow a word as part of a name.
func isSuffixSymbol(c byte) bool { return c == '+' || c == '#' }

// affixes returns the name symbols around the word s[start:end] (s in
// NFC): whether a '.' precedes it and the run of '+'/'#' that follows it,
// as described above.
func affixes(s string, start, end int) (dot bool, suf string) {
	if start > 0 && s[start-1] == '.' {
		dot = true
		if start > 1 {
			r, _ := utf8.DecodeLastRuneInString(s[:start-1])
			dot = r != '.' && class(r)&classWord == 0
		}
	}
	j := end
	for j < len(s) && isSuffixSymbol(s[j]) {
		j++
	}
	if j > end {
		if j < len(s) {
			if r, _ := utf8.DecodeRuneInString(s[j:]); class(r)&classWord != 0 {
				return dot, ""
			}
		}
		suf = s[end:j]
	}
	return dot, suf
}

// inlineTags do not separate words: "Đ<b>ảng</b>" is one word.
var inlineTags = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "bdo": true, "cite": true,
	"code": true, "data": true, "dfn": true, "em": true, "font": true, "i": true,
	"kbd": true, "mark": true, "q": true, "s": true, "samp": true, "small": true,
	"span": true, "strong": true, "sub": true, "sup": true, "time": true,
	"u": true, "var": true, "wbr": false,
}

// appendHTMLText appends the text of an HTML fragment to dst: tags removed
// (block-level tags become a space), script and style bodies and comments
// dropped, character references decoded. Text without markup is appended
// as is.
func appendHTMLText(dst []byte, s string) []byte {
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		return append(dst, s...)
	}
	start := len(dst)
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			dst = append(dst, s[i:i+j]...)
			i += j
			continue
		}
		rest := s[i:]
		if strings.HasPrefix(rest, "<!--") {
			end := strings.Index(rest[4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			dst = append(dst, ' ')
			continue
		}
		end := strings.IndexByte(rest, '>')
		if end < 0 || len(rest) < 2 || !isTagStart(rest[1]) {
			dst = append(dst, '<') // a lone '<' is text
			i++
			continue
		}
		name, closing := tagName(rest[1:end])
		i += end + 1
		if !closing && (name == "script" || name == "style") {
			close := indexFold(s[i:], "</"+name)
			if close < 0 {
				break
			}
			i += close
			continue
		}
		if !inlineTags[name] {
			dst = append(dst, ' ')
		}
	}
	if bytes.IndexByte(dst[start:], '&') >= 0 {
		text := html.UnescapeString(string(dst[start:]))
		dst = append(dst[:start], text...)
	}
	return dst
}

func isTagStart(c byte) bool {
	return c == '/' || c == '!' || c == '?' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// tagName returns the lower case element name of the inside of a tag.
func tagName(t string) (name string, closing bool) {
	if strings.HasPrefix(t, "/") {
		closing = true
		t = t[1:]
	}
	end := 0
	for end < len(t) {
		c := t[end]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' || c == '\f' {
			break
		}
		end++
	}
	return strings.ToLower(t[:end]), closing
}

// indexFold is strings.Index ignoring ASCII case in substr's letters.
func indexFold(s, substr string) int {
	for i := 0; i+len(substr) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return i
		}
	}
	return -1
}
