package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bantin/db/pgtest"
)

// TestMigrateDBToPostgresAndBack polls a SQLite desk, copies it with
// `migrate-db -to postgres://...`, reads a topic from PostgreSQL, and copies
// it back with `-from` into a new SQLite file: same feed, counts verified.
func TestMigrateDBToPostgresAndBack(t *testing.T) {
	pgURL := pgtest.URL(t)
	dir := t.TempDir()
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://x.test/</link>
<item><title>Bão số 3 đổ bộ</title><link>http://x.test/1</link><guid>1</guid><pubDate>Mon, 30 Nov 2026 08:00:00 +0700</pubDate><category>Thời tiết</category></item>
<item><title>Giá vàng tăng</title><link>http://x.test/2</link><guid>2</guid><pubDate>Mon, 30 Nov 2026 09:00:00 +0700</pubDate></item>
</channel></rss>`
	cfg := "database: a.db\nsources:\n  - id: a\n    url: ./feed.xml\ntopics:\n  - slug: news\n    title: News\n    match:\n      any:\n        - keywords: [\"bão\", \"vàng\"]\n"
	for name, body := range map[string]string{"feed.xml": feed, "bantin.yaml": cfg} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "bantin.yaml")
	ctx := context.Background()
	if code, _, errOut := runCLI(t, ctx, "poll", "-config", cfgPath); code != 0 {
		t.Fatalf("poll: %d %s", code, errOut)
	}
	_, want, _ := runCLI(t, ctx, "preview", "-config", cfgPath, "news")

	code, out, errOut := runCLI(t, ctx, "migrate-db", "-config", cfgPath, "-to", pgURL)
	if code != 0 || !strings.Contains(out, "every count matches") || !strings.Contains(out, "items                         2 rows copied") {
		t.Fatalf("migrate-db -to: %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, ctx, "migrate-db", "-config", cfgPath, "-to", pgURL); code == 0 || !strings.Contains(errOut, "not empty") {
		t.Errorf("migrate-db into a non-empty database: %d %s, want refused", code, errOut)
	}
	t.Setenv("BANTIN_DATABASE", pgURL)
	if _, got, _ := runCLI(t, ctx, "preview", "-config", cfgPath, "news"); got != want {
		t.Errorf("preview on PostgreSQL:\n%s\nwant (SQLite):\n%s", got, want)
	}
	t.Setenv("BANTIN_DATABASE", filepath.Join(dir, "b.db"))
	if code, out, errOut := runCLI(t, ctx, "migrate-db", "-config", cfgPath, "-from", pgURL); code != 0 || !strings.Contains(out, "every count matches") {
		t.Fatalf("migrate-db -from: %d\n%s%s", code, out, errOut)
	}
	if _, got, _ := runCLI(t, ctx, "preview", "-config", cfgPath, "news"); got != want {
		t.Errorf("preview on the copied-back SQLite:\n%s\nwant:\n%s", got, want)
	}
}
