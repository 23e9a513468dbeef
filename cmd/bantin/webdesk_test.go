package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"bantin/internal/testenv"
	"bantin/web"
)

// TestDaemonServesPagesSearchAndDesk: `bantin run` serves the topic page
// and search (items become searchable within seconds of being polled);
// /desk exists only once editors are configured (on SIGHUP).
func TestDaemonServesPagesSearchAndDesk(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<rss version="2.0"><channel><title>A</title><language>vi</language>
<item><title>Đại hội Đảng tại TP.HCM</title><link>https://a.example/1</link><guid>a1</guid></item>
<item><title>Giá vàng đang tăng</title><link>https://a.example/2</link><guid>a2</guid></item></channel></rss>`)
	}))
	defer upstream.Close()
	dir := t.TempDir()
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "bantin.yaml")
	cfg := fmt.Sprintf("base_url: http://%s\ndatabase: d.db\ndefaults: {retention: 3650d}\nsite: {title: Bàn tin thử}\nsources:\n  - {id: a, url: '%s/a.rss'}\ntopics:\n  - {slug: thoi-su, title: Thời sự, match: {keywords: [dai hoi]}}\n", addr, upstream.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := serveChild(t, "run", cfgPath, addr)
	base := "http://" + addr
	body := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	testenv.WaitFor(t, "the item to be searchable", 20*time.Second, func() bool {
		code, b := body("/search?q=TPHCM")
		return code == 200 && strings.Contains(b, "Đại hội Đảng tại TP.HCM")
	})
	if _, b := body("/search?q=%C4%90%E1%BA%A3ng"); strings.Contains(b, "Giá vàng") || !strings.Contains(b, "Đại hội") {
		t.Errorf("search Đảng found the wrong items:\n%s", b)
	}
	if code, b := body("/topics/thoi-su"); code != 200 || !strings.Contains(b, "Đại hội Đảng tại TP.HCM") || !strings.Contains(b, "Bàn tin thử") {
		t.Errorf("topic page: %d\n%s", code, b)
	}
	if code, _ := body("/desk/login"); code != 404 {
		t.Errorf("/desk/login without editors: %d, want 404", code)
	}
	hash, err := web.HashPassword("mật khẩu")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(cfg+fmt.Sprintf("editors:\n  - {name: lan, password: '%s'}\n", hash)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the desk after reload", 10*time.Second, func() bool {
		code, b := body("/desk/login")
		return code == 200 && strings.Contains(b, `name="password"`)
	})
}
