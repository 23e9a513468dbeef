package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// SourceEntry is a source to add to a config file: the keys import-opml
// writes for each feed.
type SourceEntry struct {
	ID, URL, Title string
	Tags           []string
	Language       string
}

// reload loads the config file after AddSources replaced it; tests
// replace it to exercise the restore path.
var reload = Load

// SpliceError is AddSources' error when the file is laid out so that the
// sources cannot be added by editing it in place (a flow list, several
// documents, not UTF-8, ...). The file is left unchanged.
type SpliceError struct {
	Path string
	Err  error
}

func (e *SpliceError) Error() string {
	return fmt.Sprintf("cannot add the sources to %s: %v", e.Path, e.Err)
}

func (e *SpliceError) Unwrap() error { return e.Err }

// EncodeSources renders the sources as a YAML block sequence whose dashes
// stand indent spaces from the margin, ready to go under "sources:". Titles
// and tags are double-quoted, ids and URLs quoted only when their content
// requires it; the YAML encoder does the escaping.
func EncodeSources(sources []SourceEntry, indent int) ([]byte, error) {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range sources {
		m := &yaml.Node{Kind: yaml.MappingNode}
		add := func(key string, v *yaml.Node) {
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
		}
		add("id", scalar(s.ID))
		add("url", scalar(s.URL))
		if s.Title != "" {
			add("title", quoted(s.Title))
		}
		if len(s.Tags) > 0 {
			tags := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, t := range s.Tags {
				tags.Content = append(tags.Content, quoted(t))
			}
			add("tags", tags)
		}
		if s.Language != "" {
			add("language", scalar(s.Language))
		}
		seq.Content = append(seq.Content, m)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(seq); err != nil {
		return nil, fmt.Errorf("config: unable to encode sources: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: unable to encode sources: %w", err)
	}
	return indentLines(buf.Bytes(), indent), nil
}

// scalar is a string node styled the way the YAML encoder styles a Go
// string: quoted when it would otherwise read as another type or break
// the syntax.
func scalar(s string) *yaml.Node {
	var n yaml.Node
	if err := n.Encode(s); err != nil { // cannot fail for a string
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
	}
	return &n
}

// quoted is a double-quoted string node, the style bantin's example
// configs use for titles and tags.
func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

// indentLines prefixes every non-empty line of b with n spaces.
func indentLines(b []byte, n int) []byte {
	if n == 0 {
		return b
	}
	pad := bytes.Repeat([]byte{' '}, n)
	var out []byte
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			out = append(out, pad...)
		}
		out = append(out, line...)
	}
	return out
}

// AddSources adds the sources to the config file at path, whose current
// content is data (exists false: there is no file yet) holding the
// sources existing, checks that the result is a valid config with the
// sources added, replaces the file (atomically, through symbolic links,
// keeping its mode), and reloads it; if the reload fails the original
// content is put back. Comments, blank lines, key order and quoting are
// kept (see InsertSources). A file that cannot be edited in place gives a
// *SpliceError.
func AddSources(path string, data []byte, exists bool, existing []Source, sources []SourceEntry) error {
	out, err := InsertSources(data, sources)
	if err != nil {
		return &SpliceError{Path: path, Err: err}
	}
	check := func(cfg *Config) error {
		if len(cfg.Sources) != len(existing)+len(sources) {
			return fmt.Errorf("%d sources after the edit, want %d", len(cfg.Sources), len(existing)+len(sources))
		}
		for _, s := range sources {
			got, ok := cfg.Source(s.ID)
			if !ok || got.URL != s.URL {
				return fmt.Errorf("source %s missing after the edit", s.ID)
			}
		}
		return nil
	}
	cfg, err := Parse(out, path)
	if err == nil {
		err = check(cfg)
	}
	if err != nil {
		return fmt.Errorf("the edited config would not be valid (%s left unchanged): %w", path, err)
	}
	if err := replaceFile(path, data, exists, out); err != nil {
		return err
	}
	cfg, err = reload(path)
	if err == nil {
		err = check(cfg)
	}
	if err != nil {
		if exists {
			if rerr := replaceFile(path, out, true, data); rerr != nil {
				return fmt.Errorf("the edited config does not load (%w), and restoring %s failed: %v", err, path, rerr)
			}
		} else if rerr := os.Remove(path); rerr != nil {
			return fmt.Errorf("the new config does not load (%w), and removing %s failed: %v", err, path, rerr)
		}
		return fmt.Errorf("the edited config does not load, %s restored: %w", path, err)
	}
	return nil
}

// replaceFile atomically replaces the file at path (following symbolic
// links), whose content must still be old, with data, keeping its mode.
// exists false creates the file.
func replaceFile(path string, old []byte, exists bool, data []byte) error {
	target, mode := path, fs.FileMode(0o644)
	if exists {
		var err error
		if target, err = filepath.EvalSymlinks(path); err != nil {
			return err
		}
		st, err := os.Stat(target)
		if err != nil {
			return err
		}
		mode = st.Mode().Perm()
		cur, err := os.ReadFile(target)
		if err != nil {
			return err
		}
		if !bytes.Equal(cur, old) {
			return fmt.Errorf("%s changed while importing; run import-opml again", path)
		}
	} else if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s appeared while importing; run import-opml again", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

// InsertSources returns data with the sources added to its top-level
// sources: list, right after the list's last item, or with a sources:
// section appended when there is none. Everything else (comments, blank
// lines, key order, quoting) is kept byte for byte, as is the line ending
// style (LF or CRLF).
func InsertSources(data []byte, sources []SourceEntry) ([]byte, error) {
	eol := "\n"
	if bytes.Contains(data, []byte("\r\n")) {
		eol = "\r\n"
	}
	if !utf8.Valid(data) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return nil, errors.New("the file is not UTF-8")
	}
	if bytes.Count(data, []byte("\r")) != bytes.Count(data, []byte("\r\n")) ||
		bytes.ContainsAny(data, "\u0085\u2028\u2029") {
		return nil, errors.New("the file has line breaks other than LF and CRLF")
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		return nil, errors.New("the file holds several YAML documents")
	}

	// appendSection adds "sources:" and the items at the end of the file,
	// the key indented like the other top-level keys.
	appendSection := func(indent int) ([]byte, error) {
		items, err := EncodeSources(sources, indent+2)
		if err != nil {
			return nil, err
		}
		out := bytes.Clone(data)
		if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
			out = append(out, eol...)
		}
		if len(bytes.TrimSpace(out)) > 0 && !bytes.HasSuffix(out, []byte("\n\n")) && !bytes.HasSuffix(out, []byte("\r\n\r\n")) {
			out = append(out, eol...)
		}
		out = append(out, strings.Repeat(" ", indent)+"sources:"+eol...)
		return append(out, withEOL(items, eol)...), nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return appendSection(0)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode || root.Style&yaml.FlowStyle != 0 {
		return nil, errors.New("the top level is not a block mapping")
	}
	var key, val, next *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "sources" {
			key, val = root.Content[i], root.Content[i+1]
			if i+2 < len(root.Content) {
				next = root.Content[i+2]
			}
		}
	}
	if key == nil {
		return appendSection(root.Column - 1)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	lineStart := func(n int) int { // byte offset of 1-based line n
		off := 0
		for i := 0; i < n-1 && i < len(lines); i++ {
			off += len(lines[i])
		}
		return off
	}

	switch {
	case val.Kind == yaml.SequenceNode && val.Style&yaml.FlowStyle == 0 && len(val.Content) > 0:
		dashCol := val.Column - 1
		first := lines[val.Line-1]
		if dashCol >= len(first) || first[dashCol] != '-' || len(bytes.TrimLeft(first[:dashCol], " ")) != 0 {
			return nil, errors.New("cannot find the dash of the first source")
		}
		end := val.Content[len(val.Content)-1].Line // last line of the last item
		limit := len(lines)
		if next != nil {
			limit = next.Line - 1
		}
		for ln := end + 1; ln <= limit && ln <= len(lines); ln++ {
			text := lines[ln-1]
			trimmed := bytes.TrimLeft(text, " \t")
			if len(bytes.TrimSpace(trimmed)) == 0 {
				continue
			}
			indent := len(text) - len(trimmed)
			if indent <= dashCol {
				if trimmed[0] == '#' {
					continue // a comment after the list, not inside the item
				}
				break
			}
			end = ln
		}
		items, err := EncodeSources(sources, dashCol)
		if err != nil {
			return nil, err
		}
		return splice(data, lineStart(end+1), nil, withEOL(items, eol), eol), nil

	case val.Kind == yaml.ScalarNode && val.Tag == "!!null",
		val.Kind == yaml.SequenceNode && len(val.Content) == 0:
		// "sources:", "sources: ~", "sources: null", "sources: []"
		items, err := EncodeSources(sources, 2)
		if err != nil {
			return nil, err
		}
		var cut []int // byte range of the value on the key's line, if written
		if val.Line == key.Line && (val.Value != "" || val.Kind == yaml.SequenceNode) {
			line, from := lines[val.Line-1], lineStart(val.Line)
			if val.Line == 1 && bytes.HasPrefix(line, []byte("\uFEFF")) {
				line, from = line[3:], 3 // the parser does not count a BOM as a column
			}
			from += columnOffset(line, val.Column)
			to := from + len(val.Value)
			if val.Kind == yaml.SequenceNode {
				j := bytes.IndexByte(data[from:], ']')
				if data[from] != '[' || j < 0 || len(bytes.TrimSpace(data[from+1:from+j])) != 0 {
					return nil, errors.New("cannot find the empty [] of the sources key")
				}
				to = from + j + 1
			}
			for from > 0 && (data[from-1] == ' ' || data[from-1] == '\t') {
				from-- // "sources: ~" becomes "sources:"
			}
			cut = []int{from, to}
		} else if val.Line != key.Line && val.Line != 0 && val.Value != "" {
			return nil, errors.New("sources: has its null value on another line")
		}
		return splice(data, lineStart(key.Line+1), cut, withEOL(items, eol), eol), nil
	}
	return nil, errors.New("sources: is not a block list (a flow list [...] or an alias cannot be appended to)")
}

// columnOffset turns a 1-based character column of line into a byte
// offset.
func columnOffset(line []byte, col int) int {
	off := 0
	for c := 1; c < col && off < len(line); c++ {
		_, n := utf8.DecodeRune(line[off:])
		off += n
	}
	return off
}

// splice inserts ins at byte offset at of data (adding a line break first
// when the text before at does not end in one) after removing the byte
// range cut (before at), if any.
func splice(data []byte, at int, cut []int, ins []byte, eol string) []byte {
	out := make([]byte, 0, len(data)+len(ins)+2)
	head := data[:at]
	if cut != nil {
		out = append(out, data[:cut[0]]...)
		out = append(out, data[cut[1]:at]...)
	} else {
		out = append(out, head...)
	}
	if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, eol...)
	}
	out = append(out, ins...)
	return append(out, data[at:]...)
}

// withEOL converts the LF line ends of b to eol.
func withEOL(b []byte, eol string) []byte {
	if eol == "\n" {
		return b
	}
	return bytes.ReplaceAll(b, []byte("\n"), []byte(eol))
}
