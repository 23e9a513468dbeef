package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestSyncSourcesSettingsDropValidators: a change of the settings that
// change what is stored drops the cache validators (the next poll re-reads
// the feed); the same settings, or none given, keep them. A new config URL
// clears Fed, so autodiscovery may run again.
func TestSyncSourcesSettingsDropValidators(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	sync := func(url, settings string) Source {
		t.Helper()
		if err := d.SyncSources(ctx, []SourceSpec{{ID: "s", URL: url, Settings: settings}}); err != nil {
			t.Fatal(err)
		}
		s, err := d.Source(ctx, "s")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	validate := func() {
		t.Helper()
		s, _ := d.Source(ctx, "s")
		s.ETag, s.LastModified, s.Fed = `"e"`, "Mon, 02 Nov 2026 10:00:00 GMT", true
		if err := d.SaveSourceState(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	sync("http://s.test/feed", "retention=90d")
	validate()
	for _, step := range []struct {
		name, url, settings string
		keep, fed           bool
	}{
		{"same settings", "http://s.test/feed", "retention=90d", true, true},
		{"no settings given", "http://s.test/feed", "", true, true},
		{"retention raised", "http://s.test/feed", "retention=3650d", false, true},
		{"new URL", "http://s.test/other", "retention=3650d", false, false},
	} {
		s := sync(step.url, step.settings)
		if kept := s.ETag != "" && s.LastModified != ""; kept != step.keep {
			t.Errorf("%s: validators %q/%q, want kept = %v", step.name, s.ETag, s.LastModified, step.keep)
		}
		if s.Fed != step.fed {
			t.Errorf("%s: Fed = %v, want %v", step.name, s.Fed, step.fed)
		}
		validate()
	}
}

// TestMigrationMarksFedSources: a database from before Fed existed counts
// every source that has succeeded as fed, so that upgrading does not open
// healthy sources to autodiscovery again.
func TestMigrationMarksFedSources(t *testing.T) {
	ctx := context.Background()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m migration) bool { return m.Name == "0007_source_safety.sql" })
	if i < 0 {
		t.Fatal("no migration 0007_source_safety.sql")
	}
	// A database at the schema before the migration.
	sdb, err := sql.Open("sqlite", DSN(filepath.Join(t.TempDir(), "old.db")))
	if err != nil {
		t.Fatal(err)
	}
	old := &DB{sql: sdb, wlock: make(chan struct{}, 1), now: time.Now}
	t.Cleanup(func() { old.Close() })
	if err := old.applyMigrations(ctx, ms[:i]); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO sources (id, config_url, url, last_success) VALUES ('ok', 'http://a/', 'http://a/', 5)`,
		`INSERT INTO sources (id, config_url, url, last_success) VALUES ('never', 'http://b/', 'http://b/', 0)`,
	} {
		if _, err := old.SQL().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.applyMigrations(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"ok": true, "never": false} {
		s, err := old.Source(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Fed != want {
			t.Errorf("source %s: Fed = %v after the migration, want %v", id, s.Fed, want)
		}
	}
}

// TestRecoveredItemKeepsLongerText: an item read from a repaired document
// never replaces a stored one whose title, summary or content is longer;
// it does replace one it makes longer, and a normal item always does.
func TestRecoveredItemKeepsLongerText(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "src")
	stored := mkItem("src", "a", 1, nil)
	stored.Summary = "<p>Nội dung đầy đủ</p>"
	mustSave(t, d, "src", stored)

	cut := stored
	cut.Summary, cut.Hash, cut.Recovered = "<p>Nội d</p>", "h-cut", true
	if res := mustSave(t, d, "src", cut); res.Updated != 0 {
		t.Errorf("a recovered item with a shorter summary updated the stored one")
	}
	empty := stored
	empty.Summary, empty.Hash, empty.Recovered = "", "h-empty", true
	if res := mustSave(t, d, "src", empty); res.Updated != 0 {
		t.Errorf("a recovered item with an empty summary updated the stored one")
	}
	longer := stored
	longer.Summary, longer.Hash, longer.Recovered = "<p>Nội dung đầy đủ, thêm ảnh</p>", "h-longer", true
	if res := mustSave(t, d, "src", longer); res.Updated != 1 {
		t.Errorf("a recovered item with a longer summary did not update the stored one")
	}
	edited := stored
	edited.Summary, edited.Hash = "<p>Ngắn</p>", "h-edited"
	if res := mustSave(t, d, "src", edited); res.Updated != 1 {
		t.Errorf("a normal item with a shorter summary did not update the stored one")
	}
	items, err := d.ItemsByGUID(ctx, "a")
	if err != nil || len(items) != 1 || items[0].Summary != "<p>Ngắn</p>" {
		t.Errorf("stored item: %+v, %v", items, err)
	}
}
