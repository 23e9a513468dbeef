package aggregator

import (
	"testing"

	"bantin/db"
	"bantin/db/pgtest"
)

// TestOnPostgres runs tests written for SQLite once more with
// $BANTIN_DATABASE naming a fresh PostgreSQL schema (their config's
// database: is overridden).
func TestOnPostgres(t *testing.T) {
	pgtest.Again(t, db.EnvDatabase, map[string]func(*testing.T){
		"retention":               TestRetentionPrunesAndTombstones,
		"retention-removed":       TestRemovedSourceUnpublishedAndKeptForRetention,
		"write-merges-subscriber": TestWriteMergesSubscriberState,
		"tombstoned-reported":     TestPrunedItemsStillListedAreReported,
	})
}
