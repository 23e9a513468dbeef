package render

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestIndentJSON: indentJSON writes what json.Indent writes for what
// encoding/json encodes: nested and empty objects and arrays, strings
// with quotes, backslashes, braces, commas and colons, numbers, true,
// false and null, and random documents of them.
func TestIndentJSON(t *testing.T) {
	cases := []any{
		map[string]any{},
		[]any{},
		map[string]any{"a": []any{}, "b": map[string]any{}, "c": []any{map[string]any{}}},
		map[string]any{"s": `q"uo\te\\" {[,:]} \"`, "n": 1.5, "t": true, "f": false, "z": nil},
		[]any{"\\", "\\\\\"", "", "x\"", map[string]any{"k\"\\": []any{1, 2, []any{}}}},
		"plain string",
		42,
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		cases = append(cases, randomJSON(r, 0))
	}
	for i, v := range cases {
		var compact bytes.Buffer
		enc := json.NewEncoder(&compact)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc = json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if got := indentJSON(nil, compact.Bytes(), "  "); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}

func randomJSON(r *rand.Rand, depth int) any {
	k := r.IntN(8)
	if depth > 4 {
		k = r.IntN(5)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.Float64() * 1000
	case 3, 4:
		return randomString(r)
	case 5, 6:
		m := map[string]any{}
		for range r.IntN(4) {
			m[randomString(r)+"k"] = randomJSON(r, depth+1)
		}
		return m
	}
	var a []any
	for range r.IntN(4) {
		a = append(a, randomJSON(r, depth+1))
	}
	if a == nil {
		a = []any{}
	}
	return a
}

func randomString(r *rand.Rand) string {
	pieces := []string{`"`, `\`, "{", "}", "[", "]", ",", ":", " ", "a", "é", "\n", "<>&"}
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}
