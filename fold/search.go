package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SearchToken is one word of a text as the full-text search index sees it.
type SearchToken struct {
	// Folded is the word folded (Fold), its i/y syllable written with y
	// (IY), so that every spelling the keyword rules treat as one word
	// has one Folded form.
	Folded string
	// Exact is the word lowercased with its diacritics, tone mark placed
	// by Tones and i/y syllable written by IY; "" when the word has no
	// diacritics (HasDiacritics).
	Exact string
	// Soft reports that the word may be joined to the word before it:
	// the two are separated by exactly one '.' or hyphen, or by white
	// space (after an optional '.') between two abbreviation-like words.
	// It is a superset of the keyword rules' soft joins (TP.HCM, TP HCM,
	// Tp. HCM, VN-Index), so that the index never misses a match those
	// rules would find; candidates are checked with the rules themselves.
	Soft bool
	// Start and End are the word's byte offsets in NFC(s).
	Start, End int
}

// SearchTokens splits s (any normalisation) into the words of the search
// index: runs of letters, numbers and marks (a mark cannot start a word),
// each Han, Hiragana or Katakana character a word of its own.
func SearchTokens(s string) []SearchToken {
	s = NFC(s)
	var out []SearchToken
	prevEnd := -1
	prevWord := ""
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) || unicode.IsMark(r) {
			i += n
			continue
		}
		start := i
		i += n
		if !searchIdeograph(r) {
			for i < len(s) {
				r, n := utf8.DecodeRuneInString(s[i:])
				if !isWordRune(r) || searchIdeograph(r) {
					break
				}
				i += n
			}
		}
		t := searchWord(s[start:i])
		t.Start, t.End = start, i
		word := s[start:i]
		if prevEnd >= 0 {
			t.Soft = softSep(s[prevEnd:start], prevWord, word)
		}
		out = append(out, t)
		prevEnd, prevWord = i, word
	}
	return out
}

// searchWord is the token of one word (NFC): Folded = Fold(IY(word)),
// and, when HasDiacritics(word), Exact = lower(IY(Tones(word))), with
// each form computed once (an i/y spelling changes no diacritic, and
// Tones changes only the words ToneMovable finds).
func searchWord(word string) SearchToken {
	iy := IY(word)
	t := SearchToken{Folded: Fold(iy)}
	if low := lower(iy); t.Folded != low {
		t.Exact = low
		if ToneMovable(word) {
			t.Exact = lower(IY(Tones(word)))
		}
	}
	return t
}

// ExactOrFolded is the word's Exact form, Folded when it has none.
func (t SearchToken) ExactOrFolded() string {
	if t.Exact != "" {
		return t.Exact
	}
	return t.Folded
}

func searchIdeograph(r rune) bool {
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// softSep reports whether words a and b, separated by sep, may be softly
// joined (see SearchToken.Soft).
func softSep(sep, a, b string) bool {
	switch sep {
	case ".", "-", "\u2010", "\u2011":
		return true
	}
	rest := strings.TrimPrefix(sep, ".")
	if rest == "" || strings.Trim(rest, " \t\u00a0") != "" || !abbrevLike(b, 2) {
		return false
	}
	if abbrevLike(a, 2) {
		return true
	}
	// "Tp. HCM": a short capitalised word and its dot.
	first, _ := utf8.DecodeRuneInString(a)
	return rest != sep && unicode.IsUpper(first) && utf8.RuneCountInString(a) <= 3
}

// abbrevLike reports whether w has min to 5 runes, the first an upper
// case letter, the others upper case letters or digits.
func abbrevLike(w string, min int) bool {
	n := 0
	for _, r := range w {
		n++
		if n > 5 || !unicode.IsUpper(r) && (n == 1 || !('0' <= r && r <= '9')) {
			return false
		}
	}
	return n >= min
}

// SearchText is a text as the search index stores it: space-separated
// words in three forms (see SearchTokens).
type SearchText struct {
	Folded string // every word's Folded form, in order
	Exact  string // the distinct Exact forms of words with diacritics
	Joined string // the distinct concatenations of 2 to 5 softly joined words
	// Pairs holds the distinct pairs of adjacent words, their Folded forms
	// joined by PairSep: a phrase is looked up by its pairs, whose lists
	// are short even when its words are common.
	Pairs string
	// ExactPairs holds the distinct pairs of adjacent words of which at
	// least one has diacritics, each word in its Exact form (Folded when
	// it has none): "hà·nội", "giá·usd".
	ExactPairs string
}

// PairSep joins the two words of a pair in SearchText.Pairs; it is never
// part of a word.
const PairSep = "·"

// SearchIndexText returns the search index forms of s.
func SearchIndexText(s string) SearchText {
	toks := SearchTokens(s)
	var f, e, j, p, ep strings.Builder
	seenE, seenJ, seenP := map[string]bool{}, map[string]bool{}, map[string]bool{}
	add := func(b *strings.Builder, s string) {
		if !seenP[s] {
			seenP[s] = true
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
	}
	for i, t := range toks {
		if i > 0 {
			a := toks[i-1]
			add(&p, a.Folded+PairSep+t.Folded)
			if a.Exact != "" || t.Exact != "" {
				add(&ep, a.ExactOrFolded()+PairSep+t.ExactOrFolded())
			}
		}
		if f.Len() > 0 {
			f.WriteByte(' ')
		}
		f.WriteString(t.Folded)
		if t.Exact != "" && !seenE[t.Exact] {
			seenE[t.Exact] = true
			if e.Len() > 0 {
				e.WriteByte(' ')
			}
			e.WriteString(t.Exact)
		}
		// Runs of softly joined words ending at i: join 2..5 of them.
		joined := t.Folded
		for k := i; k > 0 && i-k < 4 && toks[k].Soft; k-- {
			joined = toks[k-1].Folded + joined
			if !seenJ[joined] {
				seenJ[joined] = true
				if j.Len() > 0 {
					j.WriteByte(' ')
				}
				j.WriteString(joined)
			}
		}
	}
	return SearchText{Folded: f.String(), Exact: e.String(), Joined: j.String(), Pairs: p.String(), ExactPairs: ep.String()}
}
