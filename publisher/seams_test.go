package publisher

import (
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"bantin/publisher/render"
)

// Tests of features that each worked alone but not together.

// TestPinHideLinksWithTrackingParameters: a pin: or hide: link copied from
// a shared page carries trackers the normaliser strips from stored links
// (Zalo's zarsrc and gidzl, Google's srsltid, utm_*): it names the same
// story as the stored link, as the published feed's own link does.
func TestPinHideLinksWithTrackingParameters(t *testing.T) {
	e := newEnv(t)
	h := time.Hour
	e.save("a",
		e.item("https://a.example.vn/moi", "Tin mới", 1*h, topicSlug),
		e.item("https://a.example.vn/an", "Tin bị ẩn", 2*h, topicSlug),
		e.item("https://a.example.vn/ghim?id=7", "Tin cũ được ghim", 30*h, topicSlug))
	cfg := *e.cfg
	cfg.Topics = slices.Clone(e.cfg.Topics)
	cfg.Topics[0].Pin = []string{"https://a.example.vn/ghim?zarsrc=30&id=7&utm_source=zalo&gidzl=AbC"}
	cfg.Topics[0].Hide = []string{"https://a.example.vn/an?srsltid=AfmBOo&gbraid=0A"}
	e.srv.Reload(&cfg)
	want := []string{"Tin cũ được ghim", "Tin mới"}
	if got := jsonTitles(t, e.get("/topics/"+topicSlug+".json").body); !slices.Equal(got, want) {
		t.Errorf("feed with a pin and a hide given with trackers: %q, want %q", got, want)
	}
	for _, link := range []string{cfg.Topics[0].Pin[0], "https://a.example.vn/ghim?id=7&_gl=1*abc"} {
		if got, want := render.LinkKey(link), render.LinkKey("https://a.example.vn/ghim?id=7"); got != want {
			t.Errorf("LinkKey(%q) = %q, want %q (as the stored link)", link, got, want)
		}
	}
}

// TestHealthzInWords: /healthz tells an operator what is wrong in words,
// never as a package's error prefix ("db: ", "publisher: "): a deleted
// database file, none at all.
func TestHealthzInWords(t *testing.T) {
	check := func(name string, r response, want string) {
		t.Helper()
		body := string(r.body)
		if r.status != http.StatusServiceUnavailable || !strings.Contains(body, want) ||
			strings.Contains(body, "db: ") || strings.Contains(body, "publisher: ") {
			t.Errorf("%s: %d %q, want 503 saying %q without package names", name, r.status, body, want)
		}
	}
	e := newEnv(t)
	var seq int
	var name, path string
	if err := e.db.SQL().QueryRow("PRAGMA database_list").Scan(&seq, &name, &path); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	check("deleted", e.do("GET", "/healthz", nil), "the database file "+path+" was deleted")

	none := newEnv(t)
	ts := httptest.NewServer(New(none.cfg, nil, nil).Handler())
	defer ts.Close()
	none.ts = ts
	check("no database", none.do("GET", "/healthz", nil), "no database")
}

// TestErrorPagesKnowFormerSlugs: a 404 under a renamed topic's former
// slug (no format, another spelling) suggests the topic it became, not a
// tag that happens to share the old slug; a path under /topics/ or
// /tags/ that net/http's routes do not take (a trailing slash) is
// answered in words too.
func TestErrorPagesKnowFormerSlugs(t *testing.T) {
	e := newEnv(t)
	e.seed()
	e.srv.Reload(renamed(e)) // dat-dai is now nha-dat; the tag dat-dai stays
	every := "Every feed is listed at " + testBase + "/"
	cases := []struct{ path, want string }{
		{"/topics/dat-dai.html", `There is no feed format ".html": a feed's address ends in .rss, .atom or .json.` + "\n" +
			`Did you mean the topic "nha-dat"? ` + testBase + "/topics/nha-dat.rss\n" + every},
		{"/topics/Dat-Dai.atom", `No topic or tag named "Dat-Dai".` + "\n" +
			`Did you mean the topic "nha-dat"? ` + testBase + "/topics/nha-dat.atom\n" + every},
		{"/topics/nha-dat.atom/", "There is no page at /topics/nha-dat.atom/.\n" +
			`The topic "nha-dat" is at ` + testBase + "/topics/nha-dat.atom\n" + every},
	}
	for _, c := range cases {
		r := e.do("GET", c.path, nil)
		if body := strings.TrimSuffix(string(r.body), "\n"); r.status != http.StatusNotFound || body != c.want {
			t.Errorf("GET %s: %d\n%s\nwant 404\n%s", c.path, r.status, body, c.want)
		}
	}
	// The former slug's HTML page moved for good to the renamed topic's.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(e.ts.URL + "/topics/dat-dai")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || loc != testBase+"/topics/nha-dat" {
		t.Errorf("GET /topics/dat-dai: %d to %q, want 301 to the page %s/topics/nha-dat", resp.StatusCode, loc, testBase)
	}
}

// TestPinLinkWithEscapedQuery: a pin: link with trackers and a query
// written with escapes finds the stored item through its canonical link
// as the normaliser stored it (pairs kept as written, sorted, trackers
// dropped): the pin is not silently ignored.
func TestPinLinkWithEscapedQuery(t *testing.T) {
	e := newEnv(t)
	// Not a member of the topic: the pin brings it in. Its canonical link
	// is what normaliser.CanonicalLink makes of its link.
	it := e.item("https://a.example.vn/tim?q=ha%20noi&id=1&utm_source=rss", "Tin tìm thấy", 30*time.Hour)
	it.CanonicalLink = "https://a.example.vn/tim?id=1&q=ha%20noi"
	e.save("a", e.item("https://a.example.vn/moi", "Tin mới", time.Hour, topicSlug), it)
	cfg := *e.cfg
	cfg.Topics = slices.Clone(e.cfg.Topics)
	cfg.Topics[0].Pin = []string{"https://a.example.vn/tim?q=ha%20noi&id=1&fbclid=IwAR"}
	e.srv.Reload(&cfg)
	want := []string{"Tin tìm thấy", "Tin mới"}
	if got := jsonTitles(t, e.get("/topics/"+topicSlug+".json").body); !slices.Equal(got, want) {
		t.Errorf("feed with the pin: %q, want %q", got, want)
	}
}
