package config

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestYAMLLibraryErrors pins the behaviour of go.yaml.in/yaml/v3 that
// yamlerr.go is built on. locateYAMLError parses the library's error text
// ("yaml: line N: message", yamlMsgRE), keys its column and hint on the
// exact messages below (culpritColumn, yamlAnchorRE), and bisects for the
// line because the library often names the line of the enclosing
// construct. When an upgrade of the library changes any of this, this test
// names the case; update yamlerr.go to match (TestYAMLSyntaxErrorPositions
// then shows whether the positions users see still hold).
func TestYAMLLibraryErrors(t *testing.T) {
	const head = "sources:\n  - id: a\n    url: http://a.example/\n"
	tests := []struct {
		name, src, want string
	}{
		// The library names line 1 (the list) for a mistake on line 4:
		// culpritLine's bisection is what finds line 4.
		{"bad indentation in a list item", head + "   bad: indent\n",
			"yaml: line 1: did not find expected '-' indicator"},
		{"bad indentation in a mapping", "a:\n  b: 1\n c: 2\n",
			"yaml: line 2: did not find expected key"},
		{"bad indentation deeper in the file", head + "topics:\n  - slug: t\n    title: T\n     limit: 5\n",
			"yaml: line 7: mapping values are not allowed in this context"},
		// Line 3 for an unclosed list opened on line 4.
		{"unclosed flow list", head + "    tags: [a, b\ntopics:\n  - slug: t\n",
			"yaml: line 3: did not find expected ',' or ']'"},
		{"unclosed flow mapping", "topics:\n  - slug: t\n    match: {keywords: [x]\n",
			"yaml: line 2: did not find expected ',' or '}'"},
		{"tab at column 1", "sources:\n\t- id: a\n",
			"yaml: line 2: found character that cannot start any token"},
		// Line 2 for a tab on line 3.
		{"tab after spaces", "sources:\n  - id: a\n  \turl: x\n",
			"yaml: line 2: found a tab character that violates indentation"},
		{"unclosed quote", head + "    title: \"Hà Nội\n",
			"yaml: line 4: found unexpected end of stream"},
		{"value with a colon", head + "    title: Tin: Hà Nội\n",
			"yaml: line 4: mapping values are not allowed in this context"},
		{"at sign", head + "    title: @home\n",
			"yaml: line 4: found character that cannot start any token"},
		// No position at all: firstInvalidUTF8 and findAlias find it.
		{"latin-1 byte", head + "    title: Caf\xe9\n",
			"yaml: incomplete UTF-8 octet sequence"},
		{"unknown anchor", head + "    tags: *nope\n",
			"yaml: unknown anchor 'nope' referenced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := yamlSyntax([]byte(tt.src))
			if err == nil {
				t.Fatalf("go.yaml.in/yaml/v3 accepts %q; want the error %s", tt.src, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("go.yaml.in/yaml/v3 error on %q:\n got %s\nwant %s\n(yamlerr.go relies on the wanted text)", tt.src, got, tt.want)
			}
			if yamlMsgRE.FindStringSubmatch(err.Error()) == nil {
				t.Errorf("yamlMsgRE does not match the library's error %q", err)
			}
		})
	}
}

// TestYAMLLibraryPositions pins the node positions the decoder reports
// for mistakes that are not syntax errors (an unknown key, a bad value):
// 1-based lines and columns, columns counted in characters (so a key
// after Vietnamese text on the same line is placed where an editor shows
// it), and a UTF-8 byte order mark not counted.
func TestYAMLLibraryPositions(t *testing.T) {
	tests := []struct {
		name, src string
		key       string
		line, col int
	}{
		{"block mapping", "a: 1\nb:\n  c: 2\n", "c", 3, 3},
		{"flow mapping after vietnamese", "x: {tiêu đề: Hà Nội, bad: 1}\n", "bad", 1, 22},
		{"list item", "sources:\n  - id: a\n    titel: T\n", "titel", 3, 5},
		{"byte order mark", "\ufeffa: 1\nb: 2\n", "a", 1, 1},
		{"crlf line ends", "a: 1\r\nb:\r\n  c: 2\r\n", "c", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var root yaml.Node
			if err := yaml.Unmarshal([]byte(tt.src), &root); err != nil {
				t.Fatalf("Unmarshal(%q): %v", tt.src, err)
			}
			n := findKey(&root, tt.key)
			if n == nil {
				t.Fatalf("key %q not found in %q", tt.key, tt.src)
			}
			if n.Line != tt.line || n.Column != tt.col {
				t.Errorf("key %q of %q at %d:%d, want %d:%d", tt.key, tt.src, n.Line, n.Column, tt.line, tt.col)
			}
		})
	}
}

// findKey returns the first mapping key node named key under n.
func findKey(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i]
			}
		}
	}
	for _, c := range n.Content {
		if k := findKey(c, key); k != nil {
			return k
		}
	}
	return nil
}
