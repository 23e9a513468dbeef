package db

import (
	"context"
	"testing"
	"time"
)

// TestWatchChanges: on PostgreSQL a write through another connection is
// announced as it commits, a write in another schema is not, and a lost
// listening connection is replaced (announcing once that it may have
// missed something); on SQLite WatchChanges returns at once.
func TestWatchChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, dsn := openFresh(t)
	if !d.Postgres() {
		if err := d.WatchChanges(ctx, time.Millisecond, func() { t.Error("called on SQLite") }); err != nil {
			t.Errorf("WatchChanges on SQLite: %v", err)
		}
		return
	}
	writer, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	other, _ := openFresh(t) // another schema
	mustSync(t, writer, "s")
	mustSync(t, other, "s")
	calls := make(chan struct{}, 100)
	go d.WatchChanges(ctx, 50*time.Millisecond, func() { calls <- struct{}{} })
	wait := func(what string) {
		t.Helper()
		select {
		case <-calls:
		case <-time.After(2 * time.Second):
			t.Fatalf("no call within 2 s %s", what)
		}
	}
	wait("once listening")
	mustSave(t, other, "s", mkItem("s", "x", 1, nil))
	select {
	case <-calls:
		t.Fatal("called for a write in another schema")
	case <-time.After(300 * time.Millisecond):
	}
	mustSave(t, writer, "s", mkItem("s", "a", 1, nil))
	wait("after a write")
	// The listening connection is lost.
	if _, err := writer.sql.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query = 'LISTEN ` + notifyChannel + `' AND pid != pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	wait("after the connection was lost") // the reconnection's catch-up call
	for len(calls) > 0 {
		<-calls
	}
	mustSave(t, writer, "s", mkItem("s", "b", 2, nil))
	wait("after a write on the new connection")
}
