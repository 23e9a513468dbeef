package db

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFetchMembershipsManyAndRepeated: a fetch's memberships are inserted
// together (several INSERTs of many rows on SQLite); each is stored once,
// in its position, with the tag counts right, whatever their number, and
// a slug repeated within an item counts once.
func TestFetchMembershipsManyAndRepeated(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	var tags, topics []string
	for i := range 131 { // 64 + 64 + 2 + 1 rows
		tags = append(tags, fmt.Sprintf("tag%03d", i))
	}
	for i := range 5 {
		topics = append(topics, fmt.Sprintf("topic%d", i))
	}
	big := mkItem("s", "big", 1, append(slices.Clone(tags), "tag007", "tag130"), append(slices.Clone(topics), "topic2")...)
	var items []Item
	items = append(items, big)
	for i := range 40 {
		items = append(items, mkItem("s", fmt.Sprintf("g%d", i), 2+i, []string{"tag000", "tag001", "tag000"}, "topic0"))
	}
	res := mustSave(t, d, "s", items...)
	if res.New != 41 {
		t.Fatalf("New = %d, want 41", res.New)
	}
	got, err := d.Item(ctx, res.IDs[0])
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, tg := range got.Tags {
		slugs = append(slugs, tg.Slug)
	}
	if !slices.Equal(slugs, tags) {
		t.Errorf("tags of the big item: %d, want the 131 in order once each\n got %q", len(slugs), slugs)
	}
	if !slices.Equal(got.Topics, topics) {
		t.Errorf("topics of the big item = %q, want %q", got.Topics, topics)
	}
	counts := tagCounts(t, d)
	for i, slug := range tags {
		want := 1
		if i <= 1 {
			want = 41
		}
		if counts[slug] != want {
			t.Errorf("tag %s count = %d, want %d", slug, counts[slug], want)
		}
	}
	page, err := d.TopicItems(ctx, "topic0", ItemQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 41 {
		t.Errorf("topic0 has %d items, want 41", len(page))
	}
	page, err = d.TagItems(ctx, "tag001", ItemQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 41 {
		t.Errorf("tag001 has %d items, want 41", len(page))
	}
}

// TestRepeatedGUIDKeepsLastMemberships: a GUID listed twice in one fetch
// with different content is stored as its last version, with that
// version's tags and topics only (the first version's memberships, which
// wait to be inserted with the fetch's others, must not outlive it).
func TestRepeatedGUIDKeepsLastMemberships(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	first := mkItem("s", "x", 1, []string{"a", "b"}, "p")
	second := mkItem("s", "x", 1, []string{"c"}, "q")
	second.Title, second.Hash = "Tiêu đề mới", "h-x2"
	other := mkItem("s", "y", 2, []string{"a"}, "p")
	res := mustSave(t, d, "s", first, other, second)
	if res.New != 2 || res.Updated != 0 {
		t.Errorf("New, Updated = %d, %d; want 2, 0", res.New, res.Updated)
	}
	items, err := d.ItemsByGUID(ctx, "x")
	if err != nil || len(items) != 1 {
		t.Fatalf("ItemsByGUID(x) = %d items, %v", len(items), err)
	}
	x, err := d.Item(ctx, items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if x.Title != "Tiêu đề mới" || len(x.Tags) != 1 || x.Tags[0].Slug != "c" || !slices.Equal(x.Topics, []string{"q"}) {
		t.Errorf("stored x: title %q, tags %v, topics %q; want the second version's (c, q)", x.Title, x.Tags, x.Topics)
	}
	if got, want := tagCounts(t, d), map[string]int{"a": 1, "c": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("tag counts = %v, want %v", got, want)
	}
	for slug, want := range map[string][]string{"p": {"y"}, "q": {"x"}} {
		page, err := d.TopicItems(ctx, slug, ItemQuery{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if got := guids(page); !slices.Equal(got, want) {
			t.Errorf("topic %s = %q, want %q", slug, got, want)
		}
	}
}

// TestMembershipForeignKeysAtCommit (SQLite): the memberships' foreign
// keys are checked at the commit; a membership of an item or tag that
// does not exist fails the transaction, which leaves nothing behind.
func TestMembershipForeignKeysAtCommit(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "s")
	mustSave(t, d, "s", mkItem("s", "x", 1, []string{"a"}, "p"))
	for _, q := range []string{
		`INSERT INTO item_tags (item_id, tag_slug, position, published) VALUES (999, 'a', 0, 1)`,
		`INSERT INTO item_tags (item_id, tag_slug, position, published) VALUES ((SELECT max(id) FROM items), 'nope', 1, 1)`,
		`INSERT INTO item_topics (item_id, topic_slug, position, published) VALUES (999, 'p', 0, 1)`,
	} {
		tx, err := d.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			t.Fatalf("%s: %v (the check should wait for the commit)", q, err)
		}
		if err := tx.Commit(); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
			t.Errorf("%s: commit error %v, want a foreign key failure", q, err)
		}
	}
	var n int
	if err := d.SQL().QueryRow(`SELECT (SELECT count(*) FROM item_tags) + (SELECT count(*) FROM item_topics)`).Scan(&n); err != nil || n != 2 {
		t.Errorf("memberships after the failed commits: %d, %v; want the 2 stored", n, err)
	}
	// The connection is usable again: the next write succeeds.
	mustSave(t, d, "s", mkItem("s", "y", 2, []string{"a"}, "p"))
	if got := tagCounts(t, d)["a"]; got != 2 {
		t.Errorf("tag a count = %d, want 2", got)
	}
}

// TestDeferredMembershipsMigration (SQLite): migration 14 rebuilds
// item_tags and item_topics with foreign keys checked at the commit,
// keeping every row, their indexes, and the triggers on them and on the
// tables whose triggers read them.
func TestDeferredMembershipsMigration(t *testing.T) {
	ctx := context.Background()
	old, ms := dbBefore(t, "0014_deferred_memberships.sql")
	exec := func(qs ...string) {
		t.Helper()
		for _, q := range qs {
			if _, err := old.SQL().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	exec(`INSERT INTO sources (id, config_url, url) VALUES ('s', 'http://a/', 'http://a/')`,
		`INSERT INTO items (id, source_id, guid, published) VALUES (1, 's', 'g1', 10), (2, 's', 'g2', 20)`,
		`INSERT INTO tags (slug, name, count) VALUES ('a', 'A', 2), ('b', 'B', 1)`,
		`INSERT INTO item_tags VALUES (1, 'a', 0, 10), (1, 'b', 1, 10), (2, 'a', 0, 20)`,
		`INSERT INTO item_topics VALUES (1, 't', 0, 10), (2, 't', 0, 20), (2, 'u', 1, 20)`)
	rowsOf := func(q string) []string {
		t.Helper()
		rows, err := old.SQL().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var a, b, c, e any
			if err := rows.Scan(&a, &b, &c, &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%v %v %v %v", a, b, c, e))
		}
		return out
	}
	const tagsQ = `SELECT item_id, tag_slug, position, published FROM item_tags ORDER BY item_id, tag_slug`
	const topicsQ = `SELECT item_id, topic_slug, position, published FROM item_topics ORDER BY item_id, topic_slug`
	tagsBefore, topicsBefore := rowsOf(tagsQ), rowsOf(topicsQ)

	if err := old.applyMigrations(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if from, to, took := old.Upgraded(); from != 13 || to != ms[len(ms)-1].Version || took <= 0 {
		t.Errorf("Upgraded() = %d, %d, %v; want 13, %d and the time taken", from, to, took, ms[len(ms)-1].Version)
	}
	fresh, err := Open(ctx, filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if from, _, _ := fresh.Upgraded(); from != 0 {
		t.Errorf("a new database reports an upgrade from %d, want none", from)
	}
	if got := rowsOf(tagsQ); !slices.Equal(got, tagsBefore) {
		t.Errorf("item_tags after the migration = %q, want %q", got, tagsBefore)
	}
	if got := rowsOf(topicsQ); !slices.Equal(got, topicsBefore) {
		t.Errorf("item_topics after the migration = %q, want %q", got, topicsBefore)
	}
	for name, want := range map[string]string{
		"item_tags":   "DEFERRABLE INITIALLY DEFERRED",
		"item_topics": "DEFERRABLE INITIALLY DEFERRED",
	} {
		var s string
		if err := old.SQL().QueryRow(`SELECT sql FROM sqlite_schema WHERE name = ?`, name).Scan(&s); err != nil || !strings.Contains(s, want) {
			t.Errorf("%s: %q, %v; want %s", name, s, err, want)
		}
	}
	for _, name := range []string{"item_tags_feed", "item_topics_feed", "item_tags_count_del", "feed_changes_tag_del",
		"feed_changes_topic_del", "feed_changes_item_upd", "feed_changes_item_del", "feed_changes_source_upd"} {
		var n int
		if err := old.SQL().QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = ?`, name).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d in the schema (%v), want 1", name, n, err)
		}
	}
	var legacy int
	if err := old.SQL().QueryRow(`PRAGMA legacy_alter_table`).Scan(&legacy); err != nil || legacy != 0 {
		t.Errorf("legacy_alter_table = %d, %v after the migration; want 0", legacy, err)
	}
	// The triggers still work: deleting item 1 removes its memberships,
	// counts its tags down and marks the feeds that showed it; a change
	// of item 2 marks its feeds.
	exec(`DELETE FROM feed_changes`, `DELETE FROM items WHERE id = 1`)
	if got, want := rowsOf(tagsQ), []string{"2 a 0 20"}; !slices.Equal(got, want) {
		t.Errorf("item_tags after deleting item 1 = %q, want %q", got, want)
	}
	var counts string
	if err := old.SQL().QueryRow(`SELECT group_concat(slug || '=' || count, ',') FROM (SELECT * FROM tags ORDER BY slug)`).Scan(&counts); err != nil || counts != "a=1,b=0" {
		t.Errorf("tag counts = %q, %v; want a=1,b=0", counts, err)
	}
	changed := func() string {
		t.Helper()
		var s sql.NullString
		if err := old.SQL().QueryRow(`SELECT group_concat(key, ',') FROM (SELECT key FROM feed_changes ORDER BY key)`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s.String
	}
	if got := changed(); got != "tag/a,tag/b,tags,topic/t" { // tags: b has no item left
		t.Errorf("feeds changed by the delete = %q, want tag/a,tag/b,tags,topic/t", got)
	}
	exec(`DELETE FROM feed_changes`, `UPDATE items SET title = 'x' WHERE id = 2`)
	if got := changed(); got != "tag/a,topic/t,topic/u" {
		t.Errorf("feeds changed by the update = %q, want tag/a,topic/t,topic/u", got)
	}
	exec(`DELETE FROM feed_changes`, `UPDATE sources SET title = 'S' WHERE id = 's'`)
	if got := changed(); got != "tag/a,topic/t,topic/u" {
		t.Errorf("feeds changed by the source's title = %q, want tag/a,topic/t,topic/u", got)
	}
	var fk int
	if err := old.SQL().QueryRow(`SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil || fk != 0 {
		t.Errorf("foreign_key_check rows = %d, %v; want 0", fk, err)
	}
}

// dbBefore returns a SQLite database at the schema before the migration
// named name, and all the migrations.
func dbBefore(t *testing.T, name string) (*DB, []migration) {
	t.Helper()
	return dbBeforeAt(t, filepath.Join(t.TempDir(), "old.db"), name)
}

// dbBeforeAt is dbBefore with the database file at path.
func dbBeforeAt(t *testing.T, path, name string) (*DB, []migration) {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m migration) bool { return m.Name == name })
	if i < 0 {
		t.Fatalf("no migration %s", name)
	}
	sdb, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	old := &DB{sql: sdb, wlock: make(chan struct{}, 1), now: time.Now}
	t.Cleanup(func() { old.Close() })
	if err := old.applyMigrations(context.Background(), ms[:i]); err != nil {
		t.Fatal(err)
	}
	return old, ms
}

// migrateEnv names the database file TestMigrateChild opens (and so
// migrates); unset, that test does nothing.
const migrateEnv = "BANTIN_DB_MIGRATE_CHILD"

// TestMigrateChild is the child process of TestKillNineDuringMigration.
func TestMigrateChild(t *testing.T) {
	path := os.Getenv(migrateEnv)
	if path == "" {
		t.Skip("helper process for TestKillNineDuringMigration")
	}
	fmt.Println("opening")
	d, err := Open(context.Background(), path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	d.Close()
	fmt.Println("migrated")
}

// startMigrateChild starts TestMigrateChild on path and returns it once
// it has printed "opening" (its next step is Open, which migrates), with
// the rest of its output.
func startMigrateChild(t *testing.T, path string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMigrateChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), migrateEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "opening" {
		t.Fatalf("child printed %q, want opening", sc.Text())
	}
	return cmd, sc
}

// TestKillNineDuringMigration (SQLite): a process SIGKILLed while
// migration 14 rebuilds the membership tables of a database of 60,000
// items (3,000 under the race detector) leaves it at the schema before,
// whole; the next open migrates it, every membership kept.
func TestKillNineDuringMigration(t *testing.T) {
	sqliteOnly(t)
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	ctx := context.Background()
	n := 60000
	if raceEnabled {
		n = 3000
	}
	dir := t.TempDir()
	orig := filepath.Join(dir, "v13.db")
	old, _ := dbBeforeAt(t, orig, "0014_deferred_memberships.sql")
	for _, q := range []string{
		`INSERT INTO sources (id, config_url, url) VALUES ('s', 'http://a/', 'http://a/')`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + strconv.Itoa(n) + `)
			INSERT INTO items (id, source_id, guid, link, title, published)
			SELECT i, 's', 'g' || i, 'https://x.example/a/' || i, 'Tin ' || i, 1700000000000000000 + (i * 7919 % 60000) * 1000000000 FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99) INSERT INTO tags (slug, name) SELECT 'tag-' || i, 'Tag ' || i FROM n`,
		`INSERT INTO item_tags SELECT id, 'tag-' || (id % 100), 0, published FROM items`,
		`INSERT INTO item_tags SELECT id, 'tag-' || ((id + 37) % 100), 1, published FROM items`,
		`INSERT INTO item_topics SELECT id, 'topic-' || (id % 5), 0, published FROM items`,
		`UPDATE tags SET count = (SELECT count(*) FROM item_tags WHERE tag_slug = slug)`,
	} {
		if _, err := old.SQL().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	// The first round migrates to the end, to time it; the others are
	// killed at 10%, 40% and 80% of that time.
	var full time.Duration
	for round, frac := range []float64{1, 0.1, 0.4, 0.8} {
		path := filepath.Join(dir, fmt.Sprintf("round%d.db", round))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd, sc := startMigrateChild(t, path)
		start := time.Now()
		if round > 0 {
			time.Sleep(time.Duration(frac * float64(full)))
			cmd.Process.Signal(syscall.SIGKILL)
		}
		var rest []string
		for sc.Scan() {
			rest = append(rest, sc.Text())
		}
		cmd.Wait()
		if round == 0 {
			full = time.Since(start)
			if !slices.Contains(rest, "migrated") {
				t.Fatalf("child: %q", rest)
			}
			t.Logf("migration run to its end in %v", full)
		} else {
			t.Logf("round %d: killed %v into the migration, child printed %q after", round, time.Since(start).Round(time.Millisecond), rest)
		}
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		var version, tags, topics, fk, counted int
		var ok, schema string
		for _, c := range []struct {
			q   string
			dst any
		}{
			{"PRAGMA user_version", &version},
			{"PRAGMA integrity_check", &ok},
			{"SELECT count(*) FROM item_tags", &tags},
			{"SELECT count(*) FROM item_topics", &topics},
			{"SELECT count(*) FROM pragma_foreign_key_check", &fk},
			{"SELECT sum(count) FROM tags", &counted},
			{"SELECT sql FROM sqlite_schema WHERE name = 'item_topics'", &schema},
		} {
			if err := d.SQL().QueryRow(c.q).Scan(c.dst); err != nil {
				t.Fatalf("round %d: %s: %v", round, c.q, err)
			}
		}
		d.Close()
		if version < 14 || ok != "ok" || tags != 2*n || topics != n || fk != 0 || counted != 2*n ||
			!strings.Contains(schema, "DEFERRABLE INITIALLY DEFERRED") {
			t.Errorf("round %d after reopening: version %d, integrity %q, %d tag and %d topic memberships (want %d, %d), %d foreign key faults, tag counts %d, item_topics %q",
				round, version, ok, tags, topics, 2*n, n, fk, counted, schema)
		}
	}
}
