package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSourcesAndTimesInDefaultZone: `bantin sources` shows each source's
// stored item count and newest item date, and NEW counts the last attempt
// (0 after a 304); sources, preview, explain and curate list print times in
// defaults.timezone with the UTC offset.
func TestSourcesAndTimesInDefaultZone(t *testing.T) {
	var notModified atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/empty.rss" {
			fmt.Fprint(w, `<rss version="2.0"><channel><title>Trống</title></channel></rss>`)
			return
		}
		if notModified.Load() {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, curationFeed("v1"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, tinConfig(srv.URL, ", timezone: Asia/Tokyo",
		fmt.Sprintf("  - {id: empty, url: '%s/empty.rss'}\n", srv.URL), "    match: {keywords: [ha noi]}\n"))
	mustRun(t, "poll", "-config", cfgPath)
	notModified.Store(true)
	mustRun(t, "poll", "-all", "-config", cfgPath)

	var views []sourceView
	if err := json.Unmarshal([]byte(mustRun(t, "sources", "-json", "-config", cfgPath)), &views); err != nil || len(views) != 2 {
		t.Fatalf("sources -json: %v, %d sources", err, len(views))
	}
	newest := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC) // 10:00 +0700
	empty, tin := views[0], views[1]
	if empty.ID != "empty" || empty.Items != 0 || !empty.NewestItem.IsZero() {
		t.Errorf("sources -json empty: %+v; want 0 items, no newest item", empty)
	}
	if tin.ID != "tin" || tin.Status != 304 || tin.New != 0 || tin.Items != 4 || !tin.NewestItem.Equal(newest) {
		t.Errorf("sources -json tin: status %d, new %d, items %d, newest %v; want 304, 0 new (last attempt), 4 items, newest %v",
			tin.Status, tin.New, tin.Items, tin.NewestItem, newest)
	}
	table := mustRun(t, "sources", "-config", cfgPath)
	lines := strings.Split(table, "\n")
	if !strings.Contains(lines[0], "ITEMS") || !strings.Contains(lines[0], "NEWEST ITEM") {
		t.Errorf("sources table header lacks ITEMS / NEWEST ITEM:\n%s", table)
	}
	row := regexp.MustCompile(`(?m)^tin +ok +304 +\S+ \S+ +0 +0 +4 +2026-11-25 12:00:00 \+09:00 `)
	if !row.MatchString(table) {
		t.Errorf("sources table: want tin with NEW 0, 4 items, newest 2026-11-25 12:00:00 +09:00:\n%s", table)
	}
	if !regexp.MustCompile(`(?m)^empty +ok +200 +\S+ \S+ +0 +0 +0 +- `).MatchString(table) {
		t.Errorf("sources table: want empty with 0 items and no newest item:\n%s", table)
	}

	stampRE := `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00`
	preview := mustRun(t, "preview", "ha-noi", "-config", cfgPath)
	if !strings.Contains(preview, "2026-11-25 12:00:00 +09:00") {
		t.Errorf("preview does not show the newest item at 2026-11-25 12:00:00 +09:00:\n%s", preview)
	}
	explain := mustRun(t, "explain", "ha-noi", "https://tin.example/2", "-config", cfgPath)
	if !strings.Contains(explain, "published 2026-11-24 12:00:00 +09:00") {
		t.Errorf("explain does not show the item's date in Asia/Tokyo:\n%s", explain)
	}
	mustRun(t, "curate", "pin", "ha-noi", "https://tin.example/3", "-config", cfgPath)
	list := mustRun(t, "curate", "list", "-config", cfgPath)
	if !regexp.MustCompile(`bantin curate \(` + stampRE + `\)`).MatchString(list) {
		t.Errorf("curate list: want the curation time with +09:00:\n%s", list)
	}
	explain = mustRun(t, "explain", "ha-noi", "https://tin.example/3", "-config", cfgPath)
	if !regexp.MustCompile(`curation: pin \(bantin curate, ` + stampRE + `\)`).MatchString(explain) {
		t.Errorf("explain: want the curation time with +09:00:\n%s", explain)
	}
}

// TestCheckRefusesURLWithoutScheme: `bantin check` names FILE:LINE:COL of a
// source url written without its scheme and suggests the https:// form;
// a path starting with ../ is a local file.
func TestCheckRefusesURLWithoutScheme(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "config", "no-scheme.yaml")
	code, out, errOut := runCLI(t, context.Background(), "check", "-config", path)
	want := path + `:4:10: url "vnexpress.net/rss/tin-moi-nhat.rss" has no scheme: did you mean "https://vnexpress.net/rss/tin-moi-nhat.rss"? (a local file starts with ./, ../ or /)`
	if code != 1 || strings.TrimSpace(out+errOut) != want {
		t.Errorf("check: exit %d\n%s%s\nwant exit 1 and\n%s", code, out, errOut, want)
	}
}
