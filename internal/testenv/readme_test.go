package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEPackageMap: the package map in README.md names every directory
// of the module that holds Go code, and everything it names exists.
func TestREADMEPackageMap(t *testing.T) {
	root := ModuleRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)## Package map\n+```\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no ## Package map code block")
	}
	named := map[string]bool{}
	for _, line := range strings.Split(string(block[1]), "\n") {
		// "dir/   what it does" or "a/, b/   what they do"
		head, _, _ := strings.Cut(line, "  ")
		for _, p := range strings.Split(head, ",") {
			if p = strings.TrimSpace(p); p != "" {
				named[strings.TrimSuffix(p, "/")] = true
			}
		}
	}
	for p := range named {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
			t.Errorf("the package map names %s, which does not exist", p)
		}
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); rel != "." && !named[rel] {
			t.Errorf("the package map in README.md does not name %s/", rel)
			named[rel] = true // once
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
