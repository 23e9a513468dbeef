package websub

import (
	"testing"

	"bantin/db"
	"bantin/db/pgtest"
)

// TestOnPostgres runs tests written for SQLite once more with
// $BANTIN_DATABASE naming a fresh PostgreSQL schema (their config's
// database: is overridden), the several-instance ones among them.
func TestOnPostgres(t *testing.T) {
	pgtest.Again(t, db.EnvDatabase, map[string]func(*testing.T){
		"websub-subscriber": TestWebSubSubscriberAgainstTestHub,
		"websub-backoff":    TestWebSubSubscribeFailureBacksOff,
		"websub-unverified": TestWebSubUnverifiedSubscriptionBacksOff,
		"websub-forged":     TestWebSubForgedVerificationsRefused,
		"websub-once":       TestWebSubVerificationOncePerRequest,
		"websub-schedule":   TestWebSubPollingReturnsToNormalSchedule,
		"websub-daemon":     TestWebSubDaemonReturnsToNormalSchedule,
		"websub-drops-hub":  TestWebSubFeedDropsHub,
		"two-subscribers":   TestWebSubSubscribersShareOneDatabase,
		"two-silent":        TestWebSubSilentHubAskedOnceByTwoInstances,
		"two-announcers":    TestAnnouncersShareOneDatabase,
		"two-hubs":          TestHubsShareOneDatabase,
		"hub":               TestHubSubscribeDistributeUnsubscribe,
		"hub-bad-requests":  TestHubRejectsBadRequests,
		"hub-gone":          TestHubDropsGoneSubscriberAndTakesPublishPings,
		"hub-rename":        TestHubFollowsTopicRename,
		"hub-while-down":    TestHubPushesChangesMadeWhileDown,
		"hub-never-older":   TestHubNeverPushesAnOlderVersionLast,
		"announce":          TestNotifyHubs,
		"announce-restart":  TestNotifyHubsRetriesAndSurvivesRestart,
	})
}
