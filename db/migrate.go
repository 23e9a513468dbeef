package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded schema step; Version n is file 000n_*.sql.
type migration struct {
	Version int
	Name    string
	SQL     string
}

// migrations returns the embedded migrations in version order. File names
// must start with a positive number and the numbers must be 1, 2, 3, ...
func migrations() ([]migration, error) {
	return loadMigrations(migrationFS, "migrations")
}

// loadMigrations reads the migrations dir/NNNN_*.sql of fsys in version
// order, checking that they are numbered 1, 2, 3, ...
func loadMigrations(fsys embed.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_description.sql", base)
		}
		body, err := fsys.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{Version: v, Name: base, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.Name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this binary writes (the number of the
// newest embedded migration).
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// migrate applies pending migrations in order, each in its own transaction
// together with the PRAGMA user_version that records it. The version is
// re-read inside each transaction, so two processes opening a fresh file at
// once do not apply a step twice.
func (d *DB) migrate(ctx context.Context) error {
	if d.pg {
		return d.migratePG(ctx)
	}
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("db: %w", err)
	}
	return d.applyMigrations(ctx, ms)
}

// applyMigrations is migrate with the list of migrations given, for tests.
func (d *DB) applyMigrations(ctx context.Context, ms []migration) error {
	known := 0
	if len(ms) > 0 {
		known = ms[len(ms)-1].Version
	}
	cur, err := userVersion(ctx, d.sql)
	if err != nil {
		return fmt.Errorf("db: read schema version: %w", err)
	}
	if cur > known {
		return fmt.Errorf("db: database schema version %d is newer than this bantin knows (%d): use a newer bantin or another database file", cur, known)
	}
	if cur > 0 && cur < known {
		start := time.Now()
		defer func() { d.upgrade = upgrade{from: cur, to: known, took: time.Since(start)} }()
	}
	for _, m := range ms {
		if m.Version <= cur {
			continue
		}
		err := d.write(ctx, func(tx *sql.Tx) error {
			v, err := userVersion(ctx, tx)
			if err != nil {
				return err
			}
			if v >= m.Version {
				return nil // applied meanwhile by another process
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			// PRAGMA takes no bound parameters; Version is an int.
			_, err = tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version))
			return err
		})
		if err != nil {
			return fmt.Errorf("db: apply migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// upgrade is what Open's migrations did to an existing database.
type upgrade struct {
	from, to int
	took     time.Duration
}

// Upgraded reports the schema versions Open migrated an existing SQLite
// database from and to, and how long that took; from is 0 when Open found
// the schema current (or created the file).
func (d *DB) Upgraded() (from, to int, took time.Duration) {
	return d.upgrade.from, d.upgrade.to, d.upgrade.took
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func userVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, err
	}
	return v, nil
}
