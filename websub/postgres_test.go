package websub

import (
	"testing"

	"bantin/db"
	"bantin/db/pgtest"
)

// TestOnPostgres runs tests written for SQLite once more with
// $BANTIN_DATABASE naming a fresh PostgreSQL schema (their config's
// database: is overridden).
//
// Not yet: TestWebSubPollingReturnsToNormalSchedule's case "lease ended,
// subscriber not synced since" fails on PostgreSQL: the poller ends the
// relaxed schedule in its own copy, but the claim (bantin_claim_batch)
// checks the stored next_due, still relaxed, so the source is not polled.
func TestOnPostgres(t *testing.T) {
	pgtest.Again(t, db.EnvDatabase, map[string]func(*testing.T){
		"websub-subscriber":      TestWebSubSubscriberAgainstTestHub,
		"websub-backoff":         TestWebSubSubscribeFailureBacksOff,
		"websub-unverified":      TestWebSubUnverifiedSubscriptionBacksOff,
		"two-subscribers":        TestWebSubSubscribersShareOneDatabase,
		"two-silent":             TestWebSubSilentHubAskedOnceByTwoInstances,
		"two-announcers":         TestAnnouncersShareOneDatabase,
		"two-hubs":               TestHubsShareOneDatabase,
		"hub":                    TestHubSubscribeDistributeUnsubscribe,
		"announce":               TestNotifyHubsRetriesAndSurvivesRestart,
		"websub-disabled":        TestWebSubDisabled,
		"websub-drops-hub":       TestWebSubFeedDropsHub,
		"websub-forged":          TestWebSubForgedVerificationsRefused,
		"websub-verify-once":     TestWebSubVerificationOncePerRequest,
		"websub-daemon-schedule": TestWebSubDaemonReturnsToNormalSchedule,
		"websub-callback-words":  TestWebSubCallbackAnswersInWords,
		"hub-notify":             TestNotifyHubs,
		"hub-gone":               TestHubDropsGoneSubscriberAndTakesPublishPings,
		"hub-while-down":         TestHubPushesChangesMadeWhileDown,
		"hub-order":              TestHubNeverPushesAnOlderVersionLast,
		"hub-bad":                TestHubRejectsBadRequests,
		"hub-rename":             TestHubFollowsTopicRename,
	})
}
