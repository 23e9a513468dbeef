package classifier

import (
	"bytes"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"bantin/fold"
)

// Fields of an item that keyword phrases are searched in, as bits.
const (
	inTitle   uint8 = 1 << iota
	inSummary       // summary text (HTML stripped)
	inContent       // content text (HTML stripped)
)

var fieldNames = [...]string{"title", "summary", "content"}

// token is one word of an item's text: where it sits in the field's text
// and where its folded form sits in the shared folded buffer.
type token struct {
	start, end   int32 // byte offsets in the field's text
	fstart, fend int32 // byte offsets in the folded buffer
	field        uint8 // one of inTitle, inSummary, inContent
	word         int32 // word id in the classifier's vocabulary, or -1
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

// Character classes of the runes below classLimit (Latin, Greek, Cyrillic,
// Vietnamese, punctuation), looked up instead of the unicode tables.
const (
	classWord = 1 << iota
	classMark
	classLimit = 0x2100
)

var classes = func() (t [classLimit]uint8) {
	for r := range t {
		if fold.IsWordRune(rune(r)) {
			t[r] |= classWord
		}
		if unicode.IsMark(rune(r)) {
			t[r] |= classMark
		}
	}
	return t
}()

func class(r rune) uint8 {
	if r < classLimit {
		return classes[r]
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

// tokenize appends the words of s (NFC) to toks and their folded forms to
// folded. Words are runs of letters, numbers and marks; a mark cannot start
// a word. Every other character separates words.
func tokenize(s string, field uint8, toks []token, folded []byte) ([]token, []byte) {
	for i := 0; i < len(s); {
		c := s[i]
		start := i
		ideo := false
		if c < utf8.RuneSelf {
			if !asciiWord[c] {
				i++
				continue
			}
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			if class(r) != classWord {
				continue // not a word rune, or a mark
			}
			ideo = isIdeographic(r)
		}
		for i < len(s) {
			c := s[i]
			if c < utf8.RuneSelf {
				if ideo || !asciiWord[c] {
					break
				}
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			cl := class(r)
			if ideo {
				if cl&classMark == 0 {
					break
				}
			} else if cl&classWord == 0 || isIdeographic(r) {
				break
			}
			i += n
		}
		fs := len(folded)
		folded = fold.AppendFold(folded, s[start:i])
		toks = append(toks, token{int32(start), int32(i), int32(fs), int32(len(folded)), field, -1})
	}
	return toks, folded
}

// words splits s into its words (as tokenize does) and returns each word
// as written (NFC) and folded.
func words(s string) (written, folded []string) {
	s = fold.NFC(s)
	toks, buf := tokenize(s, 0, nil, nil)
	for _, t := range toks {
		written = append(written, s[t.start:t.end])
		folded = append(folded, string(buf[t.fstart:t.fend]))
	}
	return written, folded
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
