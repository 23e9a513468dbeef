package publisher

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrorPagesAreWords: what a reader reads on a 404 or 400 is words,
// with the nearest feed suggested (same slug folded, or within a couple
// of edits, topics and tags alike), never a package name. net/http and
// the fast path answer alike (see TestFrontMatchesNetHTTP).
func TestErrorPagesAreWords(t *testing.T) {
	e := newEnv(t)
	e.seed()
	every := "Every feed is listed at " + testBase + "/"
	cases := []struct {
		path   string
		status int
		want   string
	}{
		{"/topics/dat-dia.atom", 404, `No topic or tag named "dat-dia".` + "\n" +
			`Did you mean the topic "dat-dai"? ` + testBase + "/topics/dat-dai.atom\n" + every},
		{"/topics/%C4%90%E1%BA%A5t-%C4%90ai.rss", 404, `No topic or tag named "Đất-Đai".` + "\n" +
			`Did you mean the topic "dat-dai"? ` + testBase + "/topics/dat-dai.rss\n" + every},
		{"/tags/khac.json", 404, `No topic or tag named "khac".` + "\n" +
			`The topic "khac" is at ` + testBase + "/topics/khac.json\n" + every},
		{"/topics/hoan-toan-khac.rss", 404, `No topic or tag named "hoan-toan-khac".` + "\n" + every},
		{"/topics/dat-dai.xml", 404, `There is no feed format ".xml": a feed's address ends in .rss, .atom or .json.` + "\n" +
			`The topic "dat-dai" is at ` + testBase + "/topics/dat-dai.rss\n" + every},
		{"/topics/.rss", 404, `".rss" is not a feed: a feed's address ends in .rss, .atom or .json.` + "\n" + every},
		{"/topics/dat-dia", 404, `Không có chủ đề hay thẻ "dat-dia" (no topic or tag named "dat-dia").` + "\n" +
			`Did you mean the topic "dat-dai"? ` + testBase + "/topics/dat-dai\n" + every},
		{"/topics/dat-dai.rss?before=yesterday", 400, badCursorText},
	}
	for _, c := range cases {
		r := e.do("GET", c.path, nil)
		body := strings.TrimSuffix(string(r.body), "\n")
		if r.status != c.status || body != c.want {
			t.Errorf("GET %s: %d\n%s\nwant %d\n%s", c.path, r.status, body, c.status, c.want)
		}
		if strings.Contains(body, "publisher") {
			t.Errorf("GET %s: the page names a package: %q", c.path, body)
		}
		if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", c.path, ct)
		}
	}
	if r := e.do("GET", "/topics/dat-dai.rss", nil); r.status != http.StatusOK {
		t.Fatalf("the topic itself: %d", r.status)
	}
}
