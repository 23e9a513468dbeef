package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/unicode/norm"

	"bantin/internal/testenv"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "feeds", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEndToEnd polls an httptest upstream of Vietnamese and English RSS and
// Atom feeds (one windows-1258, one NFD), serves, and checks the published
// feeds; then re-polls to check conditional requests and in-place updates.
func TestEndToEnd(t *testing.T) {
	testenv.SkipShort(t, "end to end: a real daemon polling and serving (about 5 s)")
	up := testenv.NewUpstream(t)
	up.Set("/ktdt.rss", readFixture(t, "kinhtedothi-thoi-su.rss"), "application/rss+xml; charset=utf-8")
	up.Set("/baocu.rss", readFixture(t, "baocu-1258.rss"), "text/xml") // charset only in the XML declaration
	up.Set("/hanoitimes.atom", readFixture(t, "hanoi-times.atom"), "application/atom+xml")
	nfd := norm.NFD.Bytes(readFixture(t, "vnexpress-kinh-doanh.rss"))
	if bytes.Equal(nfd, readFixture(t, "vnexpress-kinh-doanh.rss")) {
		t.Fatal("NFD fixture is not decomposed")
	}
	up.Set("/vne.rss", nfd, "application/rss+xml")

	dir := t.TempDir()
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "bantin.yaml")
	cfg := fmt.Sprintf(`listen: %s
base_url: http://%s
database: data/bantin.db
defaults:
  interval: 15m
  timezone: Asia/Ho_Chi_Minh
  retention: 3650d
sources:
  - id: ktdt
    url: %s/ktdt.rss
    title: "Kinh tế & Đô thị"
    tags: ["Hà Nội", "Thời sự"]
  - id: baocu
    url: %s/baocu.rss
  - id: hanoitimes
    url: %s/hanoitimes.atom
  - id: vne
    url: %s/vne.rss
topics:
  - slug: dai-hoi-dang
    title: "Đại hội Đảng"
    match:
      any:
        - keywords: ["Đại hội Đảng", "đại hội đại biểu"]
        - tags: ["dai-hoi-dang"]
      none:
        - keywords: ["quảng cáo"]
  - slug: ha-noi
    title: "Hà Nội"
    match:
      any: [ {keywords: ["ha noi", "hanoi"]} ]
`, addr, addr, up.URL, up.URL, up.URL, up.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	code, out, errOut := runCLI(t, ctx, "poll", "-config", cfgPath)
	if code != 0 {
		t.Fatalf("poll exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, id := range []string{"ktdt", "baocu", "hanoitimes", "vne"} {
		if !regexp.MustCompile(`(?m)^` + id + `\s+200\s+new (\d+)`).MatchString(out) {
			t.Errorf("poll output has no success line for %s:\n%s", id, out)
		}
	}
	if !strings.Contains(out, "11 new items") {
		t.Errorf("poll summary: want 11 new items:\n%s", out)
	}

	sctx, stop := context.WithCancel(ctx)
	served := make(chan int, 1)
	go func() {
		code, _, _ := runCLI(t, sctx, "serve", "-config", cfgPath)
		served <- code
	}()
	defer func() {
		stop()
		select {
		case code := <-served:
			if code != 0 {
				t.Errorf("serve exit %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop within 10s")
		}
	}()
	base := "http://" + addr
	waitHealthy(t, base)

	// The Đại hội Đảng topic: matched by keyword with and without
	// diacritics, from the UTF-8, windows-1258 and NFD feeds, newest first.
	wantDHD := []string{
		"Bảo đảm tiến độ, thành công Đại hội Đảng các cấp tại Thanh Xuân",           // 26 Nov 10:11 +07
		"Hà Nội khai mạc Đại hội Đảng bộ thành phố",                                 // 26 Nov 07:30 +07 (windows-1258)
		"Đảng bộ phường Thanh Xuân Bắc tổ chức đại hội đại biểu nhiệm kỳ 2025-2030", // 25 Nov 16:05 +07
		"Đại hội Đảng bộ Ngân hàng Nhà nước thành công tốt đẹp",                     // 25 Nov 08:00 zone-less (NFD)
	}
	for _, format := range []string{"atom", "rss", "json"} {
		resp, body := get(t, base+"/topics/dai-hoi-dang."+format)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", format, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "charset=utf-8") {
			t.Errorf("%s: Content-Type %q lacks charset", format, ct)
		}
		if !utf8.Valid(body) || !norm.NFC.IsNormal(body) {
			t.Errorf("%s: published bytes are not NFC UTF-8", format)
		}
		feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: gofeed cannot parse our feed: %v", format, err)
		}
		var titles []string
		for _, it := range feed.Items {
			titles = append(titles, it.Title)
		}
		if strings.Join(titles, "\n") != strings.Join(wantDHD, "\n") {
			t.Errorf("%s: topic items\n got: %q\nwant: %q", format, titles, wantDHD)
		}
		if format == "atom" {
			validateAtom(t, body)
		}
	}

	// The zone-less vnexpress date is read in Asia/Ho_Chi_Minh (UTC+7).
	_, body := get(t, base+"/topics/dai-hoi-dang.json")
	var jf struct {
		Items []struct {
			Title string `json:"title"`
			Date  string `json:"date_published"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &jf); err != nil {
		t.Fatal(err)
	}
	for _, it := range jf.Items {
		if strings.HasPrefix(it.Title, "Đại hội Đảng bộ Ngân hàng") {
			d, err := time.Parse(time.RFC3339, it.Date)
			if err != nil || !d.Equal(time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)) {
				t.Errorf("zone-less date: got %q, want 2026-11-25T01:00:00Z", it.Date)
			}
		}
	}

	// Tag feed from the source's tags and upstream categories.
	resp, body := get(t, base+"/tags/ha-noi.atom")
	if resp.StatusCode != 200 {
		t.Fatalf("tag feed status %d", resp.StatusCode)
	}
	validateAtom(t, body)
	// 4 ktdt items (source tag), 1 baocu item and 1 Hanoi Times entry (categories).
	if n := strings.Count(string(body), "<entry"); n != 6 {
		t.Errorf("tag ha-noi: %d entries, want 6", n)
	}
	if resp, _ := get(t, base+"/topics/no-such-topic.rss"); resp.StatusCode != 404 {
		t.Errorf("unknown topic: status %d, want 404", resp.StatusCode)
	}

	// Conditional GET on our side: the same ETag gives 304.
	resp, _ = get(t, base+"/topics/ha-noi.rss")
	req, _ := http.NewRequest("GET", base+"/topics/ha-noi.rss", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", r2.StatusCode)
	}

	// A second poll of unchanged feeds: conditional requests, all 304, nothing new.
	before := up.Conditional.Load()
	code, out, errOut = runCLI(t, ctx, "poll", "-all", "-config", cfgPath)
	if code != 0 {
		t.Fatalf("second poll exit %d: %s %s", code, out, errOut)
	}
	if got := up.Conditional.Load() - before; got != 4 {
		t.Errorf("second poll sent %d conditional requests, want 4", got)
	}
	if !strings.Contains(out, "4 not modified, 0 new items, 0 updated") {
		t.Errorf("second poll summary:\n%s", out)
	}

	// bantin sources: a table and JSON with every source's state.
	code, out, _ = runCLI(t, ctx, "sources", "-config", cfgPath)
	if code != 0 || !regexp.MustCompile(`(?m)^ktdt\s+ok\s+304\s`).MatchString(out) {
		t.Errorf("bantin sources: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, ctx, "sources", "-json", "-config", cfgPath)
	var views []sourceView
	if err := json.Unmarshal([]byte(out), &views); code != 0 || err != nil || len(views) != 4 {
		t.Fatalf("bantin sources -json: exit %d, %v, %d sources\n%s", code, err, len(views), out)
	}
	for _, v := range views {
		if v.State != "ok" || v.Status != 304 || v.LastSuccess.IsZero() || v.NextDue.IsZero() || v.Failures != 0 {
			t.Errorf("source %s state: %+v", v.ID, v)
		}
	}

	// A changed item is updated in place, not duplicated.
	changed := bytes.Replace(readFixture(t, "kinhtedothi-thoi-su.rss"),
		[]byte("tiến hành khẩn trương, tích cực."), []byte("tiến hành khẩn trương, tích cực và hiệu quả."), 1)
	up.Set("/ktdt.rss", changed, "application/rss+xml; charset=utf-8")
	code, out, _ = runCLI(t, ctx, "poll", "-all", "-config", cfgPath)
	if code != 0 || !strings.Contains(out, "0 new items, 1 updated") {
		t.Errorf("poll after change: exit %d\n%s", code, out)
	}
	// The server notices the change and re-renders in the background
	// (README: within 2 s; more is allowed here for a loaded -race run).
	changedAt := time.Now()
	for {
		_, body = get(t, base+"/topics/dai-hoi-dang.atom")
		if strings.Contains(string(body), "và hiệu quả") || time.Since(changedAt) > 10*time.Second {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the change was published %v after the poll ended", time.Since(changedAt).Round(time.Millisecond))
	if n := strings.Count(string(body), "<entry"); n != len(wantDHD) {
		t.Errorf("after update: %d entries, want %d", n, len(wantDHD))
	}
	if !strings.Contains(string(body), "và hiệu quả") {
		t.Errorf("after update: published feed lacks the new content")
	}
}

// validateAtom checks body against the RFC 4287 RELAX NG schema with jing,
// when jing and ../shared are available (testenv records when not).
func validateAtom(t *testing.T, body []byte) {
	t.Helper()
	jing, ok := testenv.HaveTool(t, "jing")
	if !ok {
		return
	}
	schema, ok := testenv.HaveShared(t, "corpus/schemas/atom.rnc")
	if !ok {
		return
	}
	f := filepath.Join(t.TempDir(), "feed.atom")
	if err := os.WriteFile(f, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(jing, "-c", schema, f).CombinedOutput(); err != nil {
		t.Errorf("Atom fails RFC 4287 RELAX NG: %v\n%s", err, out)
	}
}
