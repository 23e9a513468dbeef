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
		"retention":              TestRetentionPrunesAndTombstones,
		"retention-removed":      TestRemovedSourceUnpublishedAndKeptForRetention,
		"websub-disabled":        TestWebSubDisabled,
		"websub-drops-hub":       TestWebSubFeedDropsHub,
		"websub-forged":          TestWebSubForgedVerificationsRefused,
		"websub-verify-once":     TestWebSubVerificationOncePerRequest,
		"websub-daemon-schedule": TestWebSubDaemonReturnsToNormalSchedule,
		"websub-callback-words":  TestWebSubCallbackAnswersInWords,
		"websub-subscriber":      TestWebSubSubscriberAgainstTestHub,
		"websub-backoff":         TestWebSubSubscribeFailureBacksOff,
		"websub-unverified":      TestWebSubUnverifiedSubscriptionBacksOff,
	})
}
