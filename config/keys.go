package config

import (
	"reflect"
	"slices"
	"strings"
)

// The config structs are the one list of the keys of each YAML mapping:
// the decoder accepts the yaml-tagged fields' keys (keysOf), in field
// order, and nothing else. keys_test.go proves that every key is decoded,
// documented and accepted by `bantin check`.
var (
	topKeys      = keysOf[Config]()
	defaultsKeys = keysOf[Defaults]()
	settingKeys  = keysOf[Settings]()
	websubKeys   = keysOf[WebSub]()
	siteKeys     = keysOf[Site]()
	editorKeys   = keysOf[Editor]()
	sourceKeys   = keysOf[Source]()
	itemKeys     = keysOf[ItemSelectors]()
	articleKeys  = keysOf[ArticleSelectors]()
	topicKeys    = keysOf[Topic]()
	ruleKeys     = keysOf[Rule]()
	// includeKeys are the top-level keys an included file may hold.
	includeKeys = []string{"sources", "topics"}
)

// Hints for keys that are valid, just not where they were written.
var misplacedHints = map[string]map[string]string{
	"at top level":        hintFor(defaultsKeys, "it belongs under defaults:"),
	"in source":           hintFor(without(defaultsKeys, sourceKeys), "it can only be set under defaults:"),
	"in topic":            hintFor(ruleKeys, "rule keys belong under match:"),
	"in rule":             hintFor(without(topicKeys, ruleKeys), "it is a topic key, not a rule key"),
	"in an included file": hintFor(without(topKeys, includeKeys), "an included file may only hold sources: and topics:"),
}

// ruleHelp names the rule keys in messages about a rule that has none.
var ruleHelp = strings.Join(ruleKeys[:len(ruleKeys)-1], ", ") + " or " + ruleKeys[len(ruleKeys)-1]

func hintFor(keys []string, hint string) map[string]string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = hint
	}
	return m
}

// without returns the keys not in drop.
func without(keys, drop []string) []string {
	var out []string
	for _, k := range keys {
		if !slices.Contains(drop, k) {
			out = append(out, k)
		}
	}
	return out
}

// keysOf returns the YAML keys of struct type T (see yamlKeys).
func keysOf[T any]() []string { return yamlKeys(reflect.TypeFor[T]()) }

// yamlKeys returns the YAML keys of struct type t in field order, the
// fields of embedded ",inline" structs in place; fields tagged "-" or not
// tagged have none.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline":
			keys = append(keys, yamlKeys(f.Type)...)
		case tag != "" && tag != "-":
			keys = append(keys, tag)
		}
	}
	return keys
}

// fieldOf returns the field of the struct v whose YAML key is key (in v
// or an embedded ",inline" struct); the zero Value when there is none.
func fieldOf(v reflect.Value, key string) reflect.Value {
	for i, f := range slices.Collect(v.Type().Fields()) {
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline":
			if fv := fieldOf(v.Field(i), key); fv.IsValid() {
				return fv
			}
		case tag == key:
			return v.Field(i)
		}
	}
	return reflect.Value{}
}
