package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCuratePinOfRemovedSourceSaysSo: pinning an item whose source the
// config no longer lists stores the pin (it holds again when the source
// comes back) but says that the item is published nowhere meanwhile,
// instead of reporting a pin the feed does not show.
func TestCuratePinOfRemovedSourceSaysSo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		if r.URL.Path != "/feed.rss" {
			fmt.Fprint(w, `<rss version="2.0"><channel><title>Khác</title></channel></rss>`)
			return
		}
		fmt.Fprint(w, curationFeed("v1"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "bantin.yaml")
	write := func(sources string) {
		cfg := fmt.Sprintf(`base_url: http://bantin.test
database: c.db
defaults: {retention: 3650d}
allow_large_removal: true
sources:
  - {id: khac, url: '%s/khac.rss'}
%s
topics:
  - {slug: ha-noi, title: Hà Nội, match: {keywords: [ha noi]}}
`, srv.URL, sources)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(fmt.Sprintf("  - {id: tin, url: '%s/feed.rss', title: Tin Hà Nội}", srv.URL))
	mustRun(t, "poll", "-config", cfgPath)
	write("")
	code, out, errOut := runCLI(t, context.Background(), "curate", "pin", "ha-noi", "https://tin.example/3", "-config", cfgPath)
	if code != 0 || !strings.Contains(out, "pinned in ha-noi") {
		t.Fatalf("curate pin: exit %d\n%s%s", code, out, errOut)
	}
	if want := `source "tin" is not in the config`; !strings.Contains(errOut, want) {
		t.Errorf("curate pin of an item of a removed source: stderr %q, want it to say %q", errOut, want)
	}
	if got := publishedTitles(t, cfgPath, "ha-noi"); len(got) != 0 {
		t.Errorf("published: %q, want nothing of the removed source", got)
	}
}

// TestPreviewNamesPinsNotPublished: a pin: link of the config that leads
// no entry (no stored item has that link, or only items of a source the
// config no longer lists) is named by `bantin preview`, with the reason,
// instead of vanishing without a word.
func TestPreviewNamesPinsNotPublished(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, curationFeed("v1"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := tinConfig(srv.URL, "", "", "    match: {keywords: [ha noi]}\n    pin: [\"https://tin.example/4?utm_source=zalo\", \"https://tin.example/chua-co\"]\n")
	cfgPath := writeConfig(t, dir, cfg)
	mustRun(t, "poll", "-config", cfgPath)
	out := mustRun(t, "preview", "ha-noi", "-config", cfgPath)
	if !strings.Contains(out, "Giá vàng hôm nay đi ngang") {
		t.Errorf("the pinned item 4 is not previewed:\n%s", out)
	}
	if want := "pin https://tin.example/chua-co: not published: no stored item has this link"; !strings.Contains(out, want) {
		t.Errorf("preview does not name the pin that leads nothing (%q):\n%s", want, out)
	}
	if strings.Count(out, "not published") != 1 {
		t.Errorf("preview names a published pin as not published:\n%s", out)
	}
	// The source leaves the config: its pinned item shows nowhere.
	cut := strings.Replace(cfg, "  - {id: tin, url: '"+srv.URL+"/feed.rss', title: Tin Hà Nội}\n", "", 1)
	writeConfig(t, dir, "allow_large_removal: true\n"+cut)
	out = mustRun(t, "preview", "ha-noi", "-config", cfgPath)
	if want := `pin https://tin.example/4?utm_source=zalo: not published: its source "tin" is not in the config`; !strings.Contains(out, want) {
		t.Errorf("preview without the pinned item's source does not say %q:\n%s", want, out)
	}
}
