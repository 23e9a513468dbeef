package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// yamlFields returns the yaml-tagged fields of the struct value v, in
// field order, with the fields of embedded ",inline" structs in place and
// fields tagged "-" left out.
func yamlFields(v reflect.Value) (keys []string, vals []reflect.Value) {
	for i, f := range slices.Collect(v.Type().Fields()) {
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline":
			k, fv := yamlFields(v.Field(i))
			keys, vals = append(keys, k...), append(vals, fv...)
		case tag != "" && tag != "-":
			keys, vals = append(keys, tag), append(vals, v.Field(i))
		}
	}
	return keys, vals
}

// schemaMapping is one mapping of the YAML schema: the struct it fills and
// the keys the decoder accepts in it.
type schemaMapping struct {
	name    string
	typ     reflect.Type
	decoded []string
}

// schemaMappings lists the mappings of the schema. It is a function so
// that it sees the key lists as init functions completed them.
func schemaMappings() []schemaMapping {
	return []schemaMapping{
		{"top level", reflect.TypeFor[Config](), topKeys},
		{"defaults", reflect.TypeFor[Defaults](), defaultsKeys},
		{"settings (defaults and source)", reflect.TypeFor[Settings](), settingKeys},
		{"websub", reflect.TypeFor[WebSub](), websubKeys},
		{"site", reflect.TypeFor[Site](), siteKeys},
		{"editor", reflect.TypeFor[Editor](), editorKeys},
		{"source", reflect.TypeFor[Source](), sourceKeys},
		{"items", reflect.TypeFor[ItemSelectors](), itemKeys},
		{"article", reflect.TypeFor[ArticleSelectors](), articleKeys},
		{"topic", reflect.TypeFor[Topic](), topicKeys},
		{"rule", reflect.TypeFor[Rule](), ruleKeys},
	}
}

// TestEveryKeyKnown: the config structs are the one source of truth for
// the keys of the YAML schema (keys.go): the decoder accepts every
// yaml-tagged field's key and no other, no mapping has two fields with one
// key (an embedded struct's and its own), and the hints for misplaced
// keys name keys that exist.
func TestEveryKeyKnown(t *testing.T) {
	all := map[string]bool{}
	for _, m := range schemaMappings() {
		fields := yamlKeys(m.typ)
		if !slices.Equal(fields, m.decoded) {
			t.Errorf("%s: the decoder accepts %v, the fields of %s are %v", m.name, m.decoded, m.typ.Name(), fields)
		}
		seen := map[string]bool{}
		for _, k := range fields {
			if seen[k] {
				t.Errorf("%s: two fields of %s have the key %q", m.name, m.typ.Name(), k)
			}
			seen[k], all[k] = true, true
		}
	}
	for _, k := range includeKeys {
		if !slices.Contains(topKeys, k) {
			t.Errorf("an included file accepts %q, which is not a top-level key", k)
		}
	}
	for where, hints := range misplacedHints {
		for k := range hints {
			if !all[k] {
				t.Errorf("misplaced-key hint %s for %q, which is no key of the schema", where, k)
			}
		}
	}
	// Defaults and sources share their settings: one struct.
	for _, keys := range [][]string{defaultsKeys, sourceKeys} {
		for _, k := range settingKeys {
			if !slices.Contains(keys, k) {
				t.Errorf("setting %q is not accepted in both defaults and sources", k)
			}
		}
	}
}

// TestSourcesInheritEverySetting: a source that writes none of the
// settings has every one of defaults: (allkeys.yaml sets each to a value
// other than the built-in default), a source that writes them all keeps
// its own; a duration written as 0 means the default, a written
// full_text: off stays off.
func TestSourcesInheritEverySetting(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "allkeys.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Sources[1].Settings, c.Defaults.Settings) {
		t.Errorf("a source without settings:\n%+v\nwant the defaults:\n%+v", c.Sources[1].Settings, c.Defaults.Settings)
	}
	keys, own := yamlFields(reflect.ValueOf(c.Sources[0].Settings))
	_, def := yamlFields(reflect.ValueOf(c.Defaults.Settings))
	for i, k := range keys {
		if reflect.DeepEqual(own[i].Interface(), def[i].Interface()) {
			t.Errorf("setting %q of the source that writes it is the default's %v", k, def[i].Interface())
		}
	}

	c, err = Parse([]byte("defaults: {full_text: match, interval: 20m}\nsources:\n  - {id: a, url: 'https://a.example/rss', full_text: off, interval: 0}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Sources[0]; s.FullText != FullTextOff || s.Interval != c.Defaults.Interval {
		t.Errorf("full_text: off and interval: 0 under defaults full_text: match, interval: 20m: got %q and %s", s.FullText, s.Interval)
	}
}

// TestEveryKeyDecoded: testdata/allkeys.yaml sets every key of the schema
// to a value other than its default, and after Load every yaml-tagged
// field holds something other than what it holds when the key is absent.
// A key that the decoder accepts but never stores fails here, and so does
// a new field that allkeys.yaml (and so `bantin check`, see
// cmd/bantin/check_test.go) does not exercise.
func TestEveryKeyDecoded(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "allkeys.yaml"))
	if err != nil {
		t.Fatalf("Load(allkeys.yaml): %v", err)
	}
	if len(c.Sources) != 2 || len(c.Topics) != 2 || c.Topics[0].Match == nil {
		t.Fatalf("allkeys.yaml: got %d sources and %d topics, want 2 and 2, the first topic with match:", len(c.Sources), len(c.Topics))
	}
	// Each struct as decoded from allkeys.yaml, beside the same struct
	// where no key is set (the included file sets only what is required).
	pairs := []struct {
		mapping   string
		set, base any
	}{
		{"top level", *c, *Default()},
		{"defaults", c.Defaults, Default().Defaults},
		{"websub", c.WebSub, WebSub{}},
		{"site", c.Site, Site{}},
		{"editor", c.Editors[0], Editor{}},
		{"source", c.Sources[0], c.Sources[1]},
		{"items", deref(c.Sources[0].Items), ItemSelectors{}},
		{"article", deref(c.Sources[0].Article), ArticleSelectors{}},
		{"topic", c.Topics[0], c.Topics[1]},
		{"rule", *c.Topics[0].Match, Rule{}},
	}
	for _, p := range pairs {
		keys, set := yamlFields(reflect.ValueOf(p.set))
		_, base := yamlFields(reflect.ValueOf(p.base))
		for i, k := range keys {
			if reflect.DeepEqual(set[i].Interface(), base[i].Interface()) {
				t.Errorf("%s: key %q left at its default %v: set it to another value in testdata/allkeys.yaml, or the decoder ignores it",
					p.mapping, k, set[i].Interface())
			}
		}
	}
}

// deref returns *p, or the zero value when p is nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// TestEveryKeyDocumented: every key of the schema is named in the README's
// Configuration section and in the package documentation's reference.
func TestEveryKeyDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "\n## Configuration\n"); i >= 0 {
		section = section[i+1:]
		if j := strings.Index(section[3:], "\n## "); j >= 0 {
			section = section[:3+j]
		}
	} else {
		t.Fatal("README.md has no ## Configuration section")
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range schemaMappings() {
		for _, k := range yamlKeys(m.typ) {
			word := regexp.MustCompile(`(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(k) + `($|[^A-Za-z0-9_])`)
			if !word.MatchString(section) {
				t.Errorf("%s key %q is not described in README.md's Configuration section", m.name, k)
			}
			if !word.Match(doc) {
				t.Errorf("%s key %q is not described in the reference in config/doc.go", m.name, k)
			}
		}
	}
}
