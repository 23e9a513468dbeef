package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	_ "time/tzdata" // time zones work even where the system has no zoneinfo
)

// DefaultTopicLimit is the number of items a topic feed holds when the
// topic sets no limit.
const DefaultTopicLimit = 50

// Default returns the built-in settings that a config file overrides.
// Database is relative ("bantin.db"); Load resolves it against the config
// file's directory.
func Default() *Config {
	return &Config{
		Listen:   "127.0.0.1:8080",
		BaseURL:  "http://localhost:8080",
		Database: "bantin.db",
		Defaults: Defaults{
			Settings: Settings{
				Interval:    Duration(15 * time.Minute),
				MinInterval: Duration(5 * time.Minute),
				MaxInterval: Duration(24 * time.Hour),
				Timeout:     Duration(20 * time.Second),
				Timezone:    "Asia/Ho_Chi_Minh",
				Retention:   Duration(90 * day),
				MaxBody:     10 << 20,
			},
			PerHost: 2,
			Workers: 16,
		},
	}
}

// Load reads and validates the config file at path and the files it
// includes. Problems in the files are returned as *ErrorList; a file that
// cannot be read gives an error wrapping the os error (errors.Is(err,
// fs.ErrNotExist) works).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path)
}

// Parse is Load on data already read from the file named file: positions
// name file, and relative paths (database, source paths, include globs)
// resolve against its directory (the working directory when file is "",
// which positions show as "<config>"). Included files are read from disk.
// A config that defines no source and no topic (an empty file, only
// comments, only settings) is refused with ErrEmpty, reported when it has
// no other problem.
func Parse(data []byte, file string) (*Config, error) {
	name := file
	if name == "" {
		name = "<config>"
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c := Default()
	if file == "" { // data from nowhere: relative paths resolve against the working directory
		c.Dir = abs
	} else {
		c.Path, c.Dir = abs, filepath.Dir(abs)
		c.Files = []string{c.Path}
	}

	d := &decoder{file: name, dir: c.Dir, files: map[string]int{name: 0}}
	if root := d.parseYAML(data); root != nil {
		d.top(root, c)
	}
	d.includes(c, name)
	d.finish(c)
	if len(d.errs) == 0 && len(c.Sources) == 0 && len(c.Topics) == 0 {
		d.errs = append(d.errs, &Error{Pos: Pos{File: name}, Msg: ErrEmpty.Error(), err: ErrEmpty})
	}
	if len(d.errs) > 0 {
		errs := sortErrors(d.errs, d.files)
		return nil, &errs
	}
	if len(d.warn) > 0 {
		c.Warnings = sortErrors(d.warn, d.files)
	}
	return c, nil
}

// includes reads the files matched by c.Include, in pattern order and
// sorted within a pattern; each file is read once and the main file never.
// A pattern too wide (a typo such as "/*/*") stops at maxIncludeFiles
// files or maxIncludeTotal bytes, before reading them.
func (d *decoder) includes(c *Config, mainName string) {
	seen := map[string]bool{c.Path: true}
	var files int
	var total int64
	for i, pattern := range c.Include {
		at := d.inclPos[i]
		glob := pattern
		if !filepath.IsAbs(glob) {
			glob = filepath.Join(c.Dir, glob)
		}
		matches, err := filepath.Glob(glob)
		if err != nil {
			d.errorAt(at, "include %q: %v", pattern, err)
			continue
		}
		sort.Strings(matches)
		found := false
		var read []string // the pattern's files, counted before any is read
		for _, m := range matches {
			// Only regular files: a glob reaching /dev or a FIFO must not
			// block or read forever.
			st, err := os.Stat(m)
			if err != nil || !st.Mode().IsRegular() {
				continue
			}
			found = true
			if seen[m] {
				continue
			}
			seen[m] = true
			files++
			total += st.Size()
			read = append(read, m)
			if files > maxIncludeFiles {
				break
			}
		}
		if files > maxIncludeFiles || total > maxIncludeTotal {
			d.errorAt(at, "include %q: more than %d files or %d MiB included (is the pattern too wide?)",
				pattern, maxIncludeFiles, maxIncludeTotal>>20)
			return
		}
		for _, m := range read {
			shown := m
			if !filepath.IsAbs(pattern) {
				if rel, err := filepath.Rel(c.Dir, m); err == nil {
					shown = filepath.Join(filepath.Dir(mainName), rel)
				}
			}
			d.includeFile(c, m, shown, at)
		}
		if !found {
			d.errorAt(at, "include %q matches no file", pattern)
		}
	}
}

// includeFile reads the included file path, shown in errors as shown.
func (d *decoder) includeFile(c *Config, path, shown string, at Pos) {
	data, err := readLimited(path, maxIncludeSize)
	if err != nil {
		d.errorAt(at, "include: %v", err)
		return
	}
	c.Files = append(c.Files, path)
	if _, ok := d.files[shown]; !ok {
		d.files[shown] = len(d.files)
	}
	file, dir := d.file, d.dir
	d.file, d.dir = shown, filepath.Dir(path)
	if root := d.parseYAML(data); root != nil {
		d.included(root, c)
	}
	d.file, d.dir = file, dir
}

// maxIncludeSize bounds an included file; configs are small, a file this
// large was matched by mistake.
const maxIncludeSize = 16 << 20

// maxIncludeFiles and maxIncludeTotal bound what the includes of a config
// read altogether.
const (
	maxIncludeFiles = 1000
	maxIncludeTotal = 64 << 20
)

// readLimited reads the file at path, of at most limit bytes. A regular
// file whose size is 0 is not read: an empty file has nothing to read, and
// the pseudo-files of /proc, which report 0, may block (/proc/kmsg waits
// for the kernel's next message). A larger one is refused unread.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if st.Size() == 0 {
			return nil, nil
		}
		if st.Size() > limit {
			return nil, fmt.Errorf("%s is larger than %d MiB", path, limit>>20)
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, limit>>20)
	}
	return data, nil
}

// finish runs the checks that need every file read, then fills in the
// effective per-source settings and resolves the database path.
func (d *decoder) finish(c *Config) {
	def := &c.Defaults
	if def.MinInterval > def.MaxInterval {
		at := d.defMax
		if at.Line == 0 {
			at = d.defMin
		}
		d.errorAt(at, "min_interval %s is greater than max_interval %s", def.MinInterval, def.MaxInterval)
	}

	c.sourceIdx = make(map[string]int, len(c.Sources))
	for i, s := range c.Sources {
		if s.ID == "" {
			continue
		}
		if j, ok := c.sourceIdx[s.ID]; ok {
			d.errorAt(d.srcMeta[i].id, "duplicate source id %q (first defined at %s)", s.ID, d.srcMeta[j].id)
			continue
		}
		c.sourceIdx[s.ID] = i
	}
	c.topicIdx = make(map[string]int, len(c.Topics))
	for i, t := range c.Topics {
		if t.Slug == "" {
			continue
		}
		if j, ok := c.topicIdx[t.Slug]; ok {
			d.errorAt(d.slugPos[i], "duplicate topic slug %q (first defined at %s)", t.Slug, d.slugPos[j])
			continue
		}
		c.topicIdx[t.Slug] = i
	}
	// Aliases are former slugs: each names one topic, and no topic has
	// it as its slug (its URLs would answer two ways).
	c.aliasIdx = map[string]int{}
	aliasAt := map[string]Pos{}
	for i, t := range c.Topics {
		for k, a := range t.Aliases {
			at := d.aliasPos[i][k]
			if j, ok := c.topicIdx[a]; ok {
				if j == i {
					d.errorAt(at, "topic %q lists its own slug as an alias", a)
				} else {
					d.errorAt(at, "alias %q of topic %q is the slug of another topic (defined at %s)", a, t.Slug, d.slugPos[j])
				}
				continue
			}
			if j, ok := c.aliasIdx[a]; ok {
				if j == i {
					d.errorAt(at, "alias %q repeated in topic %q (first at %s)", a, t.Slug, aliasAt[a])
				} else {
					d.errorAt(at, "alias %q is also an alias of topic %q (at %s)", a, c.Topics[j].Slug, aliasAt[a])
				}
				continue
			}
			c.aliasIdx[a], aliasAt[a] = i, at
		}
	}
	for _, r := range d.refs {
		if _, ok := c.sourceIdx[r.id]; ok {
			continue
		}
		msg := fmt.Sprintf("rule refers to unknown source %q", r.id)
		ids := make([]string, 0, len(c.sourceIdx))
		for id := range c.sourceIdx {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		if s := suggest(r.id, ids); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		d.errorAt(r.pos, "%s", msg)
	}

	locs := map[string]*time.Location{}
	urls := map[string]int{} // url -> index of the first source using it
	for i := range c.Sources {
		s := &c.Sources[i]
		s.Settings.inherit(def.Settings, d.srcMeta[i].set)
		d.finishContent(s)
		if m := d.srcMeta[i]; (m.min.Line > 0 || m.max.Line > 0) && s.MinInterval > s.MaxInterval {
			at := m.max
			if at.Line == 0 {
				at = m.min
			}
			d.errorAt(at, "source %s: min_interval %s is greater than max_interval %s", quoteOr(s.ID, "without id"), s.MinInterval, s.MaxInterval)
		}
		if m := d.srcMeta[i]; m.interval.Line > 0 && s.MinInterval <= s.MaxInterval {
			switch {
			case s.Interval < s.MinInterval:
				d.warnAt(m.interval, "interval %s is below min_interval %s: source %q will be polled every %s", s.Interval, s.MinInterval, s.ID, s.MinInterval)
			case s.Interval > s.MaxInterval:
				d.warnAt(m.interval, "interval %s is above max_interval %s: source %q will be polled every %s", s.Interval, s.MaxInterval, s.ID, s.MaxInterval)
			}
		}
		if s.URL != "" {
			if j, ok := urls[s.URL]; ok {
				d.warnAt(d.srcMeta[i].url, "source %q has the same url as source %q (%s): the feed is fetched twice", s.ID, c.Sources[j].ID, d.srcMeta[j].url)
			} else {
				urls[s.URL] = i
			}
		}
		loc, ok := locs[s.Timezone]
		if !ok {
			var err error
			if loc, err = time.LoadLocation(s.Timezone); err != nil {
				loc = nil // reported where the zone was written
			}
			locs[s.Timezone] = loc
		}
		s.Location = loc
	}

	// $BANTIN_DATABASE overrides database: (a relative path in it is
	// relative to the working directory).
	if env := os.Getenv(EnvDatabase); strings.TrimSpace(env) != "" {
		c.Database = env
		if !IsDatabaseURL(env) {
			if abs, err := filepath.Abs(env); err == nil {
				c.Database = abs
			}
		}
	}
	if !IsDatabaseURL(c.Database) && !filepath.IsAbs(c.Database) {
		c.Database = filepath.Join(c.Dir, c.Database)
	}
}

// fill sets *v to def when it is the zero value.
// inherit gives s each setting of def that s leaves unset: a key the
// source did not write (set holds those it did), or a duration written as
// 0, which means the default. A written full_text: off stays.
func (s *Settings) inherit(def Settings, set map[string]bool) {
	sv, dv := reflect.ValueOf(s).Elem(), reflect.ValueOf(def)
	for i, f := range slices.Collect(sv.Type().Fields()) {
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if v := sv.Field(i); !set[key] || v.IsZero() && v.Kind() != reflect.String {
			v.Set(dv.Field(i))
		}
	}
}

// Source returns the source with the given id.
func (c *Config) Source(id string) (*Source, bool) {
	if i, ok := c.sourceIdx[id]; ok && i < len(c.Sources) && c.Sources[i].ID == id {
		return &c.Sources[i], true
	}
	for i := range c.Sources {
		if c.Sources[i].ID == id {
			return &c.Sources[i], true
		}
	}
	return nil, false
}

// Topic returns the topic with the given slug.
func (c *Config) Topic(slug string) (*Topic, bool) {
	if i, ok := c.topicIdx[slug]; ok && i < len(c.Topics) && c.Topics[i].Slug == slug {
		return &c.Topics[i], true
	}
	for i := range c.Topics {
		if c.Topics[i].Slug == slug {
			return &c.Topics[i], true
		}
	}
	return nil, false
}

// TopicByAlias returns the topic that lists slug among its aliases (a
// former slug of the topic).
func (c *Config) TopicByAlias(slug string) (*Topic, bool) {
	if i, ok := c.aliasIdx[slug]; ok && i < len(c.Topics) && slices.Contains(c.Topics[i].Aliases, slug) {
		return &c.Topics[i], true
	}
	for i := range c.Topics {
		if slices.Contains(c.Topics[i].Aliases, slug) {
			return &c.Topics[i], true
		}
	}
	return nil, false
}

// ResolveTopic returns the topic whose slug is slug, else the one that
// has it as an alias; renamed is true in the second case.
func (c *Config) ResolveTopic(slug string) (t *Topic, renamed bool, ok bool) {
	if t, ok := c.Topic(slug); ok {
		return t, false, true
	}
	if t, ok := c.TopicByAlias(slug); ok {
		return t, true, true
	}
	return nil, false, false
}

// Location returns defaults.timezone loaded: the zone in which commands
// and pages show times to people. UTC when it names no loadable zone.
func (c *Config) Location() *time.Location {
	if c.Defaults.Timezone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(c.Defaults.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// EnvDatabase names the environment variable that overrides database:.
const EnvDatabase = "BANTIN_DATABASE"

// IsDatabaseURL reports whether database names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsDatabaseURL(database string) bool {
	l := strings.ToLower(database)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}
