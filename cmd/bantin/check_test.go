package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	misspelt := filepath.Join("..", "..", "testdata", "config", "misspelt.yaml")
	tests := map[string]struct {
		args     []string
		code     int
		contains string
	}{
		"misspelt key names file, line and column": {
			args: []string{"check", "-config", misspelt}, code: 1,
			contains: "misspelt.yaml:7:5: unknown key \"intervall\" in source; did you mean \"interval\"?",
		},
		"valid demo config": {
			args: []string{"check", "-config", filepath.Join("..", "..", "examples", "demo.yaml")}, code: 0,
			contains: "ok (5 sources, 3 topics)",
		},
		"real Vietnamese feeds example": {
			args: []string{"check", "-config", filepath.Join("..", "..", "examples", "vietnam.yaml")}, code: 0,
			contains: "ok (",
		},
		// config/keys_test.go proves allkeys.yaml sets every key of the
		// schema: check accepts each of them.
		"every key of the schema": {
			args: []string{"check", "-config", filepath.Join("..", "..", "config", "testdata", "allkeys.yaml")}, code: 0,
			contains: "ok (2 sources, 2 topics)",
		},
		"missing file": {
			args: []string{"check", "-config", "does-not-exist.yaml"}, code: 1,
			contains: "does-not-exist.yaml",
		},
		"unknown flag is a usage error": {
			args: []string{"check", "-nope"}, code: 2,
			contains: "-nope",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCLI(t, context.Background(), tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out+errOut, tc.contains) {
				t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", tc.contains, out, errOut)
			}
		})
	}
}

func TestHelpOnEverySubcommand(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, context.Background(), c.name, "-h")
			if code != 0 || !strings.Contains(errOut, "Usage: bantin "+c.name) {
				t.Errorf("bantin %s -h: exit %d, stderr %q", c.name, code, errOut)
			}
		})
	}
}
