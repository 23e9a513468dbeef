package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bantin/config"
)

// TestImportOPMLNamesOutlinesWithoutURL: outlines meant as feeds that
// have no feed URL are counted and named, never dropped silently.
func TestImportOPMLNamesOutlinesWithoutURL(t *testing.T) {
	const summary = `imported 2 sources, skipped 0 duplicates; skipped 3 outlines without a feed URL: "No url here" in Tech, "Thời sự", (untitled)`
	many := `<opml version="2.0"><body><outline type="rss" text="Feed" xmlUrl="https://f.example/rss"/>`
	for _, n := range []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7"} {
		many += `<outline type="rss" text="` + n + `"/>`
	}
	manyPath := filepath.Join(t.TempDir(), "many.opml")
	writeFile(t, manyPath, many+"</body></opml>")
	tests := map[string]struct {
		opml       string
		code       int
		stdout     string // substring
		stderrTail string
	}{
		"summary names them": {
			opml: opmlFixture("missing-urls.opml"), code: 0, stdout: "id: go-blog",
			stderrTail: "skipped outline without a feed URL: \"No url here\" in Tech\n" +
				"skipped outline without a feed URL: \"Thời sự\"\n" +
				"skipped outline without a feed URL: (untitled)\n" + summary + "\n",
		},
		"long lists are cut": {
			opml: manyPath, code: 0, stdout: "id: feed",
			stderrTail: `imported 1 source, skipped 0 duplicates; skipped 7 outlines without a feed URL: "m1", "m2", "m3", "m4", "m5", and 2 more` + "\n",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runOPML(t, tt.opml, "-config", filepath.Join(t.TempDir(), "none.yaml"))
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tt.code, errOut)
			}
			if !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out)
			}
			if !strings.HasSuffix(errOut, tt.stderrTail) {
				t.Errorf("stderr:\n%s\nwant it to end with:\n%s", errOut, tt.stderrTail)
			}
		})
	}

	// Only outlines without a URL: an error that names them.
	dir := t.TempDir()
	only := filepath.Join(dir, "only.opml")
	writeFile(t, only, `<opml version="2.0"><body><outline type="rss" text="No url here"/><outline text="Blank" xmlUrl=""/></body></opml>`)
	code, _, errOut := runOPML(t, only, "-config", filepath.Join(dir, "none.yaml"))
	want := `only.opml lists no feeds: 2 outlines without a feed URL: "No url here", "Blank"`
	if code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, want)
	}
}

// TestImportOPMLIntoEmptyConfig: a config that is empty or only comments
// (which Load refuses) is where a first import goes.
func TestImportOPMLIntoEmptyConfig(t *testing.T) {
	tests := map[string]string{
		"zero bytes":    "",
		"only comments": "# bantin config, to be filled\n",
		"only settings": "listen: 127.0.0.1:9090\n",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			cfgPath := filepath.Join(t.TempDir(), "bantin.yaml")
			writeFile(t, cfgPath, content)
			if code, out, errOut := runOPML(t, opmlFixture("newsboat.opml"), "-config", cfgPath); code != 0 || !strings.Contains(out, "- id: ") {
				t.Fatalf("print: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			if code, _, errOut := runOPML(t, opmlFixture("newsboat.opml"), "-config", cfgPath, "-write"); code != 0 {
				t.Fatalf("-write: exit %d\nstderr: %s", code, errOut)
			}
			b, _ := os.ReadFile(cfgPath)
			if !strings.HasPrefix(string(b), content) {
				t.Errorf("the file's start changed:\n%s", b)
			}
			cfg, err := config.Load(cfgPath)
			if err != nil {
				t.Fatalf("Load after -write: %v\n%s", err, b)
			}
			if len(cfg.Sources) != 4 {
				t.Errorf("Load after -write: %d sources, want 4\n%s", len(cfg.Sources), b)
			}
		})
	}
}
