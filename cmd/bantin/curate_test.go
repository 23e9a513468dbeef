package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"bantin/config"
	"bantin/db"
	"bantin/internal/testenv"
	"bantin/publisher"
)

// curationFeed is an upstream whose items' text can be changed.
func curationFeed(version string) string {
	return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin Hà Nội</title><link>https://tin.example/</link><language>vi</language>
<item><title>Hà Nội mở rộng phố đi bộ</title><link>https://tin.example/1</link><guid>t1</guid><pubDate>Wed, 25 Nov 2026 10:00:00 +0700</pubDate><description>Phố đi bộ Hồ Gươm ` + version + `</description><category>Đô thị</category></item>
<item><title>Hà Nội khai mạc lễ hội mùa thu</title><link>https://tin.example/2</link><guid>t2</guid><pubDate>Tue, 24 Nov 2026 10:00:00 +0700</pubDate><description>Lễ hội ` + version + `</description></item>
<item><title>Thời tiết Hà Nội trở lạnh</title><link>https://tin.example/3</link><guid>t3</guid><pubDate>Mon, 23 Nov 2026 10:00:00 +0700</pubDate><description>Không khí lạnh ` + version + `</description></item>
<item><title>Giá vàng hôm nay đi ngang</title><link>https://tin.example/4</link><guid>t4</guid><pubDate>Mon, 23 Nov 2026 09:00:00 +0700</pubDate><description>Vàng SJC ` + version + `</description></item>
</channel></rss>`
}

// publishedTitles returns the titles of the topic's JSON feed as served.
func publishedTitles(t *testing.T, cfgPath, slug string) []string {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv := httptest.NewServer(publisher.New(cfg, store, nil).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/topics/" + slug + ".json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var f struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range f.Items {
		titles = append(titles, it.Title)
	}
	return titles
}

// TestCurationSurvivesRepollAndRuleChange pins and hides items of a topic
// with `bantin curate`, then updates the items upstream, re-polls, and
// changes the topic's rule: the pinned item still leads and the hidden one
// stays out. It also checks `curate list` and the golden outputs of
// `explain` and `preview`.
func TestCurationSurvivesRepollAndRuleChange(t *testing.T) {
	version := "v1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, curationFeed(version))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "bantin.yaml")
	writeCfg := func(keywords string) {
		writeConfig(t, dir, tinConfig(srv.URL, "", "",
			fmt.Sprintf("    match: {any: [{keywords: [%s]}]}\n    hide: [\"https://tin.example/4\"]\n", keywords)))
	}
	writeCfg(`"ha noi", "gia vang"`)
	mustRun(t, "poll", "-config", cfgPath)
	all := []string{"Hà Nội mở rộng phố đi bộ", "Hà Nội khai mạc lễ hội mùa thu", "Thời tiết Hà Nội trở lạnh"}
	if got := publishedTitles(t, cfgPath, "ha-noi"); strings.Join(got, "|") != strings.Join(all, "|") {
		t.Fatalf("before curation: %q, want %q (item 4 hidden by the YAML)", got, all)
	}

	// Flags after the positional arguments work too.
	mustRun(t, "curate", "pin", "ha-noi", "https://tin.example/3", "-config", cfgPath)
	mustRun(t, "curate", "-config", cfgPath, "hide", "ha-noi", "https://tin.example/1")
	want := []string{"Thời tiết Hà Nội trở lạnh", "Hà Nội khai mạc lễ hội mùa thu"}
	check := func(stage string) {
		t.Helper()
		if got := publishedTitles(t, cfgPath, "ha-noi"); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: published %q, want %q (pinned first, hidden absent)", stage, got, want)
		}
	}
	check("after curation")

	// Re-poll with every item's content changed: updated in place.
	version = "v2"
	out := mustRun(t, "poll", "-all", "-config", cfgPath)
	if !strings.Contains(out, "0 new items, 4 updated") {
		t.Fatalf("re-poll: want 4 items updated:\n%s", out)
	}
	check("after a re-poll that updated the items")

	// A rule change recomputes membership; curation stays.
	writeCfg(`"ha noi", "thoi tiet", "le hoi"`)
	mustRun(t, "poll", "-config", cfgPath)
	check("after a rule change")

	list := mustRun(t, "curate", "list", "ha-noi", "-config", cfgPath)
	for _, w := range []string{"pin", "hide", "Thời tiết Hà Nội trở lạnh", "bantin curate", "config " + cfgPath + ":10", "https://tin.example/4"} {
		if !strings.Contains(list, w) {
			t.Errorf("curate list lacks %q:\n%s", w, list)
		}
	}

	// Goldens name the config file as $DIR/bantin.yaml.
	clean := func(s string) string { return strings.ReplaceAll(s, dir, "$DIR") }
	golden(t, "explain-ha-noi-item2.golden", clean(mustRun(t, "explain", "ha-noi", "https://tin.example/2", "-config", cfgPath)))
	golden(t, "explain-ha-noi-item4.golden", clean(mustRun(t, "explain", "-config", cfgPath, "ha-noi", "https://tin.example/4")))
	golden(t, "preview-ha-noi.golden", clean(mustRun(t, "preview", "ha-noi", "-config", cfgPath)))

	mustRun(t, "curate", "unhide", "ha-noi", "https://tin.example/1", "-config", cfgPath)
	want = []string{"Thời tiết Hà Nội trở lạnh", "Hà Nội mở rộng phố đi bộ", "Hà Nội khai mạc lễ hội mùa thu"}
	check("after unhide")

	if code, _, errOut := runCLI(t, context.Background(), "curate", "pin", "no-such-topic", "1", "-config", cfgPath); code == 0 || !strings.Contains(errOut, "no-such-topic") {
		t.Errorf("curate on an unknown topic: exit %d, stderr %q", code, errOut)
	}
}

// golden compares got with testdata/golden/cmd/NAME, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testenv.Golden(t, "testdata/golden/cmd/"+name, []byte(got))
}
