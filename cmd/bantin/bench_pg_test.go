package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"bantin/db/pgtest"
)

// TestBenchPostgresPollerProcesses runs `bantin bench -database` small: the
// PostgreSQL phases run their pollers as separate processes (as instances
// of a desk run, each with its own memory limit), the three split the
// sources between them, and every figure of the contract is printed.
func TestBenchPostgresPollerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("bench: not in -short")
	}
	server, err := pgtest.Server()
	if err != nil {
		t.Fatal(err)
	}
	if server == "" {
		t.Skip(pgtest.HowTo)
	}
	const feeds = 24
	cmd := childCommand(context.Background(), "bench", "-hostile=false", "-feeds", strconv.Itoa(feeds), "-items", "5",
		"-sources", "30", "-dir", t.TempDir(), "-database", server)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bantin bench -database: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"PostgreSQL first ingest, 1 poller:", "PostgreSQL first ingest, 3 pollers:",
		"PostgreSQL re-poll of 30 unchanged sources"} {
		if !strings.Contains(text, want) {
			t.Errorf("bench output lacks %q:\n%s", want, text)
		}
	}
	m := regexp.MustCompile(`sources per poller \[(\d+) (\d+) (\d+)\]`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no split of the 3-poller ingest in:\n%s", text)
	}
	sum := 0
	for _, s := range m[1:] {
		n, _ := strconv.Atoi(s)
		sum += n
	}
	if sum != feeds {
		t.Errorf("the 3 pollers polled %v sources, want %d in all", m[1:], feeds)
	}
}
