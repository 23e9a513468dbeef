package web

import (
	"testing"

	"bantin/db"
	"bantin/db/pgtest"
)

// TestOnPostgres runs the search tests once more with $BANTIN_DATABASE
// naming a fresh PostgreSQL schema (the test config's database: is
// overridden): the same queries find the same items in the same order.
func TestOnPostgres(t *testing.T) {
	pgtest.Again(t, db.EnvDatabase, map[string]func(*testing.T){
		"search-vietnamese": TestSearchVietnamese,
		"search-filters":    TestSearchFiltersAndRanking,
		"search-pages":      TestSearchPagesAndFeeds,
		"search-bad":        TestSearchBadRequests,
	})
}
