package render

import "bytes"

// indentJSON appends src, compact JSON as encoding/json writes it (no
// space outside strings), to dst indented as json.Indent(dst, src, "",
// indent) would: the same bytes, at a fraction of the cost (strings are
// copied whole, where json.Indent steps its scanner through every byte:
// half of a JSON Feed's render).
func indentJSON(dst, src []byte, indent string) []byte {
	depth := 0
	needIndent := false // after { or [: indent before the next value, unless it closes
	newline := func(dst []byte) []byte {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, indent...)
		}
		return dst
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if needIndent && c != '}' && c != ']' {
			needIndent = false
			depth++
			dst = newline(dst)
		}
		switch c {
		case '"':
			end := stringEnd(src, i+1)
			dst = append(dst, src[i:end]...)
			i = end - 1
		case '{', '[':
			needIndent = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			dst = newline(dst)
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			if needIndent {
				needIndent = false // {} and [] stay empty
			} else {
				depth--
				dst = newline(dst)
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// stringEnd returns the index just past the closing quote of the JSON
// string whose contents start at src[i] (len(src) if it has none).
func stringEnd(src []byte, i int) int {
	for {
		k := bytes.IndexByte(src[i:], '"')
		if k < 0 {
			return len(src)
		}
		q := i + k
		// Escaped when an odd number of backslashes precede it.
		n := 0
		for j := q - 1; j >= i && src[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
}
