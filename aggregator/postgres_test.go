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
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"websub-subscriber", TestWebSubSubscriberAgainstTestHub},
		{"websub-backoff", TestWebSubSubscribeFailureBacksOff},
		{"websub-unverified", TestWebSubUnverifiedSubscriptionBacksOff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(db.EnvDatabase, pgtest.URL(t))
			tc.fn(t)
		})
	}
}
