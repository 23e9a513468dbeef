// Package pgtest gives tests a fresh PostgreSQL schema on the server named
// by $BANTIN_TEST_POSTGRES (scripts/pg-cluster.sh starts a throwaway one;
// .ci/run does so in CI).
//
// Outside CI, tests that need PostgreSQL skip with a line saying how to run
// them; in CI (CI=true) a missing server fails them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable holding the server's URL.
const Env = "BANTIN_TEST_POSTGRES"

// HowTo is the one line printed when PostgreSQL tests are skipped.
const HowTo = "PostgreSQL tests skipped: set " + Env + "=postgres://... " +
	"(export " + Env + "=$(scripts/pg-cluster.sh start /tmp/pg) starts a throwaway cluster)"

// Server returns the server URL; "" outside CI when none is set; an error
// in CI when none is set.
func Server() (string, error) {
	u := os.Getenv(Env)
	if u == "" && os.Getenv("CI") == "true" {
		return "", fmt.Errorf("pgtest: %s is not set in CI: .ci/run starts a PostgreSQL cluster and sets it", Env)
	}
	return u, nil
}

// URL returns the URL of a new, empty schema on the test server (its
// search_path), dropped when tb ends. Without a server it skips tb (or
// fails it in CI).
func URL(tb testing.TB) string {
	tb.Helper()
	server, err := Server()
	if err != nil {
		tb.Fatal(err)
	}
	if server == "" {
		tb.Skip(HowTo)
	}
	u, drop, err := NewSchema(server)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(drop)
	return u
}

// NewSchema creates a schema with a random name on server and returns a
// URL that uses it, and a function that drops it.
func NewSchema(server string) (string, func(), error) {
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", nil, fmt.Errorf("pgtest: connect to %s: %w", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("pgtest: create schema: %w", err)
	}
	pu, err := url.Parse(server)
	if err != nil {
		return "", nil, fmt.Errorf("pgtest: %s: %w", Env, err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	}
	return pu.String(), drop, nil
}

// Again runs tests written for SQLite once more, each as a subtest (in
// name order) with the environment variable env (db.EnvDatabase, which
// overrides a config's database:) naming a fresh PostgreSQL schema, so the
// same commands are checked on both engines.
func Again(t *testing.T, env string, tests map[string]func(*testing.T)) {
	names := make([]string, 0, len(tests))
	for name := range tests {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Setenv(env, URL(t))
			tests[name](t)
		})
	}
}
