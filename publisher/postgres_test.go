package publisher

import (
	"testing"

	"bantin/db"
	"bantin/db/pgtest"
)

// TestOnPostgres runs the hub advertisement's and curation's tests once
// more on a fresh PostgreSQL schema ($BANTIN_DATABASE, which fixture.DB
// follows).
func TestOnPostgres(t *testing.T) {
	pgtest.Again(t, db.EnvDatabase, map[string]func(*testing.T){
		"hub-advertised":  TestHubAdvertised,
		"curation-rename": TestCurationsFollowRename,
	})
}
