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
