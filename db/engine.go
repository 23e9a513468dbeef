package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// EnvDatabase names the environment variable that overrides the config's
// database: (a file path or a PostgreSQL URL).
const EnvDatabase = "BANTIN_DATABASE"

// IsPostgres reports whether database names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(database string) bool {
	l := strings.ToLower(database)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Redact returns database fit for logs and messages: a URL's password is
// replaced by xxxxx; a file path is returned as is.
func Redact(database string) string {
	if !IsPostgres(database) {
		return database
	}
	u, err := url.Parse(database)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// Postgres reports whether d is a PostgreSQL database.
func (d *DB) Postgres() bool { return d.pg }

// Engine names d's engine: "sqlite" or "postgres".
func (d *DB) Engine() string {
	if d.pg {
		return "postgres"
	}
	return "sqlite"
}

//go:embed migrations_pg/*.sql
var pgMigrationFS embed.FS

// openPostgres opens the PostgreSQL database at dsn. Unless readOnly, it
// applies pending migrations under an advisory lock; readOnly sessions run
// with default_transaction_read_only and never create anything. With
// existing (and readOnly), a database without bantin's schema is an error
// rather than created.
func openPostgres(ctx context.Context, dsn string, readOnly, existing bool) (*DB, error) {
	name := Redact(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", name, err)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "bantin"
	}
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	sdb := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(8)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{sql: sdb, wlock: make(chan struct{}, 1), now: time.Now, pg: true, dsn: dsn}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("db: open %s: %w", name, err)
	}
	if readOnly || existing {
		var n int
		err := sdb.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_name = 'bantin_schema'`).Scan(&n)
		if err == nil && n == 0 {
			err = errors.New("no bantin schema in this database (run bantin run or poll once, or migrate-db)")
		}
		if err != nil {
			sdb.Close()
			return nil, fmt.Errorf("db: open %s: %w", name, err)
		}
		if readOnly {
			return d, nil
		}
	}
	if err := d.migratePG(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return d, nil
}

// migratePG applies the pending PostgreSQL migrations in one transaction
// that holds an advisory lock of the schema: instances starting together
// wait for each other, and the first applies what the others then find
// applied.
func (d *DB) migratePG(ctx context.Context) error {
	ms, err := loadMigrations(pgMigrationFS, "migrations_pg")
	if err != nil {
		return fmt.Errorf("db: %w", err)
	}
	known := ms[len(ms)-1].Version
	err = d.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('bantin migrate ' || current_schema()))`); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bantin_schema (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM bantin_schema`).Scan(&cur); err != nil {
			return err
		}
		if cur > known {
			return fmt.Errorf("database schema version %d is newer than this bantin knows (%d): use a newer bantin or another database", cur, known)
		}
		for _, m := range ms {
			if m.Version <= cur {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.Name, err)
			}
		}
		if cur == known {
			return nil
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM bantin_schema; INSERT INTO bantin_schema (version) VALUES (`+fmt.Sprint(known)+`)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("db: migrate %s: %w", Redact(d.dsn), err)
	}
	return nil
}

// pgRetryable reports whether err is a PostgreSQL serialization failure or
// deadlock: the transaction was rolled back and may be run again.
func pgRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
