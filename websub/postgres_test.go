package websub

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
		"websub-normal-schedule": TestWebSubPollingReturnsToNormalSchedule,
		"websub-callback-words":  TestWebSubCallbackAnswersInWords,
		"hub-notify":             TestNotifyHubs,
		"hub-gone":               TestHubDropsGoneSubscriberAndTakesPublishPings,
		"hub-while-down":         TestHubPushesChangesMadeWhileDown,
		"hub-order":              TestHubNeverPushesAnOlderVersionLast,
		"hub-bad":                TestHubRejectsBadRequests,
		"hub-rename":             TestHubFollowsTopicRename,
	})
}
