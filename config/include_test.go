package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestInclude(t *testing.T) {
	root := filepath.Join("..", "testdata", "config", "include")
	main := filepath.Join(root, "main.yaml")
	c, err := Load(main)
	if err != nil {
		t.Fatalf("Load(%s): %v", main, err)
	}
	absRoot, _ := filepath.Abs(root)

	var ids []string
	for _, s := range c.Sources {
		ids = append(ids, s.ID)
	}
	if want := []string{"main-feed", "a-one", "a-two", "b-one"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("source ids = %q, want %q (main first, then included files sorted)", ids, want)
	}
	var slugs []string
	for _, tp := range c.Topics {
		slugs = append(slugs, tp.Slug)
	}
	if want := []string{"main", "ha-noi"}; !reflect.DeepEqual(slugs, want) {
		t.Errorf("topic slugs = %q, want %q", slugs, want)
	}

	a1, _ := c.Source("a-one")
	a2, _ := c.Source("a-two")
	b1, _ := c.Source("b-one")
	hn, _ := c.Topic("ha-noi")
	checks := []struct {
		name      string
		got, want any
	}{
		{"included source pos", a1.Pos, Pos{filepath.Join(root, "sources", "a.yaml"), 2, 5}},
		{"included tag NFC", a1.Tags[0], "Hà Nội"},
		{"path relative to the included file", a2.URL, "file://" + filepath.ToSlash(filepath.Join(absRoot, "sources", "feeds", "two.xml"))},
		{"included source gets defaults", a2.Timezone, "Asia/Ho_Chi_Minh"},
		{"included source keeps own interval", b1.Interval.String(), "1h"},
		{"included topic pos", hn.Pos, Pos{filepath.Join(root, "topics.yaml"), 2, 5}},
		{"included rule pos", hn.Match.Any[1].Pos, Pos{filepath.Join(root, "topics.yaml"), 7, 11}},
		{"database relative to main file", c.Database, filepath.Join(absRoot, "data", "bantin.db")},
		{"files read", c.Files, []string{
			filepath.Join(absRoot, "main.yaml"),
			filepath.Join(absRoot, "sources", "a.yaml"),
			filepath.Join(absRoot, "sources", "b.yaml"),
			filepath.Join(absRoot, "topics.yaml"),
		}},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// writeFiles creates files (name -> content) under a new temporary
// directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // main.yaml is loaded
		want  []string          // DIR stands for the temporary directory
	}{
		{
			name:  "glob matches nothing",
			files: map[string]string{"main.yaml": "include: [missing/*.yaml]\n"},
			want:  []string{`DIR/main.yaml:1:11: include "missing/*.yaml" matches no file`},
		},
		{
			name:  "glob matches only a directory",
			files: map[string]string{"main.yaml": "include: [d*]\n", "dir/x": ""},
			want:  []string{`DIR/main.yaml:1:11: include "d*" matches no file`},
		},
		{
			name:  "bad glob pattern",
			files: map[string]string{"main.yaml": "include:\n  - \"[\"\n"},
			want:  []string{`DIR/main.yaml:2:5: include "[": syntax error in pattern`},
		},
		{
			name: "error names the included file and line",
			files: map[string]string{
				"main.yaml":  "include: [inc/*.yaml]\n",
				"inc/a.yaml": "sources:\n  - id: a\n    url: http://a/\n    titel: A\n",
			},
			want: []string{`DIR/inc/a.yaml:4:5: unknown key "titel" in source; did you mean "title"?`},
		},
		{
			name: "top-level keys other than sources and topics",
			files: map[string]string{
				"main.yaml":  "include: [a.yaml]\n",
				"a.yaml":     "listen: :1\ninclude: [b.yaml]\nsourcse: []\n",
				"b.yaml":     "sources: []\n",
				"unused.txt": "",
			},
			want: []string{
				`DIR/a.yaml:1:1: unknown key "listen" in an included file (an included file may only hold sources: and topics:)`,
				`DIR/a.yaml:2:1: unknown key "include" in an included file (an included file may only hold sources: and topics:)`,
				`DIR/a.yaml:3:1: unknown key "sourcse" in an included file; did you mean "sources"?`,
			},
		},
		{
			name: "duplicate source id across files",
			files: map[string]string{
				"main.yaml":  "include: [inc/*.yaml]\nsources:\n  - id: x\n    url: http://a/\n",
				"inc/a.yaml": "sources:\n  - id: y\n    url: http://y/\n",
				"inc/b.yaml": "sources:\n  - id: y\n    url: http://y2/\n  - id: x\n    url: http://x2/\n",
			},
			want: []string{
				`DIR/inc/b.yaml:2:9: duplicate source id "y" (first defined at DIR/inc/a.yaml:2:9)`,
				`DIR/inc/b.yaml:4:9: duplicate source id "x" (first defined at DIR/main.yaml:3:9)`,
			},
		},
		{
			name: "duplicate topic slug across files",
			files: map[string]string{
				"main.yaml": "include: [t.yaml]\ntopics:\n  - slug: kinh-te\n",
				"t.yaml":    "topics:\n  - slug: kinh-te\n",
			},
			want: []string{`DIR/t.yaml:2:11: duplicate topic slug "kinh-te" (first defined at DIR/main.yaml:3:11)`},
		},
		{
			name: "rule in included file refers to unknown source",
			files: map[string]string{
				"main.yaml": "include: [t.yaml]\nsources:\n  - id: known\n    url: http://k/\n",
				"t.yaml":    "topics:\n  - slug: t\n    match:\n      sources: [known, ghost]\n",
			},
			want: []string{`DIR/t.yaml:4:24: rule refers to unknown source "ghost"`},
		},
		{
			name: "main rule may use a source from an included file",
			files: map[string]string{
				"main.yaml": "include: [s.yaml]\ntopics:\n  - slug: t\n    match:\n      sources: [later]\n",
				"s.yaml":    "sources:\n  - id: later\n    url: http://l/\n",
			},
			want: nil,
		},
		{
			name: "yaml syntax error in included file",
			files: map[string]string{
				"main.yaml": "include: [bad.yaml]\n",
				"bad.yaml":  "sources:\n  - id: a\n   url: x\n",
			},
			// The badly indented line, not where the enclosing block began.
			want: []string{`DIR/bad.yaml:3:4: invalid YAML: did not find expected '-' indicator (check the indentation of this line)`},
		},
		{
			name: "errors sorted: main file first, then included files in read order",
			files: map[string]string{
				"main.yaml": "include: [b.yaml, a.yaml]\nbogus: 1\n",
				"a.yaml":    "bogus: 1\n",
				"b.yaml":    "bogus: 1\n",
			},
			want: []string{
				`DIR/main.yaml:2:1: unknown key "bogus" at top level (known keys: listen, base_url, database, defaults, include, websub, site, editors, sources, topics, allow_large_removal, fast_path)`,
				`DIR/b.yaml:1:1: unknown key "bogus" in an included file (known keys: sources, topics)`,
				`DIR/a.yaml:1:1: unknown key "bogus" in an included file (known keys: sources, topics)`,
			},
		},
		{
			name: "main file and repeated matches read once",
			files: map[string]string{
				"main.yaml":  "include: ['*.yaml', other.yaml]\nsources:\n  - id: m\n    url: http://m/\n",
				"other.yaml": "sources:\n  - id: o\n    url: http://o/\n",
			},
			want: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			_, err := Load(filepath.Join(dir, "main.yaml"))
			var got []string
			if err != nil {
				got = strings.Split(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "DIR/"), "\n")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestIncludeRelativeDisplay checks that an included file is named relative
// to how the main file was named, so messages stay short.
func TestIncludeRelativeDisplay(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"conf/main.yaml":        "include: [parts/*.yaml]\n",
		"conf/parts/topic.yaml": "topics:\n  - slug: Bad\n",
	})
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, filepath.Join(dir, "conf", "main.yaml"))
	if err != nil {
		t.Skip("temporary directory not reachable by a relative path")
	}
	_, err = Load(rel)
	want := filepath.Join(filepath.Dir(rel), "parts", "topic.yaml") +
		`:2:11: topic slug "Bad" may hold only lowercase letters a-z, digits and '-', and must not start with '-'`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
}

// TestIncludeBounds: a pattern too wide (a typo such as "/*/*") stops at
// 1,000 files or 64 MiB before reading them; a file over 16 MiB is refused
// unread; a file of size 0 is not read (the pseudo-files of /proc report
// 0 and may block), an empty file is fine and an unreadable one an error.
func TestIncludeBounds(t *testing.T) {
	const src = "sources:\n  - id: m\n    url: http://m/\n"
	sparse := func(t *testing.T, path string, size int64) {
		t.Helper()
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
	}
	load := func(t *testing.T, dir string) []string {
		t.Helper()
		_, err := Load(filepath.Join(dir, "main.yaml"))
		if err == nil {
			return nil
		}
		return strings.Split(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "DIR/"), "\n")
	}
	t.Run("too many files", func(t *testing.T) {
		files := map[string]string{"main.yaml": "include: [many/*.yaml]\n" + src}
		for i := range 1001 {
			files[fmt.Sprintf("many/%04d.yaml", i)] = ""
		}
		got := load(t, writeFiles(t, files))
		want := []string{`DIR/main.yaml:1:11: include "many/*.yaml": more than 1000 files or 64 MiB included (is the pattern too wide?)`}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("errors:\n got %q\nwant %q", got, want)
		}
	})
	t.Run("too many bytes, unread", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"main.yaml": "include: [a.yaml, big/*.yaml]\n" + src, "a.yaml": "sources: []\n"})
		if err := os.Mkdir(filepath.Join(dir, "big"), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			sparse(t, filepath.Join(dir, "big", fmt.Sprintf("%d.yaml", i)), 15<<20)
		}
		got := load(t, dir)
		want := []string{`DIR/main.yaml:1:19: include "big/*.yaml": more than 1000 files or 64 MiB included (is the pattern too wide?)`}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("errors:\n got %q\nwant %q", got, want)
		}
	})
	t.Run("one file too large, unread", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"main.yaml": "include: [big.yaml]\n" + src})
		sparse(t, filepath.Join(dir, "big.yaml"), 17<<20)
		got := load(t, dir)
		want := []string{`DIR/main.yaml:1:11: include: DIR/big.yaml is larger than 16 MiB`}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("errors:\n got %q\nwant %q", got, want)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		if got := load(t, writeFiles(t, map[string]string{"main.yaml": "include: [e.yaml]\n" + src, "e.yaml": ""})); got != nil {
			t.Errorf("errors %q, want none", got)
		}
	})
	t.Run("unreadable empty file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads any file")
		}
		dir := writeFiles(t, map[string]string{"main.yaml": "include: [e.yaml]\n" + src, "e.yaml": ""})
		if err := os.Chmod(filepath.Join(dir, "e.yaml"), 0); err != nil {
			t.Fatal(err)
		}
		got := load(t, dir)
		if len(got) != 1 || !strings.Contains(got[0], "permission denied") {
			t.Errorf("errors %q, want permission denied", got)
		}
	})
	t.Run("pseudo-file of size 0", func(t *testing.T) {
		const proc = "/proc/self/status" // not empty, but its size reads 0
		if st, err := os.Stat(proc); err != nil || st.Size() != 0 {
			t.Skip("no /proc/self/status of size 0")
		}
		if got := load(t, writeFiles(t, map[string]string{"main.yaml": "include: ['" + proc + "']\n" + src})); got != nil {
			t.Errorf("errors %q, want none (not read)", got)
		}
	})
}
