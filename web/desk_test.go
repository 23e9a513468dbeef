package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"bantin/db"
)

var hostile = []db.Item{
	{Title: `<script>alert("tiêu đề")</script> Bão số 3 đổ bộ Hà Nội`,
		Summary: `<img src=x onerror=alert(1)><p onclick="alert(2)">Bão mạnh <a href="javascript:alert(3)">xem</a></p>`,
		Link:    "https://vne.example.vn/bao-so-3.html"},
	{Title: "Giá vàng hôm nay", Summary: "Bình thường", Link: "https://vne.example.vn/gia-vang.html"},
	{Title: "Phở ngon ở Sài Gòn", Summary: "Không thuộc chủ đề nào, gần với ha noi? không.", SourceID: "tn"},
}

// noScript fails when a page carries any script element, event handler
// attribute or javascript: URL.
func noScript(t *testing.T, name, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" {
				t.Errorf("%s: a <script> element made it into the page", name)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(strings.TrimSpace(strings.ToLower(a.Val)), "javascript:") {
					t.Errorf("%s: <%s %s=%q>", name, n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// TestHostileInputEscaped: titles and summaries with markup and scripts,
// and a query with markup, are text on every page.
func TestHostileInputEscaped(t *testing.T) {
	e := newEnv(t, true, hostile...)
	c, _ := e.signIn()
	q := url.QueryEscape(`<script>alert(1)</script>"><img src=x onerror=alert(1)> bão`)
	pages := map[string]string{
		"index":        "/",
		"topic page":   "/topics/ha-noi",
		"search":       "/search?q=b%C3%A3o",
		"search query": "/search?q=" + q,
		"desk":         "/desk",
		"explain":      "/desk/explain?topic=ha-noi&item=" + strconv.FormatInt(e.ids[hostile[0].Title], 10),
	}
	for name, path := range pages {
		r := e.do(c, "GET", path, nil)
		if r.status != 200 {
			t.Errorf("%s: status %d\n%s", name, r.status, r.body)
			continue
		}
		noScript(t, name, r.body)
		if name != "search query" && !strings.Contains(r.body, "&lt;script&gt;alert(&#34;tiêu đề&#34;)&lt;/script&gt; Bão số 3") {
			t.Errorf("%s: the title is not shown as text", name)
		}
	}
	r := e.do(nil, "GET", "/search?q="+q, nil)
	if !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img") {
		t.Errorf("the query is not shown escaped:\n%s", r.body)
	}
	if got := r.header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") {
		t.Errorf("CSP %q", got)
	}
}

// TestNoEditorsNoDesk: without editors every /desk path is 404.
func TestNoEditorsNoDesk(t *testing.T) {
	e := newEnv(t, false, hostile...)
	for _, p := range []struct{ method, path string }{
		{"GET", "/desk"}, {"GET", "/desk/login"}, {"POST", "/desk/login"}, {"POST", "/desk/logout"},
		{"POST", "/desk/topics/ha-noi/pin"}, {"POST", "/desk/try"}, {"GET", "/desk/explain"}, {"GET", "/desk/other"},
	} {
		if r := e.do(nil, p.method, p.path, url.Values{}); r.status != 404 {
			t.Errorf("%s %s: %d, want 404", p.method, p.path, r.status)
		}
	}
}

// TestSignIn: wrong passwords get 401 with a clear message, the sixth
// failure from one address 429; sessions are HttpOnly, SameSite=Strict
// cookies; sign-out ends the session.
func TestSignIn(t *testing.T) {
	e := newEnv(t, true, hostile...)
	page := e.do(nil, "GET", "/desk/login", nil)
	tok := csrfRE.FindStringSubmatch(page.body)[1]
	cookie := page.header.Get("Set-Cookie")
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Errorf("sign-in cookie %q", cookie)
	}
	post := func(name, pw, csrf string) response {
		req, _ := http.NewRequest("POST", e.ts.URL+"/desk/login", strings.NewReader(url.Values{"name": {name}, "password": {pw}, "csrf": {csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: loginCookie, Value: tok})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return response{resp.StatusCode, resp.Header, b.String()}
	}
	if r := post(testEditor, testPassword, "wrong"); r.status != 403 {
		t.Errorf("sign-in with a wrong csrf: %d", r.status)
	}
	r := post(testEditor, testPassword, tok)
	sess := r.header.Get("Set-Cookie")
	if r.status != http.StatusSeeOther || !strings.Contains(sess, sessionCookie+"=") || !strings.Contains(sess, "HttpOnly") ||
		!strings.Contains(sess, "SameSite=Strict") || strings.Contains(sess, "Secure") {
		t.Errorf("sign-in: %d, cookie %q (want HttpOnly, SameSite=Strict, no Secure over http)", r.status, sess)
	}
	for i := 0; i < LoginFailures; i++ {
		r := post(testEditor, "sai "+strconv.Itoa(i), tok)
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Sai tên hoặc mật khẩu") {
			t.Fatalf("wrong password %d: %d\n%s", i, r.status, r.body)
		}
	}
	if r := post("không ai", "x", tok); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "thử lại sau") {
		t.Errorf("after %d failures: %d (Retry-After %q)\n%s", LoginFailures, r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := post(testEditor, testPassword, tok); r.status != http.StatusTooManyRequests {
		t.Errorf("the right password while blocked: %d, want 429", r.status)
	}
	if r := post(testEditor, strings.Repeat("x", MaxFormBytes), tok); r.status != http.StatusTooManyRequests {
		t.Errorf("blocked: %d", r.status)
	}
	// Secure cookies when base_url is https.
	cfg := *e.cfg
	cfg.BaseURL = "https://desk.example.vn"
	if err := e.web.Reload(&cfg); err != nil {
		t.Fatal(err)
	}
	if c := e.do(nil, "GET", "/desk/login", nil).header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("https base_url: cookie %q not Secure", c)
	}
}

// TestHugeFormsAndLongFields get clear errors, and nothing changes.
func TestHugeForms(t *testing.T) {
	e := newEnv(t, true, hostile...)
	c, csrf := e.signIn()
	big := strings.Repeat("a", MaxFormBytes+1)
	r := e.do(c, "POST", "/desk/topics/ha-noi/pin", url.Values{"csrf": {csrf}, "item": {big}})
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "quá lớn") {
		t.Errorf("huge curation form: %d\n%.300s", r.status, r.body)
	}
	r = e.do(c, "POST", "/desk/try", url.Values{"csrf": {csrf}, "rule": {strings.Repeat("a", MaxRuleBytes+1)}})
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge rule: %d", r.status)
	}
	r = e.do(c, "POST", "/desk/topics/ha-noi/pin", url.Values{"csrf": {csrf}, "item": {"https://nowhere.example/x"}})
	if r.status != http.StatusNotFound || !strings.Contains(r.body, "Không tìm thấy bài") {
		t.Errorf("unknown item: %d\n%.300s", r.status, r.body)
	}
	r = e.do(c, "POST", "/desk/topics/ha-noi/pin", url.Values{"csrf": {csrf}})
	if r.status != http.StatusBadRequest {
		t.Errorf("no item: %d", r.status)
	}
	r = e.do(c, "POST", "/desk/topics/khong-co/pin", url.Values{"csrf": {csrf}, "item": {"1"}})
	if r.status != http.StatusNotFound {
		t.Errorf("unknown topic: %d", r.status)
	}
	r = e.do(c, "POST", "/desk/topics/ha-noi/delete", url.Values{"csrf": {csrf}, "item": {"1"}})
	if r.status != http.StatusNotFound {
		t.Errorf("unknown action: %d", r.status)
	}
	if cur, _ := e.store.Curations(context.Background(), ""); len(cur) != 0 {
		t.Errorf("curations after refused requests: %+v", cur)
	}
}

// TestDeskPage: per topic the preview with buttons, what was left out
// and why, who curated what, unmatched items with their nearest rules, and
// trying a rule changes nothing.
func TestDeskPage(t *testing.T) {
	e := newEnv(t, true, hostile...)
	c, csrf := e.signIn()
	id := strconv.FormatInt(e.ids[hostile[0].Title], 10)
	// Hide the storm report in ha-noi.
	r := e.do(c, "POST", "/desk/topics/ha-noi/hide", url.Values{"csrf": {csrf}, "item": {id}})
	if r.status != 200 {
		t.Fatalf("hide: %d\n%s", r.status, r.body)
	}
	for _, want := range []string{
		"Bị loại và lý do", "Đã ẩn (hidden)", `/desk/topics/ha-noi/unhide`, // left out, with the way back
		"Lịch sử biên tập", testEditor, // who
		"Chưa thuộc chủ đề nào", "Phở ngon ở Sài Gòn", // unmatched
		`/desk/topics/kinh-te/pin`, // buttons
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("desk lacks %q", want)
		}
	}
	// Try a rule: which stored items it would publish; nothing changes.
	seq0, _ := e.store.ChangeSeq(context.Background())
	r = e.do(c, "POST", "/desk/try", url.Values{"csrf": {csrf}, "rule": {"any:\n  - keywords: [\"phở\"]\n  - title: [\"giá vàng\"]\n"}})
	if r.status != 200 || !strings.Contains(r.body, "2 bài khớp") || !strings.Contains(r.body, "Phở ngon") || !strings.Contains(r.body, "Giá vàng hôm nay") {
		t.Errorf("try a rule: %d\n%s", r.status, r.body)
	}
	r = e.do(c, "POST", "/desk/try", url.Values{"csrf": {csrf}, "rule": {"keywords: [\"x\"]\nbogus: 1\n"}})
	if r.status != 400 || !strings.Contains(r.body, "unknown key") || !strings.Contains(r.body, "rule:2:1") {
		t.Errorf("bad rule: %d\n%s", r.status, r.body)
	}
	if seq, _ := e.store.ChangeSeq(context.Background()); seq != seq0 {
		t.Errorf("trying a rule changed the database")
	}
	// Explain an item.
	r = e.do(c, "GET", "/desk/explain?topic=kinh-te&item="+strconv.FormatInt(e.ids["Giá vàng hôm nay"], 10), nil)
	if r.status != 200 || !strings.Contains(r.body, "topic kinh-te: MATCH") || !strings.Contains(r.body, "Đăng: bài #1") {
		t.Errorf("explain: %d\n%s", r.status, r.body)
	}
	// Sign out ends the session.
	if r := e.do(c, "POST", "/desk/logout", url.Values{"csrf": {csrf}}); r.status != 200 || !strings.Contains(r.body, "Đăng nhập") {
		t.Errorf("sign-out: %d", r.status)
	}
	if r := e.do(c, "POST", "/desk/topics/ha-noi/unhide", url.Values{"csrf": {csrf}, "item": {id}}); r.status != 403 {
		t.Errorf("after sign-out: %d, want 403", r.status)
	}
}
