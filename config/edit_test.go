package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestAddSourcesRestoresWhenReloadFails: when the written file does not
// load, the original content is put back (a file AddSources created is
// removed), and no temporary file is left behind.
func TestAddSourcesRestoresWhenReloadFails(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "bantin.yaml")
	orig := "# keep me\nsources:\n  - id: a\n    url: https://a.example/\n"
	if err := os.WriteFile(cfgPath, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	existing, err := Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	reload = func(path string) (*Config, error) {
		return nil, errors.New("config: simulated failure")
	}
	defer func() { reload = Load }()
	add := []SourceEntry{{ID: "b", URL: "https://b.example/rss", Title: "B"}}
	err = AddSources(cfgPath, []byte(orig), true, existing.Sources, add)
	if err == nil || err.Error() != "the edited config does not load, "+cfgPath+" restored: config: simulated failure" {
		t.Errorf("AddSources = %v", err)
	}
	if b, _ := os.ReadFile(cfgPath); string(b) != orig {
		t.Errorf("file not restored:\n%s", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left behind: %v", ents)
	}

	// A config AddSources created is removed again.
	newPath := filepath.Join(dir, "new.yaml")
	if err := AddSources(newPath, nil, false, nil, add); err == nil {
		t.Errorf("new config: AddSources = nil, want the reload error")
	}
	if _, err := os.Stat(newPath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("new config left behind after a failed reload: %v", err)
	}
}

// FuzzInsertSources checks InsertSources on any config that loads:
// either it refuses, or the result loads with the new sources added and
// differs from the input only by one inserted block (and at most the few
// bytes of an empty "~", "null" or "[]" value).
func FuzzInsertSources(f *testing.F) {
	for _, seed := range []string{
		"", "# c\n", "listen: 127.0.0.1:8080",
		"sources:\n  - id: a\n    url: https://a.example/\n# end\ntopics: []\n",
		"sources:\n- id: a\n  url: https://a.example/\n  tags:\n  - x\n",
		"sources: []\n", "sources: ~ # none\nlisten: 127.0.0.1:1\n", "sources:\n",
		"sources:\n  - id: a\n    url: https://a.example/\n    title: |\n      x\n      # y\n\n  # c\n\ntopics:\n  - slug: t\n    match:\n      keywords: [x]\n",
		"\r\nsources:\r\n  - {id: a, url: 'https://a.example/'}\r\n",
		"sources:\n  - &s\n    id: a\n    url: https://a.example/\n",
		"\rsources:\rx-0000: 000000000000000000000000000",
		"\xff\xfe", " x-00: 00000",
		"sources:\n  - id: a\n    url: https://a.example/\n    title: \"x\u2028y\"\n",
	} {
		f.Add(seed)
	}
	sources := []SourceEntry{
		{ID: "new-one", URL: "https://n1.example/rss", Title: `Tin "mới": #1`, Tags: []string{"Hà Nội", "a, b"}},
		{ID: "new-two", URL: "https://n2.example/rss"},
	}
	dir := f.TempDir()
	path := filepath.Join(dir, "bantin.yaml")
	f.Fuzz(func(t *testing.T, data string) {
		old, err := Parse([]byte(data), path)
		if err != nil {
			return
		}
		for _, s := range old.Sources {
			if s.ID == "new-one" || s.ID == "new-two" {
				return
			}
		}
		out, err := InsertSources([]byte(data), sources)
		if err != nil {
			return // refusing is allowed; the file is then left alone
		}
		cfg, err := Parse(out, path)
		if err != nil {
			t.Fatalf("result does not load: %v\ninput:\n%q\noutput:\n%q", err, data, out)
		}
		if len(cfg.Sources) != len(old.Sources)+2 || len(cfg.Topics) != len(old.Topics) {
			t.Fatalf("%d sources and %d topics, want %d and %d\ninput:\n%q\noutput:\n%q",
				len(cfg.Sources), len(cfg.Topics), len(old.Sources)+2, len(old.Topics), data, out)
		}
		if s, ok := cfg.Source("new-one"); !ok || s.Title != sources[0].Title || !reflect.DeepEqual(s.Tags, sources[0].Tags) {
			t.Fatalf("new-one = %+v\noutput:\n%q", s, out)
		}
		// Line by line: a block of lines is inserted, and at most one line,
		// the one holding the emptied sources: value, is changed.
		a, b := strings.SplitAfter(data, "\n"), strings.SplitAfter(string(out), "\n")
		p := 0
		for p < len(a) && p < len(b) && a[p] == b[p] {
			p++
		}
		s := 0
		for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
			s++
		}
		switch changed := len(a) - p - s; {
		case changed == 0:
		case changed == 1 && strings.Contains(a[p], "sources:"),
			changed == 1 && p == len(a)-1 && !strings.HasSuffix(a[p], "\n"): // a line break added
		default:
			t.Fatalf("%d lines changed, want at most one\ninput:\n%q\noutput:\n%q", changed, data, out)
		}
	})
}
