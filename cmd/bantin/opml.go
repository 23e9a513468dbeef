package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"bantin/config"
	"bantin/fold"
	"bantin/opml"
)

// maxIDLen caps the length of source ids made from titles.
const maxIDLen = 40

// reloadConfig loads the config after import-opml -write replaced it;
// tests replace it to exercise the restore path.
var reloadConfig = config.Load

var languageTagRE = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{1,8})*$`)

// importedSource is one source entry import-opml writes.
type importedSource struct {
	ID, URL, Title string
	Tags           []string
	Language       string
}

// importPlan is what an OPML list adds to a config.
type importPlan struct {
	sources     []*importedSource
	messages    []string // one line per skipped feed, in document order
	duplicates  int
	unsupported int
	noURL       []opml.Feed // outlines meant as feeds that name no feed URL
}

// cmdImportOPML implements `bantin import-opml FILE [-write]`: the feeds of
// the OPML file become source entries (id, url, title, tags from the
// folders). Without -write they are printed to stdout as YAML to paste under
// sources:; with -write they are inserted after the last item of the
// config's sources: list (or in a new sources: section), the rest of the
// file kept byte for byte, and the config reloaded to check it. Feeds that
// the config or the list already has, and feeds bantin cannot poll, are
// skipped with one line each on stderr; a summary line ends the output.
func cmdImportOPML(ctx context.Context, a *app, args []string) error {
	fset := a.flags("import-opml", "FILE")
	write := fset.Bool("write", false, "append the sources to the config file (which is created if missing) instead of printing them")
	pos, err := a.parse(fset, args, 1, 1)
	if err != nil {
		return err
	}
	file := pos[0]
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	doc, err := opml.Parse(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	feeds, noURL := opml.Feeds(doc), opml.FeedsWithoutURL(doc)
	if len(feeds) == 0 {
		if len(noURL) > 0 {
			return fmt.Errorf("%s lists no feeds: %s", file, noURLSummary(noURL))
		}
		return fmt.Errorf("%s lists no feeds (no outline has an xmlUrl)", file)
	}

	data, err := os.ReadFile(a.configPath)
	exists := err == nil
	var existing []config.Source
	switch {
	case exists:
		cfg, err := config.Parse(data, a.configPath)
		switch {
		case err == nil:
			existing = cfg.Sources
		case isOnlyEmpty(err):
			// An empty config (or one with settings only) is where a
			// first import goes: it has no sources to compare with.
		default:
			return fmt.Errorf("the config must be valid before importing into it:\n%w", err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if !*write {
			fmt.Fprintf(a.stderr, "note: no config at %s: not checking for sources it already has\n", a.configPath)
		}
	default:
		return err
	}

	plan := planImport(feeds, existing)
	plan.noURL = noURL
	for _, f := range noURL {
		plan.messages = append(plan.messages, "skipped outline without a feed URL: "+outlineName(f))
	}
	for _, m := range plan.messages {
		fmt.Fprintln(a.stderr, m)
	}
	summary := plan.summary()
	if len(plan.sources) == 0 {
		fmt.Fprintln(a.stderr, summary)
		return nil
	}
	if !*write {
		items, err := encodeSources(plan.sources, 2)
		if err != nil {
			return err
		}
		if _, err := a.stdout.Write(items); err != nil {
			return err
		}
		fmt.Fprintln(a.stderr, summary)
		return nil
	}
	if err := writeSources(a.configPath, data, exists, existing, plan.sources); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s; added to %s\n", summary, a.configPath)
	return nil
}

func (p *importPlan) summary() string {
	s := fmt.Sprintf("imported %s, skipped %s", plural(len(p.sources), "source"), plural(p.duplicates, "duplicate"))
	if p.unsupported > 0 {
		s += fmt.Sprintf(" and %d unsupported", p.unsupported)
	}
	if len(p.noURL) > 0 {
		s += "; skipped " + noURLSummary(p.noURL)
	}
	return s
}

// maxNamed caps the outlines named in a summary line.
const maxNamed = 5

// noURLSummary is "2 outlines without a feed URL: "A" (in Tech), "B"".
func noURLSummary(fs []opml.Feed) string {
	names := make([]string, 0, maxNamed+1)
	for i, f := range fs {
		if i == maxNamed {
			names = append(names, fmt.Sprintf("and %d more", len(fs)-maxNamed))
			break
		}
		names = append(names, outlineName(f))
	}
	return fmt.Sprintf("%s without a feed URL: %s", plural(len(fs), "outline"), strings.Join(names, ", "))
}

// outlineName names an outline for a message: its title, quoted, and the
// folders holding it.
func outlineName(f opml.Feed) string {
	name := "(untitled)"
	if f.Title != "" {
		name = strconv.Quote(f.Title)
	}
	if len(f.Tags) > 0 {
		name += " in " + strings.Join(f.Tags, "/")
	}
	return name
}

// isOnlyEmpty reports whether err is config.ErrEmpty and nothing else: the
// config is valid but has no sources and no topics yet.
func isOnlyEmpty(err error) bool {
	var list config.ErrorList
	return errors.Is(err, config.ErrEmpty) && errors.As(err, &list) && len(list) == 1
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// planImport turns the feeds of an OPML list into new sources. A feed whose
// URL matches an existing source's (see urlKey) or an earlier feed of the
// list is skipped; the folders of a repeated feed are added to the tags of
// its first occurrence. Feeds that bantin cannot poll (scrapers, non-HTTP
// URLs) are skipped too. Ids are unique against the existing sources and
// each other.
func planImport(feeds []opml.Feed, existing []config.Source) *importPlan {
	plan := &importPlan{}
	taken := map[string]bool{}
	byURL := map[string]string{} // urlKey -> existing source id
	for _, s := range existing {
		taken[s.ID] = true
		if k, ok := urlKey(s.URL); ok {
			byURL[k] = s.ID
		}
	}
	planned := map[string]*importedSource{}
	for _, f := range feeds {
		raw := feedURL(f.XMLURL)
		if f.IsScraper() {
			plan.unsupported++
			plan.messages = append(plan.messages, fmt.Sprintf("skipped unsupported: %s (type %q is a web page scraper, not a feed)", raw, f.Type))
			continue
		}
		key, ok := urlKey(raw)
		if !ok {
			why := "only http and https feed URLs can be imported"
			if l := strings.ToLower(raw); strings.HasPrefix(l, "http:") || strings.HasPrefix(l, "https:") {
				why = "not a valid URL"
			}
			plan.unsupported++
			plan.messages = append(plan.messages, fmt.Sprintf("skipped unsupported: %s (%s)", raw, why))
			continue
		}
		if id, ok := byURL[key]; ok {
			plan.duplicates++
			plan.messages = append(plan.messages, fmt.Sprintf("skipped duplicate: %s (already source %s)", raw, id))
			continue
		}
		if s, ok := planned[key]; ok {
			plan.duplicates++
			msg := fmt.Sprintf("skipped duplicate: %s (listed before as %s)", raw, s.ID)
			if added := mergeTags(s, f.Tags); added > 0 {
				msg += "; its folders were added to the tags"
			}
			plan.messages = append(plan.messages, msg)
			continue
		}
		s := &importedSource{
			ID:    newID(f.Title, raw, taken),
			URL:   fold.NFC(raw),
			Title: fold.NFC(f.Title),
		}
		mergeTags(s, f.Tags)
		if l := strings.ToLower(f.Language); languageTagRE.MatchString(l) {
			s.Language = l
		}
		planned[key] = s
		plan.sources = append(plan.sources, s)
	}
	return plan
}

// mergeTags adds the tags s lacks (compared by slug) and returns how many.
func mergeTags(s *importedSource, tags []string) int {
	have := map[string]bool{}
	for _, t := range s.Tags {
		have[fold.Slug(t)] = true
	}
	n := 0
	for _, t := range tags {
		t = fold.NFC(strings.TrimSpace(t))
		k := fold.Slug(t)
		if k == "" || have[k] {
			continue
		}
		have[k] = true
		s.Tags = append(s.Tags, t)
		n++
	}
	return n
}

// feedURL trims u, escapes the spaces some exporters leave in URLs, and
// rewrites the feed: pseudo-scheme ("feed://host/x", "feed:https://host/x")
// to HTTP.
func feedURL(u string) string {
	u = strings.ReplaceAll(strings.TrimSpace(u), " ", "%20")
	if len(u) > 5 && strings.EqualFold(u[:5], "feed:") {
		rest := u[5:]
		if strings.HasPrefix(rest, "//") {
			return "http:" + rest
		}
		return rest
	}
	return u
}

// urlKey returns the form in which two feed URLs are compared: scheme and
// host lowercased, default port, fragment and trailing slashes of the path
// dropped. ok is false unless raw is an http(s) URL with a host and no
// white space.
func urlKey(raw string) (key string, ok bool) {
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", false
	}
	u.Host = strings.ToLower(u.Host)
	if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
		u.Host = u.Hostname()
	}
	u.Fragment, u.RawFragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u.String(), true
}

// newID makes a source id from the title, else from the URL's host and
// path, unique against taken (with -2, -3, ... suffixes), and records it.
func newID(title, rawURL string, taken map[string]bool) string {
	base := idFrom(title)
	if base == "" {
		if u, err := url.Parse(rawURL); err == nil {
			host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
			p := strings.TrimSuffix(u.Path, "/")
			if ext := strings.ToLower(filepath.Ext(p)); ext == ".rss" || ext == ".xml" || ext == ".atom" || ext == ".json" {
				p = p[:len(p)-len(ext)]
			}
			base = idFrom(host + "/" + p)
		}
	}
	if base == "" {
		base = "source"
	}
	id := base
	for n := 2; taken[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	taken[id] = true
	return id
}

// idFrom slugs s and keeps what a source id may hold (a-z, 0-9 and single
// dashes, letters of other scripts separating words), at most maxIDLen
// bytes cut at a word boundary when there is one.
func idFrom(s string) string {
	slug := fold.Slug(s)
	b := make([]byte, 0, len(slug))
	dash := false
	for i := 0; i < len(slug); i++ {
		c := slug[i]
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash = false
			b = append(b, c)
			continue
		}
		dash = true
	}
	if len(b) > maxIDLen {
		cut := bytes.LastIndexByte(b[:maxIDLen+1], '-')
		if cut < maxIDLen/2 {
			cut = maxIDLen
		}
		b = bytes.TrimRight(b[:cut], "-")
	}
	return string(b)
}

// encodeSources renders the sources as a YAML block sequence whose dashes
// stand indent spaces from the margin, ready to go under "sources:". Titles
// and tags are double-quoted, ids and URLs quoted only when their content
// requires it; the YAML encoder does the escaping.
func encodeSources(sources []*importedSource, indent int) ([]byte, error) {
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
		return nil, fmt.Errorf("import-opml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("import-opml: %w", err)
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

// writeSources adds the sources to the config file at path, whose current
// content is data (exists false: there is no file yet), checks that the
// result is a valid config with the sources added, replaces the file, and
// reloads it; if the reload fails the original content is put back.
func writeSources(path string, data []byte, exists bool, existing []config.Source, sources []*importedSource) error {
	out, err := insertSources(data, sources)
	if err != nil {
		return fmt.Errorf("cannot add the sources to %s: %w; run without -write and paste the printed YAML under sources:", path, err)
	}
	check := func(cfg *config.Config) error {
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
	cfg, err := config.Parse(out, path)
	if err == nil {
		err = check(cfg)
	}
	if err != nil {
		return fmt.Errorf("the edited config would not be valid (%s left unchanged): %w", path, err)
	}
	if err := replaceFile(path, data, exists, out); err != nil {
		return err
	}
	cfg, err = reloadConfig(path)
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

// insertSources returns data with the sources added to its top-level
// sources: list, right after the list's last item, or with a sources:
// section appended when there is none. Everything else (comments, blank
// lines, key order, quoting) is kept byte for byte, as is the line ending
// style (LF or CRLF).
func insertSources(data []byte, sources []*importedSource) ([]byte, error) {
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
		items, err := encodeSources(sources, indent+2)
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
		items, err := encodeSources(sources, dashCol)
		if err != nil {
			return nil, err
		}
		return splice(data, lineStart(end+1), nil, withEOL(items, eol), eol), nil

	case val.Kind == yaml.ScalarNode && val.Tag == "!!null",
		val.Kind == yaml.SequenceNode && len(val.Content) == 0:
		// "sources:", "sources: ~", "sources: null", "sources: []"
		items, err := encodeSources(sources, 2)
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
					return nil, errors.New("cannot find the empty [] of sources:")
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
