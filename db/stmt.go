package db

import (
	"context"
	"database/sql"
	"sync"
)

// txRunner runs the statements of a transaction: a *sql.Tx, or an
// itemWriter, which runs them prepared.
type txRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmtCache holds the statements the writer runs over and over, prepared
// once on the database handle: database/sql prepares each once per
// connection that runs it, and a transaction takes the connection's
// prepared form (txStmt) instead of parsing the SQL again.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// txStmt returns query prepared, for tx (closed with it).
func (d *DB) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	c := &d.stmts
	c.mu.Lock()
	st := c.m[query]
	if st == nil {
		var err error
		if st, err = d.sql.PrepareContext(ctx, query); err != nil {
			c.mu.Unlock()
			return nil, err
		}
		if c.m == nil {
			c.m = map[string]*sql.Stmt{}
		}
		c.m[query] = st
	}
	c.mu.Unlock()
	return tx.StmtContext(ctx, st), nil
}
