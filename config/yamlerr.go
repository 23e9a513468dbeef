package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The YAML library (go.yaml.in/yaml/v3, the maintained successor of
// gopkg.in/yaml.v3; yamllib_test.go pins what is relied on here) reports
// syntax errors as "yaml: line N: message", where N is often
// the line of the enclosing construct rather than of the mistake (a badly
// indented key deep in a list is reported at the list's first line), and
// some errors carry no position at all (bad UTF-8, an unknown alias). The
// functions here find the culprit themselves:
//
//   - bytes that are not UTF-8: the first invalid byte;
//   - an alias to an unknown anchor: the alias in the source;
//   - any other syntax error: the first line at which the document, cut
//     there, fails with the same message (found by bisection), and on that
//     line the character the message is about (a tab, an unclosed bracket
//     or quote, a second ": "), else the line's first non-blank character.

var (
	yamlMsgRE    = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// yamlError records a YAML library error on data as an Error pointing at the
// culprit (see above).
func (d *decoder) yamlError(err error, data []byte) {
	p, msg := locateYAMLError(err, data)
	p.File = d.file
	d.errorAt(p, "%s", msg)
}

// locateYAMLError returns the position (without file) and the message of a
// YAML library error on data.
func locateYAMLError(err error, data []byte) (Pos, string) {
	msg, line := splitYAMLError(err)
	if p, b, ok := firstInvalidUTF8(data); ok {
		return p, fmt.Sprintf("invalid YAML: the file must be UTF-8, but byte 0x%02X here is not valid UTF-8 (saved as Latin-1 or windows-125x? convert the file to UTF-8)", b)
	}
	if m := yamlAnchorRE.FindStringSubmatch(msg); m != nil {
		if p, ok := findAlias(data, m[1]); ok {
			return p, fmt.Sprintf("invalid YAML: unknown anchor %q: no &%s is defined before this alias", m[1], m[1])
		}
	}
	lines := splitLines(data)
	if k := culpritLine(data, lines, msg); k > 0 {
		line = k
	}
	if line < 1 || line > len(lines) {
		if len(lines) == 0 {
			return Pos{Line: 1, Column: 1}, "invalid YAML: " + msg
		}
		line = min(max(line, 1), len(lines))
	}
	col, hint := culpritColumn(lines[line-1], msg)
	if hint != "" {
		msg += " (" + hint + ")"
	}
	return Pos{Line: line, Column: col}, "invalid YAML: " + msg
}

// splitYAMLError returns the message of a YAML library error without its
// "yaml: line N: " prefix, and N (0 when absent).
func splitYAMLError(err error) (msg string, line int) {
	m := yamlMsgRE.FindStringSubmatch(err.Error())
	if m == nil {
		return err.Error(), 0
	}
	if m[1] != "" {
		line, _ = strconv.Atoi(m[1])
	}
	return m[2], line
}

// firstInvalidUTF8 returns the position of the first byte of data that is
// not UTF-8, and that byte. UTF-16 text with a byte order mark is
// the YAML library's to read.
func firstInvalidUTF8(data []byte) (Pos, byte, bool) {
	if utf8.Valid(data) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return Pos{}, 0, false
	}
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return posAt(data, i), data[i], true
		}
		i += n
	}
	return Pos{}, 0, false
}

// posAt returns the line and column (1-based, in characters) of byte
// offset off of data.
func posAt(data []byte, off int) Pos {
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	col := 1
	for i := start; i < off; {
		_, n := utf8.DecodeRune(data[i:])
		i += n
		col++
	}
	return Pos{Line: line, Column: col}
}

// findAlias returns the position of the first alias *name in data outside
// comments and quoted strings.
func findAlias(data []byte, name string) (Pos, bool) {
	if name == "" {
		return Pos{}, false
	}
	off := 0
	for _, l := range bytes.SplitAfter(data, []byte{'\n'}) {
		s := string(l)
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '#' && (i == 0 || isYAMLSpace(s[i-1])):
				i = len(s) // comment: rest of the line
			case c == '\'' || c == '"':
				if j := strings.IndexByte(s[i+1:], c); j >= 0 {
					i += 1 + j
				} else {
					i = len(s)
				}
			case c == '*' && (i == 0 || strings.IndexByte(" \t[{,", s[i-1]) >= 0) &&
				strings.HasPrefix(s[i+1:], name) && endsAliasName(s[i+1+len(name):]):
				return posAt(data, off+i), true
			}
		}
		off += len(l)
	}
	return Pos{}, false
}

// endsAliasName reports whether rest (what follows an alias name) ends it.
func endsAliasName(rest string) bool {
	return rest == "" || strings.IndexByte(" \t\r\n,]}", rest[0]) >= 0
}

func isYAMLSpace(c byte) bool { return c == ' ' || c == '\t' }

// splitLines returns the lines of data without their line ends.
func splitLines(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	s := strings.TrimSuffix(string(data), "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// culpritLine returns the first line k such that the document cut after
// line k fails with the message msg, or 0 when the whole document does
// not (then the error's own line is kept). It bisects: a prefix that
// already fails the same way locates the mistake, whatever line the YAML library
// names.
func culpritLine(data []byte, lines []string, msg string) int {
	fails := func(k int) bool {
		err := yamlSyntax(prefixLines(data, k))
		if err == nil {
			return false
		}
		m, _ := splitYAMLError(err)
		return m == msg
	}
	n := len(lines)
	if n == 0 || !fails(n) {
		return 0
	}
	lo, hi := 0, n // fails(lo) is false (an empty prefix), fails(hi) is true
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// prefixLines returns data up to the end of its line k (1-based).
func prefixLines(data []byte, k int) []byte {
	off := 0
	for i := 0; i < k; i++ {
		j := bytes.IndexByte(data[off:], '\n')
		if j < 0 {
			return data
		}
		off += j + 1
	}
	return data[:off]
}

// yamlSyntax decodes data as parseYAML does (one document, and checks for
// a second) and returns the first syntax error.
func yamlSyntax(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for range 2 {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}

// culpritColumn returns the column (1-based, in characters) on line l that
// the message msg is about, and a hint to add to the message.
func culpritColumn(l, msg string) (col int, hint string) {
	first := firstNonBlank(l)
	switch {
	case strings.Contains(msg, "tab character"):
		if i := strings.IndexByte(l, '\t'); i >= 0 {
			return runeCol(l, i), "YAML is indented with spaces, not tabs"
		}
	case msg == "found character that cannot start any token":
		lead := len(l) - len(strings.TrimLeft(l, " \t"))
		if i := strings.IndexByte(l[:lead], '\t'); i >= 0 {
			return runeCol(l, i), "YAML is indented with spaces, not tabs"
		}
		if i := strings.IndexAny(l, "@`"); i >= 0 {
			return runeCol(l, i), "quote a value that starts with @ or `"
		}
	case strings.HasPrefix(msg, "did not find expected ',' or ']'"):
		if i := unclosed(l, '['); i >= 0 {
			return runeCol(l, i), "the list opened here is not closed with ]"
		}
	case strings.HasPrefix(msg, "did not find expected ',' or '}'"):
		if i := unclosed(l, '{'); i >= 0 {
			return runeCol(l, i), "the mapping opened here is not closed with }"
		}
	case msg == "found unexpected end of stream":
		if i := unclosedQuote(l); i >= 0 {
			return runeCol(l, i), "the quoted string started here is not closed"
		}
	case msg == "mapping values are not allowed in this context":
		if i := secondColon(l); i >= 0 {
			return runeCol(l, i), `quote a value that contains ": "`
		}
		return first, "check the indentation of this line"
	case msg == "did not find expected key", msg == "did not find expected '-' indicator":
		return first, "check the indentation of this line"
	}
	return first, ""
}

// firstNonBlank is the column of the first character of l that is not a
// space or tab, or 1.
func firstNonBlank(l string) int {
	t := strings.TrimLeft(l, " \t")
	if t == "" {
		return 1
	}
	return runeCol(l, len(l)-len(t))
}

// runeCol is the 1-based column of byte offset i of l, in characters.
func runeCol(l string, i int) int { return utf8.RuneCountInString(l[:i]) + 1 }

// scanLine walks l outside quoted strings and comments, calling f with
// the offset of every other byte; f returns false to stop. It returns the
// offset of a quote left open at the end of the line, or -1.
func scanLine(l string, f func(i int) bool) int {
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c == '#' && (i == 0 || isYAMLSpace(l[i-1])):
			return -1
		case (c == '\'' || c == '"') && (i == 0 || strings.IndexByte(" \t[{,:-", l[i-1]) >= 0):
			j := i + 1
			for j < len(l) && l[j] != c {
				if c == '"' && l[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(l) {
				return i
			}
			i = j
		default:
			if !f(i) {
				return -1
			}
		}
	}
	return -1
}

// unclosed returns the offset of the last opening bracket open ('[' or
// '{') of l that is not closed on the line, or -1.
func unclosed(l string, open byte) int {
	var stack []int
	scanLine(l, func(i int) bool {
		switch l[i] {
		case '[', '{':
			stack = append(stack, i)
		case ']', '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
		return true
	})
	for j := len(stack) - 1; j >= 0; j-- {
		if l[stack[j]] == open {
			return stack[j]
		}
	}
	return -1
}

// unclosedQuote returns the offset of a quote that l leaves open, or -1.
func unclosedQuote(l string) int { return scanLine(l, func(int) bool { return true }) }

// secondColon returns the offset of the second ": " (or final ':') of l
// outside quotes, the one that makes a value a mapping, or -1.
func secondColon(l string) int {
	seen, at := 0, -1
	scanLine(l, func(i int) bool {
		if l[i] == ':' && (i+1 == len(l) || isYAMLSpace(l[i+1])) {
			seen++
			if seen == 2 {
				at = i
				return false
			}
		}
		return true
	})
	return at
}
