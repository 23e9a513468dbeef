package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"bantin/internal/testenv"
	"bantin/web"
)

const (
	deskEditor   = "Lan Anh"
	deskPassword = "mật khẩu đúng 2026"
)

// newDeskSite is the interop site with a site name, one editor, and the
// search and desk pages served.
func newDeskSite(t *testing.T) *site {
	t.Helper()
	hash, err := web.HashPassword(deskPassword)
	if err != nil {
		t.Fatal(err)
	}
	extra := fmt.Sprintf("site:\n  title: \"Bàn tin Thủ đô\"\n  description: \"Tin Hà Nội và kinh tế, tổng hợp mỗi 10 phút\"\neditors:\n  - name: %q\n    password: %q\n", deskEditor, hash)
	return newSiteWith(t, extra, true)
}

// formButton is the selector of the submit button of the form that posts
// to action with item.
func clickForm(b *browser, action string, item int64) {
	b.t.Helper()
	b.mark()
	b.eval(fmt.Sprintf(`(() => {
		for (const f of document.querySelectorAll("form")) {
			const i = f.querySelector("input[name=item]");
			if (f.getAttribute("action").endsWith(%q) && i && i.value === %q) { f.querySelector("button").click(); return true }
		}
		throw new Error("no form for " + %q + " " + %q)
	})()`, action, strconv.FormatInt(item, 10), action, strconv.FormatInt(item, 10)), nil)
	b.waitLoaded()
}

// firstEntryTitle returns the title of the first entry on a topic page.
func firstEntryTitle(b *browser) string {
	var s string
	b.eval(`(() => { const h = document.querySelector("ol.entries li h2"); return h ? h.innerText : "" })()`, &s)
	return s
}

// atomEntryTitles returns the entry titles of an Atom feed, in order.
func atomEntryTitles(t *testing.T, s *site, path string) []string {
	t.Helper()
	body, _ := s.Fetch(t, path)
	var out []string
	for _, m := range regexp.MustCompile(`(?s)<entry[ >].*?<title[^>]*>(.*?)</title>`).FindAllStringSubmatch(string(body), -1) {
		out = append(out, htmlUnescape(m[1]))
	}
	return out
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
}

// TestChromiumDeskCuration: an editor signs in with Chromium, pins an
// item, sees it lead the topic page and the feed, hides another, and
// signs out; every curation records who made it.
func TestChromiumDeskCuration(t *testing.T) {
	s := newDeskSite(t)
	b := newBrowser(t)
	ctx := context.Background()
	topic := "ha-noi"
	want := s.Expected["topic/"+topic]
	if len(want) < 3 {
		t.Fatalf("fixture: topic %s has %d items, want at least 3", topic, len(want))
	}

	b.open(s.Base + "/desk")
	if u, _ := b.text(); !strings.HasSuffix(u, "/desk/login") {
		t.Fatalf("/desk without a session went to %s, want the sign-in page", u)
	}
	// A wrong password first: a clear error, still signed out.
	b.fill("#name", deskEditor)
	b.fill("#password", "sai rồi")
	b.submit("form button[type=submit]:not(.search button)")
	if _, text := b.text(); !strings.Contains(text, "Sai tên hoặc mật khẩu") {
		t.Fatalf("wrong password: page says %q", text)
	}
	b.fill("#name", deskEditor)
	b.fill("#password", deskPassword)
	b.submit("main form button[type=submit]")
	u, text := b.text()
	if !strings.HasSuffix(u, "/desk") || !strings.Contains(text, deskEditor) {
		t.Fatalf("after sign-in: at %s, text %q", u, text)
	}

	// Pin the oldest entry of the topic: it leads the page and the feed.
	last := want[len(want)-1]
	item, err := s.Store.ItemByLink(ctx, last.Link)
	if err != nil {
		t.Fatal(err)
	}
	clickForm(b, "/desk/topics/"+topic+"/pin", item.ID)
	if u, _ := b.text(); !strings.Contains(u, "/desk") {
		t.Fatalf("after pin: at %s", u)
	}
	b.open(s.Base + "/topics/" + topic)
	if got := firstEntryTitle(b); got != item.Title {
		t.Errorf("topic page leads with %q, want the pinned %q", got, item.Title)
	}
	testenv.WaitFor(t, "the pinned item to lead the Atom feed", 10*time.Second, func() bool {
		titles := atomEntryTitles(t, s, "/topics/"+topic+".atom")
		return len(titles) > 0 && titles[0] == item.Title
	})

	// Hide the entry that led before.
	first, err := s.Store.ItemByLink(ctx, want[0].Link)
	if err != nil {
		t.Fatal(err)
	}
	b.open(s.Base + "/desk")
	clickForm(b, "/desk/topics/"+topic+"/hide", first.ID)
	b.open(s.Base + "/topics/" + topic)
	if _, text := b.text(); strings.Contains(text, first.Title) {
		t.Errorf("hidden item %q still on the topic page:\n%s", first.Title, text)
	}
	for _, title := range atomEntryTitles(t, s, "/topics/"+topic+".atom") {
		if title == first.Title {
			t.Errorf("hidden item %q still in the feed", title)
		}
	}
	cur, err := s.Store.Curations(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range cur {
		if c.Editor != deskEditor || c.At.IsZero() {
			t.Errorf("curation %s of %d recorded by %q at %v, want %q and a time", c.Action, c.ItemID, c.Editor, c.At, deskEditor)
		}
		got[c.Action+" "+strconv.FormatInt(c.ItemID, 10)] = true
	}
	if !got["pin "+strconv.FormatInt(item.ID, 10)] || !got["hide "+strconv.FormatInt(first.ID, 10)] {
		t.Errorf("curations stored: %v", got)
	}
	b.open(s.Base + "/desk")
	if _, text := b.text(); !strings.Contains(text, deskEditor) || !strings.Contains(text, "Lịch sử biên tập") {
		t.Errorf("desk does not show who curated: %q", text)
	}

	// Sign out: the desk asks to sign in again.
	b.submit(`form[action$="/desk/logout"] button`)
	b.open(s.Base + "/desk")
	if u, _ := b.text(); !strings.HasSuffix(u, "/desk/login") {
		t.Errorf("after sign-out /desk went to %s, want the sign-in page", u)
	}
}

// signIn signs in with a cookie jar client and returns it with the
// session's CSRF token (read from the desk page).
func signIn(t *testing.T, s *site) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(s.Base + "/desk/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(page))
	if tok == nil {
		t.Fatalf("no csrf field on the sign-in page:\n%s", page)
	}
	resp, err = c.PostForm(s.Base+"/desk/login", url.Values{"name": {deskEditor}, "password": {deskPassword}, "csrf": {tok[1]}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), deskEditor) {
		t.Fatalf("sign-in: %d\n%s", resp.StatusCode, page)
	}
	tok = regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(page))
	if tok == nil {
		t.Fatal("no csrf token on the desk")
	}
	return c, tok[1]
}

// TestDeskRefusesWithoutSessionOrCSRF: a curation without the session
// cookie, or without (or with a wrong) CSRF token, gets 403 and changes
// nothing.
func TestDeskRefusesWithoutSessionOrCSRF(t *testing.T) {
	s := newDeskSite(t)
	ctx := context.Background()
	item, err := s.Store.ItemByLink(ctx, s.Expected["topic/ha-noi"][1].Link)
	if err != nil {
		t.Fatal(err)
	}
	seq0, _ := s.Store.ChangeSeq(ctx)
	signedIn, csrf := signIn(t, s)
	_, otherCSRF := signIn(t, s)
	pin := s.Base + "/desk/topics/ha-noi/pin"
	cases := []struct {
		name   string
		client *http.Client
		form   url.Values
	}{
		{"no session", http.DefaultClient, url.Values{"item": {strconv.FormatInt(item.ID, 10)}, "csrf": {csrf}}},
		{"no csrf", signedIn, url.Values{"item": {strconv.FormatInt(item.ID, 10)}}},
		{"wrong csrf", signedIn, url.Values{"item": {strconv.FormatInt(item.ID, 10)}, "csrf": {"x" + csrf}}},
		{"another session's csrf", signedIn, url.Values{"link": {item.Link}, "csrf": {otherCSRF}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := c.client.PostForm(pin, c.form)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403:\n%s", resp.StatusCode, body)
			}
			if !strings.Contains(string(body), "không có gì thay đổi") {
				t.Errorf("the 403 page does not say nothing changed:\n%s", body)
			}
		})
	}
	// Logout without the token is refused too.
	resp, err := signedIn.PostForm(s.Base+"/desk/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without csrf: %d, want 403", resp.StatusCode)
	}
	cur, err := s.Store.Curations(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if seq, _ := s.Store.ChangeSeq(ctx); len(cur) != 0 || seq != seq0 {
		t.Errorf("refused requests changed the database: curations %v, change sequence %d -> %d", cur, seq0, seq)
	}
	// The same request with the token works (by link, as the issue names it).
	resp, err = signedIn.PostForm(pin, url.Values{"link": {item.Link}, "csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cur, _ = s.Store.Curations(ctx, "ha-noi"); resp.StatusCode != 200 || len(cur) != 1 || cur[0].Editor != deskEditor {
		t.Errorf("pin with session and token: status %d, curations %+v", resp.StatusCode, cur)
	}
}

// axeSource returns axe-core's script: $BANTIN_AXE, else the copy npm
// installed in the user cache directory (installed there when missing;
// the test skips, recorded for the package's SKIPPED line, when npm or
// the registry is unavailable; CI fails instead).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("BANTIN_AXE")
	if path == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			testenv.Missing(t, "axe-core", fmt.Sprintf("axe-core: no cache directory: %v", err))
		}
		dir := filepath.Join(cache, "bantin", "axe-core")
		path = filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
		if _, err := os.Stat(path); err != nil {
			npm, err := exec.LookPath("npm")
			if err != nil {
				testenv.Missing(t, "axe-core", "axe-core not installed and npm missing (.ci/run installs it)")
			}
			out, err := exec.Command(npm, "install", "--no-audit", "--no-fund", "--prefix", dir, "axe-core@"+axeVersion).CombinedOutput()
			if err != nil {
				testenv.Missing(t, "axe-core", fmt.Sprintf("npm install axe-core: %v\n%s", err, out))
			}
		}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		testenv.Missing(t, "axe-core", fmt.Sprintf("axe-core: %v", err))
	}
	return string(src)
}

// axeVersion is the axe-core release the tests run (pinned).
const axeVersion = "4.10.3"

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// TestAxeNoViolations runs axe-core in Chromium on the index, a topic
// page, search results and the desk, at desktop (1280 px) and phone
// (390 px) width: no violation of any rule.
func TestAxeNoViolations(t *testing.T) {
	axe := axeSource(t)
	s := newDeskSite(t)
	b := newBrowser(t)
	pages := []struct{ name, path string }{
		{"index", "/"},
		{"topic page", "/topics/ha-noi"},
		{"tag page", "/tags/thoi-su"},
		{"search results", "/search?q=ha+noi"},
		{"search form", "/search"},
		{"sign-in", "/desk/login"},
		{"desk", "/desk"},
	}
	signedIn := false
	for _, width := range []int{1280, 390} {
		b.viewport(width, 900)
		for _, p := range pages {
			if p.path == "/desk" && !signedIn {
				b.open(s.Base + "/desk/login")
				b.fill("#name", deskEditor)
				b.fill("#password", deskPassword)
				b.submit("main form button[type=submit]")
				signedIn = true
			}
			b.open(s.Base + p.path)
			b.eval(axe, nil)
			var res struct {
				Violations []axeViolation
				Passes     int
			}
			b.eval(`axe.run(document).then(r => ({Passes: r.passes.length, Violations: r.violations.map(v => ({ID: v.id, Impact: v.impact || "", Help: v.help, Nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))}))`, &res)
			if res.Passes < 10 {
				t.Errorf("%s at %d px: axe checked only %d rules", p.name, width, res.Passes)
			}
			for _, v := range res.Violations {
				j, _ := json.Marshal(v.Nodes)
				t.Errorf("%s (%s) at %d px: %s [%s] %s: %s", p.name, p.path, width, v.ID, v.Impact, v.Help, j)
			}
		}
	}
}

// TestScreenshots saves a screenshot of each page at 1280 and 390 px into
// $BANTIN_SCREENSHOTS (scripts/screenshots.sh sets it); skipped otherwise.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("BANTIN_SCREENSHOTS")
	if dir == "" {
		t.Skip("BANTIN_SCREENSHOTS not set (run scripts/screenshots.sh)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := newDeskSite(t)
	b := newBrowser(t)
	b.open(s.Base + "/desk/login")
	b.fill("#name", deskEditor)
	b.fill("#password", deskPassword)
	b.submit("main form button[type=submit]")
	pages := []struct{ name, path string }{
		{"index", "/"}, {"topic", "/topics/ha-noi"}, {"tag", "/tags/thoi-su"},
		{"search", "/search?q=ha+noi"}, {"search-empty", "/search?q=kh%C3%B4ng+c%C3%B3+g%C3%AC"},
		{"desk", "/desk"}, {"error", "/search?q=" + strings.Repeat("x", 600)},
	}
	for _, width := range []int{1280, 390} {
		b.viewport(width, 900)
		for _, p := range pages {
			b.open(s.Base + p.path)
			out := filepath.Join(dir, fmt.Sprintf("%s-%d.png", p.name, width))
			b.screenshot(out)
			t.Logf("wrote %s", out)
		}
	}
	// The sign-in page, signed out.
	b.open(s.Base + "/desk")
	b.submit(`form[action$="/desk/logout"] button`)
	for _, width := range []int{1280, 390} {
		b.viewport(width, 900)
		b.open(s.Base + "/desk/login")
		b.screenshot(filepath.Join(dir, fmt.Sprintf("login-%d.png", width)))
	}
}
