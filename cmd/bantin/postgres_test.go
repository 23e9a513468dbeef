package main

import (
	"testing"

	"bantin/db"
	"bantin/db/pgtest"
)

// TestOnPostgres runs end-to-end tests written for SQLite once more with
// $BANTIN_DATABASE naming a fresh PostgreSQL schema: the same commands give
// the same results on both engines.
func TestOnPostgres(t *testing.T) {
	pgtest.Again(t, db.EnvDatabase, map[string]func(*testing.T){
		"curation":           TestCurationSurvivesRepollAndRuleChange,
		"curation-link":      TestCurateCoversEveryItemOfALink,
		"curation-removed":   TestCuratePinOfRemovedSourceSaysSo,
		"curation-rename":    TestTopicRenameKeepsCurationsAndSubscribers,
		"retention":          TestRetentionSkipsAreReportedAndRecoverable,
		"poll-force":         TestPollForce,
		"search-desk-daemon": TestDaemonServesPagesSearchAndDesk,
		"reload-rename-hub":  TestDaemonReloadRenamesTopicUnderHubAndFastPath,
	})
}
