package publisher

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTopicPage: a topic's HTML page shows each entry with its source, its
// time in defaults.timezone with the offset, its summary as text, its
// image and the other sources that reported it; it links to the three
// feeds (autodiscovery), pages on like the feed, and the feeds name the
// page as their alternate link.
func TestTopicPage(t *testing.T) {
	e := newEnv(t)
	e.cfg.Defaults.Timezone = "Asia/Ho_Chi_Minh"
	e.cfg.Topics[0].Limit = 3
	lead := e.item("https://a.example.vn/lead", "Luật Đất đai sửa đổi có hiệu lực", 2*time.Hour, topicSlug)
	lead.Summary = `<p>Từ ngày <b>1/8</b>, luật mới <script>alert(1)</script>áp dụng.</p>`
	lead.ImageURL = "https://a.example.vn/anh.jpg"
	e.save("a", lead)
	also := e.item("https://b.example.vn/same", "Luật Đất đai sửa đổi có hiệu lực", 90*time.Minute, topicSlug)
	e.save("b", also)
	for i := range 4 {
		e.save("c", e.item(fmt.Sprintf("https://c.example.vn/%d", i), fmt.Sprintf("Tin đất đai số %d", i), time.Duration(3+i)*time.Hour, topicSlug))
	}
	r := e.get("/topics/" + topicSlug)
	body := string(r.body)
	if r.status != 200 || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("status %d, %s", r.status, r.header.Get("Content-Type"))
	}
	for _, want := range []string{
		`<html lang="vi">`,
		`<link rel="alternate" type="application/atom+xml" title="Đất đai &lt;b&gt;&amp;amp;&lt;/b&gt; &#34;nhà ở&#34; (Atom)" href="` + testBase + `/topics/` + topicSlug + `.atom">`,
		`<link rel="alternate" type="application/rss+xml"`, `<link rel="alternate" type="application/feed+json"`,
		`<a href="https://a.example.vn/lead">Luật Đất đai sửa đổi có hiệu lực</a>`,
		`Báo A`, `2024-03-10 17:00 UTC&#43;07:00`, `datetime="2024-03-10T10:00:00Z"`, // 12:00 UTC - 2 h, in Hanoi
		`Từ ngày 1/8, luật mới áp dụng.`, // summary as text, script dropped
		`<img src="https://a.example.vn/anh.jpg" alt=""`,
		`Cũng đưa tin: <a href="https://b.example.vn/same">Báo B</a>`,
		`rel="next"`, `/topics/` + topicSlug + `?before=`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "alert(1)") {
		t.Errorf("the summary's script reached the page")
	}
	// The next page holds the rest, with a way back.
	next := regexp.MustCompile(`href="` + regexp.QuoteMeta(testBase) + `(/topics/[^"]+\?before=[^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next page link")
	}
	r2 := e.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if r2.status != 200 || !strings.Contains(string(r2.body), "Tin đất đai số 3") || !strings.Contains(string(r2.body), "Mới nhất") {
		t.Errorf("page 2: %d\n%s", r2.status, r2.body)
	}
	// The feeds' alternate link is the page.
	atom := string(e.get("/topics/" + topicSlug + ".atom").body)
	if !strings.Contains(atom, `<link href="`+testBase+`/topics/`+topicSlug+`" rel="alternate" type="text/html">`) {
		t.Errorf("Atom alternate link is not the page:\n%.600s", atom)
	}
	rss := string(e.get("/topics/" + topicSlug + ".rss").body)
	if !strings.Contains(rss, `<link>`+testBase+`/topics/`+topicSlug+`</link>`) {
		t.Errorf("RSS link is not the page")
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if cc := r.header.Get("Cache-Control"); cc != "public, no-cache" {
		t.Errorf("Cache-Control %q: pages revalidate so that curation shows at once", cc)
	}
}
