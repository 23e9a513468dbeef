package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func configFixture(name string) string { return filepath.Join("..", "..", "testdata", "config", name) }

// TestCheckReportsCulprit: `bantin check` names FILE:LINE:COL of the
// mistake for YAML syntax errors, refuses empty configs, and says when a
// duration is out of range.
func TestCheckReportsCulprit(t *testing.T) {
	tests := map[string]struct {
		file, want string
	}{
		"bad indentation": {"yaml-bad-indent.yaml",
			"yaml-bad-indent.yaml:4:4: invalid YAML: did not find expected '-' indicator (check the indentation of this line)"},
		"unclosed flow list": {"yaml-unclosed-list.yaml",
			"yaml-unclosed-list.yaml:4:11: invalid YAML: did not find expected ',' or ']' (the list opened here is not closed with ])"},
		"tab at column 1": {"yaml-tab.yaml",
			"yaml-tab.yaml:2:1: invalid YAML: found character that cannot start any token (YAML is indented with spaces, not tabs)"},
		"latin-1 bytes": {"yaml-latin1.yaml",
			"yaml-latin1.yaml:4:15: invalid YAML: the file must be UTF-8, but byte 0xE9 here is not valid UTF-8 (saved as Latin-1 or windows-125x? convert the file to UTF-8)"},
		"unknown alias": {"yaml-unknown-alias.yaml",
			`yaml-unknown-alias.yaml:5:11: invalid YAML: unknown anchor "nope": no &nope is defined before this alias`},
		"empty file": {"empty.yaml",
			"empty.yaml: no sources and no topics: is the file empty or truncated?"},
		"only comments": {"comments-only.yaml",
			"comments-only.yaml: no sources and no topics: is the file empty or truncated?"},
		"interval overflow": {"interval-overflow.yaml",
			`interval-overflow.yaml:5:15: interval: invalid duration "9999999999h": out of range (the longest duration is about 292 years: 106751d or 2562047h); bantin polls a source at least every max_interval (24h unless set)`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := configFixture(tt.file)
			code, out, errOut := runCLI(t, context.Background(), "check", "-config", path)
			if code != 1 {
				t.Errorf("exit %d, want 1\nstdout: %s", code, out)
			}
			want := filepath.Dir(path) + string(filepath.Separator) + tt.want + "\n"
			if errOut != want {
				t.Errorf("stderr:\n got %q\nwant %q", errOut, want)
			}
		})
	}
}

// TestFlagsBeforeCommand: flags may stand before the command too; help
// on a command shows that command's usage.
func TestFlagsBeforeCommand(t *testing.T) {
	demo := filepath.Join("..", "..", "examples", "demo.yaml")
	tests := map[string]struct {
		args         []string
		code         int
		stdout       string // substring
		stderr       string // substring
		notInStderr  string
		stderrPrefix string
	}{
		"config before check":               {args: []string{"-config", demo, "check"}, code: 0, stdout: "ok (5 sources, 3 topics)"},
		"config= before check":              {args: []string{"-config=" + demo, "check"}, code: 0, stdout: "ok (5 sources, 3 topics)"},
		"bool and value flags before check": {args: []string{"-log-json", "--config", demo, "check"}, code: 0, stdout: "ok ("},
		"flags on both sides":               {args: []string{"-log-level", "warn", "check", "-config", demo}, code: 0, stdout: "ok ("},
		"before check, failing config": {args: []string{"-config", configFixture("misspelt.yaml"), "check"}, code: 1,
			stderr: `misspelt.yaml:7:5: unknown key "intervall"`},
		"flags and no command": {args: []string{"-config", demo}, code: 2,
			stderrPrefix: "bantin: -config: no command given; flags go with a command: bantin COMMAND [flags] (e.g. bantin check -config " + demo + ")"},
		"flag and unknown word": {args: []string{"-config", demo, "chekc"}, code: 2, stderr: "no command given"},
		"help check":            {args: []string{"help", "check"}, code: 0, stderrPrefix: "Usage: bantin check [flags]", notInStderr: "Commands:"},
		"help import-opml":      {args: []string{"help", "import-opml"}, code: 0, stderrPrefix: "Usage: bantin import-opml [flags] FILE", stderr: "-write"},
		"-h check":              {args: []string{"-h", "check"}, code: 0, stderrPrefix: "Usage: bantin check [flags]"},
		"help alone":            {args: []string{"help"}, code: 0, stderr: "Commands:"},
		"help unknown":          {args: []string{"help", "nope"}, code: 2, stderrPrefix: `bantin: unknown command "nope"`},
		"no arguments":          {args: nil, code: 2, stderr: "Commands:"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCLI(t, context.Background(), tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out)
			}
			if !strings.Contains(errOut, tt.stderr) || !strings.HasPrefix(errOut, tt.stderrPrefix) {
				t.Errorf("stderr lacks %q (prefix %q):\n%s", tt.stderr, tt.stderrPrefix, errOut)
			}
			if tt.notInStderr != "" && strings.Contains(errOut, tt.notInStderr) {
				t.Errorf("stderr has %q:\n%s", tt.notInStderr, errOut)
			}
		})
	}
}

// TestBoolFlagsAreKnown keeps boolFlags in step with the commands' flags:
// moving a command after its flags must know which flags take a value.
func TestBoolFlagsAreKnown(t *testing.T) {
	line := regexp.MustCompile(`^  -(\S+)(?: (\S+))?$`)
	for _, c := range commands {
		_, _, errOut := runCLI(t, context.Background(), c.name, "-h")
		for _, l := range strings.Split(errOut, "\n") {
			m := line.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			isBool := m[2] == ""
			if boolFlags[m[1]] != isBool {
				t.Errorf("%s: flag -%s takes a value: %v, but boolFlags says %v", c.name, m[1], !isBool, boolFlags[m[1]])
			}
		}
	}
}
