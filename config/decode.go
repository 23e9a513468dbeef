package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"
)

var (
	idRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	languageRE = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{1,8})*$`)
	domainRE   = regexp.MustCompile(`^[\p{L}\p{N}]([\p{L}\p{N}-]*[\p{L}\p{N}])?(\.[\p{L}\p{N}]([\p{L}\p{N}-]*[\p{L}\p{N}])?)*$`)
	schemeRE   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// pair is one key/value of a YAML mapping.
type pair struct {
	key  string
	k, v *yaml.Node
}

// ref is a reference from a rule to a source id, checked once every file
// has been read.
type ref struct {
	id  string
	pos Pos
}

// sourceMeta keeps the positions validation needs after decoding.
type sourceMeta struct {
	id       Pos // the id value
	url      Pos // the url value
	interval Pos // the interval value; zero when not set
	min, max Pos // min_interval / max_interval values; zero when not set
	// set holds the settings the source writes (Settings.inherit).
	set map[string]bool
}

// decoder walks yaml.Node trees, filling a Config and collecting every
// problem with its position instead of stopping at the first.
type decoder struct {
	file string // the file being read, as shown in positions
	dir  string // its absolute directory, for relative paths
	errs ErrorList
	warn ErrorList

	files     map[string]int // display name -> order read, for sorting errors
	srcMeta   []sourceMeta   // parallel to Config.Sources
	slugPos   []Pos          // parallel to Config.Topics
	aliasPos  [][]Pos        // parallel to Config.Topics: each alias's position
	refs      []ref
	inclPos   []Pos // parallel to Config.Include
	defMin    Pos   // where defaults.min_interval / max_interval were set
	defMax    Pos
	rules     int                 // rules decoded so far, bounded by maxRules
	merging   map[*yaml.Node]bool // mappings being merged, to stop cycles
	ruleStack map[*yaml.Node]bool // rules being decoded, to stop cycles
}

func (d *decoder) pos(n *yaml.Node) Pos {
	return Pos{File: d.file, Line: n.Line, Column: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errorAt(d.pos(n), format, args...)
}

func (d *decoder) warnAt(p Pos, format string, args ...any) {
	d.warn = append(d.warn, &Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorAt(p Pos, format string, args ...any) {
	d.errs = append(d.errs, &Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// parseYAML parses one YAML document and returns its root node, nil when
// the document is empty or broken (the error is recorded).
func (d *decoder) parseYAML(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			d.yamlError(err, data)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.errorf(&extra, "a config file holds one YAML document; remove this second one")
	case !errors.Is(err, io.EOF):
		d.yamlError(err, data)
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0]
	}
	return &doc
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// mapping checks that n is a mapping and returns its pairs whose keys are
// in allowed, reporting unknown and repeated keys. where ("in source")
// completes the messages. YAML merge keys (<<: *anchor) are honoured:
// merged pairs come after the explicit ones and never override them.
func (d *decoder) mapping(n *yaml.Node, where string, allowed []string) []pair {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "expected a mapping %s, got %s", where, kindName(n))
		return nil
	}
	seen := map[string]*yaml.Node{}
	var out, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "keys must be plain words %s", where)
			continue
		}
		key := k.Value
		if key == "<<" && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(v, where, allowed)...)
			continue
		}
		if prev, ok := seen[key]; ok {
			d.errorf(k, "key %q repeated %s (first at line %d)", key, where, prev.Line)
			continue
		}
		seen[key] = k
		if strings.HasPrefix(key, "x-") && (where == "at top level" || where == "in an included file") {
			continue // extension key: a place for YAML anchors, ignored
		}
		if !slices.Contains(allowed, key) {
			d.unknownKey(k, key, where, allowed)
			continue
		}
		out = append(out, pair{key: key, k: k, v: v})
	}
	for _, p := range merged {
		if _, ok := seen[p.key]; !ok {
			seen[p.key] = p.k
			out = append(out, p)
		}
	}
	return out
}

// merge returns the pairs of the mapping (or list of mappings) a merge key
// names; earlier mappings in a list win, as YAML specifies.
func (d *decoder) merge(v *yaml.Node, where string, allowed []string) []pair {
	v = resolve(v)
	// An anchor may be merged into itself (&m {<<: *m}); stop the cycle.
	if d.merging[v] {
		d.errorf(v, "merge key refers back to the mapping that holds it")
		return nil
	}
	if d.merging == nil {
		d.merging = map[*yaml.Node]bool{}
	}
	d.merging[v] = true
	defer delete(d.merging, v)
	if v.Kind == yaml.SequenceNode {
		var out []pair
		have := map[string]bool{}
		for _, m := range v.Content {
			for _, p := range d.merge(m, where, allowed) {
				if !have[p.key] {
					have[p.key] = true
					out = append(out, p)
				}
			}
		}
		return out
	}
	return d.mapping(v, where, allowed)
}

func (d *decoder) unknownKey(k *yaml.Node, key, where string, allowed []string) {
	msg := fmt.Sprintf("unknown key %q %s", key, where)
	hints := misplacedHints[where]
	elsewhere := make([]string, 0, len(hints))
	for h := range hints {
		elsewhere = append(elsewhere, h)
	}
	slices.Sort(elsewhere)
	if h := hints[key]; h != "" {
		msg += " (" + h + ")"
	} else if s := suggest(key, allowed); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if s := suggest(key, elsewhere); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s) + " (" + hints[s] + ")"
	} else {
		msg += " (known keys: " + strings.Join(allowed, ", ") + ")"
	}
	d.errorAt(d.pos(k), "%s", msg)
}

// Suggest returns the candidate closest to word (lowercased) in edit
// distance, if it is close enough to be a likely misspelling (at most 2
// edits, 1 for words of up to 4 letters); "" for none. Ties go to the
// earliest candidate.
func Suggest(word string, candidates []string) string { return suggest(word, candidates) }

// suggest returns the candidate closest to word in edit distance, if it is
// close enough to be a likely misspelling.
func suggest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	word = strings.ToLower(word)
	n := utf8.RuneCountInString(word)
	for _, c := range candidates {
		if d := utf8.RuneCountInString(c) - n; d > 2 || d < -2 {
			continue // too far to qualify: spare the distance
		}
		if dist := editDistance(word, c); dist < bestD {
			best, bestD = c, dist
		}
	}
	limit := 2
	if len(word) <= 4 {
		limit = 1
	}
	if bestD <= limit && bestD < len(word) {
		return best
	}
	return ""
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	m := make([][]int, len(ra)+1)
	for i := range m {
		m[i] = make([]int, len(rb)+1)
		m[i][0] = i
	}
	for j := range m[0] {
		m[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			m[i][j] = min(m[i-1][j]+1, m[i][j-1]+1, m[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				m[i][j] = min(m[i][j], m[i-2][j-2]+1)
			}
		}
	}
	return m[len(ra)][len(rb)]
}

// str decodes a scalar as a string in Unicode NFC. ok is false (and an
// error recorded) when n is not a scalar; a null gives "".
func (d *decoder) str(n *yaml.Node, key string) (string, bool) {
	n = resolve(n)
	if isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s must be a string, got %s", key, kindName(n))
		return "", false
	}
	return norm.NFC.String(n.Value), true
}

// strs decodes a list of strings (a single scalar counts as a one-item
// list), trimmed and in NFC. Empty items and empty lists are errors.
func (d *decoder) strs(n *yaml.Node, key string) ([]string, []*yaml.Node) {
	n = resolve(n)
	var items []*yaml.Node
	switch {
	case isNull(n):
		d.errorf(n, "%s is empty; give at least one value or remove the key", key)
		return nil, nil
	case n.Kind == yaml.ScalarNode:
		items = []*yaml.Node{n}
	case n.Kind == yaml.SequenceNode:
		if len(n.Content) == 0 {
			d.errorf(n, "%s is an empty list; give at least one value or remove the key", key)
			return nil, nil
		}
		items = n.Content
	default:
		d.errorf(n, "%s must be a list of strings, got %s", key, kindName(n))
		return nil, nil
	}
	var vals []string
	var nodes []*yaml.Node
	for _, it := range items {
		it = resolve(it)
		if it.Kind != yaml.ScalarNode {
			d.errorf(it, "%s: each item must be a string, got %s", key, kindName(it))
			continue
		}
		v := strings.TrimSpace(norm.NFC.String(it.Value))
		if isNull(it) || v == "" {
			d.errorf(it, "%s: empty item", key)
			continue
		}
		vals = append(vals, v)
		nodes = append(nodes, it)
	}
	return vals, nodes
}

// value decodes a scalar that must be present: null is an error.
func (d *decoder) value(n *yaml.Node, key string) (string, bool) {
	if isNull(resolve(n)) {
		d.errorf(resolve(n), "%s has no value", key)
		return "", false
	}
	return d.str(n, key)
}

// duration decodes a Duration; negative values are errors, zero is
// allowed unless positive is set.
func (d *decoder) duration(n *yaml.Node, key string, positive bool) (Duration, bool) {
	s, ok := d.value(n, key)
	if !ok {
		return 0, false
	}
	n = resolve(n)
	v, err := ParseDuration(s)
	switch {
	case err != nil && errors.Is(err, ErrDurationRange) && key == "interval":
		d.errorf(n, "%s: %v; bantin polls a source at least every max_interval (24h unless set)", key, err)
		return 0, false
	case err != nil:
		d.errorf(n, "%s: %v", key, err)
		return 0, false
	case v < 0:
		d.errorf(n, "%s must not be negative, got %s", key, s)
		return 0, false
	case v == 0 && positive:
		d.errorf(n, "%s must be greater than zero", key)
		return 0, false
	}
	return v, true
}

func (d *decoder) byteSize(n *yaml.Node, key string) (ByteSize, bool) {
	s, ok := d.value(n, key)
	if !ok {
		return 0, false
	}
	n = resolve(n)
	v, err := ParseByteSize(s)
	if err != nil {
		d.errorf(n, "%s: %v", key, err)
		return 0, false
	}
	if v == 0 {
		d.errorf(n, "%s must be greater than zero", key)
		return 0, false
	}
	return v, true
}

// integer decodes an int that must be >= lo.
func (d *decoder) integer(n *yaml.Node, key string, lo int) (int, bool) {
	s, ok := d.value(n, key)
	if !ok {
		return 0, false
	}
	n = resolve(n)
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		d.errorf(n, "%s must be a whole number, got %q", key, s)
		return 0, false
	}
	if v < lo {
		if lo == 0 {
			d.errorf(n, "%s must not be negative, got %d", key, v)
		} else {
			d.errorf(n, "%s must be at least %d, got %d", key, lo, v)
		}
		return 0, false
	}
	return v, true
}

func (d *decoder) boolean(n *yaml.Node, key string) (bool, bool) {
	s, ok := d.value(n, key)
	if !ok {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	d.errorf(resolve(n), "%s must be true or false, got %q", key, s)
	return false, false
}
