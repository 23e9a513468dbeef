package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic or return an error that
// is not a list of positioned problems.
func FuzzParse(f *testing.F) {
	f.Add([]byte(fullConfig))
	f.Add([]byte("sources:\n  - id: a\n    url: http://a/\n    intervall: 1m\n"))
	f.Add([]byte("x: &a {any: [*a]}\n"))
	f.Add([]byte("topics:\n  - slug: t\n    match: &r\n      any: [{keywords: [x]}]\n  - slug: u\n    match: {all: [*r, *r]}\n"))
	f.Add([]byte("sources:\n  - <<: [*x]\n"))
	f.Add([]byte("include: ['[']\n"))
	f.Add([]byte("include: ['/*']\n"))
	f.Add([]byte("sources:\n  - id: a\n   bad: [x, *nope\n\t\xe9\n"))
	f.Add([]byte("topics:\n  - slug: 't\n    match: {a: b: c\n"))
	// The file sits alone in its directory: an include of "*" must not
	// pull in this package's own files (whose errors name them, not it).
	name := filepath.Join(f.TempDir(), "f.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, name)
		if err == nil {
			if c == nil {
				t.Fatal("Parse returned nil config and nil error")
			}
			c.TopicsHash()
			return
		}
		var list *ErrorList
		if !errors.As(err, &list) || len(*list) == 0 {
			t.Fatalf("Parse error %T %v is not a non-empty *ErrorList", err, err)
		}
		for _, e := range *list {
			// An error names the fuzzed file or a file it included (an
			// include may be absolute: "/*" reads whatever is at the root).
			if e.Pos.File != name && !isFile(e.Pos.File) {
				t.Fatalf("error %q names neither the file nor a file it included", e)
			}
			if !strings.HasPrefix(e.Error(), e.Pos.File+":") {
				t.Fatalf("error %q does not start with its file", e)
			}
			if strings.HasPrefix(e.Msg, "invalid YAML") && (e.Pos.Line < 1 || e.Pos.Column < 1) {
				t.Fatalf("syntax error %q has no line and column", e)
			}
		}
	})
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// TestAliasBomb: aliases that expand a small file into an enormous rule
// tree are refused quickly instead of exhausting time and memory.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-0: &r0 {keywords: [a]}\n")
	for i := 1; i <= 12; i++ {
		b.WriteString("x-" + strconv.Itoa(i) + ": &r" + strconv.Itoa(i) + " {any: [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*r" + strconv.Itoa(i-1))
		}
		b.WriteString("]}\n")
	}
	b.WriteString("topics:\n  - slug: t\n    match: *r12\n")
	got := parseErrors(t, b.String())
	want := []string{"t.yaml:1:6: more than 100000 rules (are aliases nested too deeply?)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

// TestAliasCycles: anchors that contain themselves end with an error, not
// endless recursion.
func TestAliasCycles(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"merge into itself", "sources:\n  - &m\n    id: a\n    url: http://a/\n    <<: *m\n",
			[]string{"t.yaml:2:5: merge key refers back to the mapping that holds it"}},
		{"defaults merge into itself", "defaults: &d {<<: *d}\n",
			[]string{"t.yaml:1:11: merge key refers back to the mapping that holds it"}},
		{"list containing itself", "sources: &a [*a]\n",
			[]string{"t.yaml:1:10: a source must be a mapping with at least id: and url:, got a list"}},
		{"rule containing itself", "topics:\n  - slug: a\n    match: &r {any: [*r]}\n",
			[]string{"t.yaml:3:12: rule contains itself (through an alias)"}},
		{"rule containing itself twice", "topics:\n  - slug: a\n    match: &r {all: [*r, *r]}\n",
			[]string{"t.yaml:3:12: rule contains itself (through an alias)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseErrors(t, tc.src); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestRuleDepth(t *testing.T) {
	src := "topics:\n  - slug: a\n    match: " + strings.Repeat("{any: [", 70) + "{tags: [x]}" + strings.Repeat("]}", 70) + "\n"
	got := parseErrors(t, src)
	want := []string{"t.yaml:3:467: rules nested deeper than 64 levels"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}
