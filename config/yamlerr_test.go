package config

import (
	"errors"
	"strings"
	"testing"
)

// TestYAMLSyntaxErrorPositions: every YAML syntax error names the file,
// line and column of the culprit (or the character right next to it),
// whatever line the YAML library itself reports.
func TestYAMLSyntaxErrorPositions(t *testing.T) {
	const head = "sources:\n  - id: a\n    url: http://a.example/\n"
	tests := map[string]struct {
		src, want string
	}{
		"bad indentation in a list item": {head + "   bad: indent\n",
			`t.yaml:4:4: invalid YAML: did not find expected '-' indicator (check the indentation of this line)`},
		"bad indentation deeper in the file": {head + "topics:\n  - slug: t\n    title: T\n     limit: 5\n",
			`t.yaml:7:6: invalid YAML: mapping values are not allowed in this context (check the indentation of this line)`},
		"unclosed flow list": {head + "    tags: [a, b\ntopics:\n  - slug: t\n",
			`t.yaml:4:11: invalid YAML: did not find expected ',' or ']' (the list opened here is not closed with ])`},
		"unclosed flow list at the end": {head + "    tags: [a, b\n",
			`t.yaml:4:11: invalid YAML: did not find expected ',' or ']' (the list opened here is not closed with ])`},
		"unclosed flow mapping": {"topics:\n  - slug: t\n    match: {keywords: [x]\n",
			`t.yaml:3:12: invalid YAML: did not find expected ',' or '}' (the mapping opened here is not closed with })`},
		"multi-line flow list before the mistake": {"sources:\n  - id: a\n    url: http://a.example/\n    tags: [a,\n      b]\n    title: [x, y\n",
			`t.yaml:6:12: invalid YAML: did not find expected ',' or ']' (the list opened here is not closed with ])`},
		"tab at column 1": {"sources:\n\t- id: a\n",
			`t.yaml:2:1: invalid YAML: found character that cannot start any token (YAML is indented with spaces, not tabs)`},
		"tab after spaces": {"sources:\n  - id: a\n  \turl: x\n",
			`t.yaml:3:3: invalid YAML: found a tab character that violates indentation (YAML is indented with spaces, not tabs)`},
		"unclosed quote": {head + "    title: \"Hà Nội\n",
			`t.yaml:4:12: invalid YAML: found unexpected end of stream (the quoted string started here is not closed)`},
		"value with a colon": {head + "    title: Tin: Hà Nội\n",
			`t.yaml:4:15: invalid YAML: mapping values are not allowed in this context (quote a value that contains ": ")`},
		"at sign": {head + "    title: @home\n",
			`t.yaml:4:12: invalid YAML: found character that cannot start any token (quote a value that starts with @ or ` + "`" + `)`},
		"key under a scalar": {"listen: :1\n  base_url: x\n",
			`t.yaml:2:3: invalid YAML: mapping values are not allowed in this context (check the indentation of this line)`},
		"latin-1 byte": {head + "    title: Caf\xe9\n",
			`t.yaml:4:15: invalid YAML: the file must be UTF-8, but byte 0xE9 here is not valid UTF-8 (saved as Latin-1 or windows-125x? convert the file to UTF-8)`},
		"windows-1258 byte after vietnamese": {"# Hà Nội\nsources:\n  - id: a\n    title: Th\xf4i\n",
			`t.yaml:4:14: invalid YAML: the file must be UTF-8, but byte 0xF4 here is not valid UTF-8 (saved as Latin-1 or windows-125x? convert the file to UTF-8)`},
		"latin-1 in a comment": {"# caf\xe9\n" + head,
			`t.yaml:1:6: invalid YAML: the file must be UTF-8, but byte 0xE9 here is not valid UTF-8 (saved as Latin-1 or windows-125x? convert the file to UTF-8)`},
		"unknown anchor": {head + "    tags: *nope\n",
			`t.yaml:4:11: invalid YAML: unknown anchor "nope": no &nope is defined before this alias`},
		"unknown anchor in a flow list": {head + "    tags: [x, *nope]\n",
			`t.yaml:4:15: invalid YAML: unknown anchor "nope": no &nope is defined before this alias`},
		"unknown anchor after a quoted lookalike": {head + "    title: \"*nope\"\n    tags: *nope\n",
			`t.yaml:5:11: invalid YAML: unknown anchor "nope": no &nope is defined before this alias`},
		"crlf line ends": {"sources:\r\n  - id: a\r\n   bad: x\r\n",
			`t.yaml:3:4: invalid YAML: did not find expected '-' indicator (check the indentation of this line)`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "t.yaml")
			if err == nil {
				t.Fatalf("Parse: no error, want %s", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse error:\n got %s\nwant %s", got, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Pos.Line == 0 || e.Pos.Column == 0 {
				t.Errorf("error %v has no line and column", err)
			}
		})
	}
}

// TestYAMLUTF16 keeps what the YAML library reads: UTF-16 with a byte order mark
// is not reported as bad UTF-8.
func TestYAMLUTF16(t *testing.T) {
	src := "topics:\n  - slug: t\n"
	b := []byte{0xFF, 0xFE}
	for _, r := range src {
		b = append(b, byte(r), 0)
	}
	if _, err := Parse(b, "t.yaml"); err != nil && strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("Parse(UTF-16 with BOM) = %v", err)
	}
}
