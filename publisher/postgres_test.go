package publisher

import (
	"testing"

	"bantin/db"
	"bantin/db/pgtest"
)

// TestOnPostgres runs the hub's and curation's tests once more on a fresh
// PostgreSQL schema ($BANTIN_DATABASE, which fixture.DB follows).
func TestOnPostgres(t *testing.T) {
	pgtest.Again(t, db.EnvDatabase, map[string]func(*testing.T){
		"websub-notify":         TestNotifyHubs,
		"websub-notify-restart": TestNotifyHubsRetriesAndSurvivesRestart,
		"websub-hub":            TestHubSubscribeDistributeUnsubscribe,
		"websub-hub-gone":       TestHubDropsGoneSubscriberAndTakesPublishPings,
		"websub-hub-while-down": TestHubPushesChangesMadeWhileDown,
		"websub-hub-order":      TestHubNeverPushesAnOlderVersionLast,
		"websub-hub-bad":        TestHubRejectsBadRequests,
		"websub-hub-advertised": TestHubAdvertised,
		"websub-hub-rename":     TestHubFollowsTopicRename,
		"curation-rename":       TestCurationsFollowRename,
	})
}
