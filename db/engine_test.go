package db

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bantin/db/pgtest"
)

// testEngine is the engine mustOpen opens: the package's tests run once on
// SQLite and, when a PostgreSQL server is available, once more on it.
var testEngine = "sqlite"

func TestMain(m *testing.M) {
	if code := m.Run(); code != 0 {
		os.Exit(code)
	}
	server, err := pgtest.Server()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if server == "" {
		fmt.Println("db: " + pgtest.HowTo)
		os.Exit(0)
	}
	fmt.Println("db: the same tests again on PostgreSQL")
	testEngine = "postgres"
	os.Exit(m.Run())
}

// openFresh opens an empty database of the engine under test and returns
// it with its path or URL.
func openFresh(tb testing.TB) (*DB, string) {
	tb.Helper()
	var dsn string
	if testEngine == "postgres" {
		dsn = pgtest.URL(tb)
	} else {
		dsn = filepath.Join(tb.TempDir(), "sub", "bantin.db")
	}
	d, err := Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("Open(%q): %v", Redact(dsn), err)
	}
	tb.Cleanup(func() { d.Close() })
	return d, dsn
}

// openTwo opens an empty database and a second instance on it, as two
// bantin processes sharing one PostgreSQL database do.
func openTwo(tb testing.TB) (a, b *DB) {
	tb.Helper()
	a, dsn := openFresh(tb)
	b, err := Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("Open(%q) again: %v", Redact(dsn), err)
	}
	tb.Cleanup(func() { b.Close() })
	return a, b
}

// sqliteOnly skips a test of SQLite's own machinery (PRAGMAs, the file)
// on the PostgreSQL run.
func sqliteOnly(tb testing.TB) {
	tb.Helper()
	if testEngine != "sqlite" {
		tb.Skip("SQLite only")
	}
}

// postgresOnly skips a test on the SQLite run.
func postgresOnly(tb testing.TB) {
	tb.Helper()
	if testEngine != "postgres" {
		tb.Skip("PostgreSQL only")
	}
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"a = ?1 OR b = ?1 AND c = ?2", "a = $1 OR b = $1 AND c = $2"},
		{"x = '?' AND y = ? -- ?\n AND z = ?", "x = '?' AND y = $1 -- ?\n AND z = $2"},
		{`"q?" = ? $$ ? $$`, `"q?" = $1 $$ ? $$`},
	} {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsPostgresAndRedact(t *testing.T) {
	for in, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://h/db": true, "POSTGRES://h": true,
		"bantin.db": false, "/var/lib/postgres/x.db": false, "./postgres:/x": false,
	} {
		if IsPostgres(in) != want {
			t.Errorf("IsPostgres(%q) = %v", in, !want)
		}
	}
	if got := Redact("postgres://u:secret@h:5432/db?sslmode=disable"); got != "postgres://u:xxxxx@h:5432/db?sslmode=disable" {
		t.Errorf("Redact = %q", got)
	}
}

func TestPostgresInstancesStartingTogetherMigrateOnce(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	dsn := pgtest.URL(t)
	const n = 4
	errs := make(chan error, n)
	dbs := make(chan *DB, n)
	for range n {
		go func() {
			d, err := Open(ctx, dsn)
			errs <- err
			dbs <- d
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Open of one of %d instances starting together: %v", n, err)
		}
		if d := <-dbs; d != nil {
			defer d.Close()
		}
	}
	d, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var rows, v int
	if err := d.SQL().QueryRow(`SELECT count(*), max(version) FROM bantin_schema`).Scan(&rows, &v); err != nil {
		t.Fatal(err)
	}
	ms, _ := loadMigrations(pgMigrationFS, "migrations_pg")
	if rows != 1 || v != ms[len(ms)-1].Version {
		t.Errorf("bantin_schema: %d rows, version %d; want 1 row, version %d", rows, v, ms[len(ms)-1].Version)
	}
	mustSync(t, d, "a")
	if seq, err := d.ChangeSeq(ctx); err != nil || seq <= 1 {
		t.Errorf("ChangeSeq = %d, %v; want a large number (creation time in ms, bumped)", seq, err)
	}
}

func TestPostgresRefusesNewerSchemaAndReadOnlyCreatesNothing(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	empty := pgtest.URL(t)
	if _, err := OpenReadOnly(ctx, empty); err == nil {
		t.Error("OpenReadOnly of an empty schema succeeded, want an error naming the missing schema")
	}
	raw, err := Open(ctx, pgtest.URL(t)) // a second schema only to query the first
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var tables int
	if err := raw.SQL().QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = ?`,
		schemaOf(t, empty)).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("after OpenReadOnly the empty schema holds %d tables (%v), want 0", tables, err)
	}

	d, dsn := openFresh(t)
	if _, err := d.SQL().Exec(`UPDATE bantin_schema SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, dsn)
	if err == nil || !strings.Contains(err.Error(), "newer than this bantin") {
		t.Errorf("Open of a newer schema: err = %v, want one saying it is newer", err)
	}
}

func schemaOf(t *testing.T, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}

func TestRecordFeedVersionKeepsTheFirstTime(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	t1, t2 := t0, t0.Add(time.Second)
	if got, err := d.RecordFeedVersion(ctx, "topic/a.rss", `"x"`, t1); err != nil || !got.Equal(t1) {
		t.Fatalf("first record = %v, %v; want %v", got, err, t1)
	}
	// Another replica rendered the same bytes a second later.
	if got, _ := d.RecordFeedVersion(ctx, "topic/a.rss", `"x"`, t2); !got.Equal(t1) {
		t.Errorf("same bytes recorded later = %v, want the first time %v", got, t1)
	}
	if got, _ := d.RecordFeedVersion(ctx, "topic/a.rss", `"y"`, t2); !got.Equal(t2) {
		t.Errorf("new bytes = %v, want %v", got, t2)
	}
}
