package publisher

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"bantin/config"
	"bantin/publisher/render"
)

// TestHandleAddsRoutes: routes added with Handle (the daemon's /metrics,
// WebSub hub and callback) answer through Handler, whatever the method
// for a pattern without one, behind the fast path too, while the
// publisher's own routes answer as before; a route on the publisher's
// own paths (a feed directory, the index, /healthz...) is refused, by
// Handle or, for a Register function's, by Handler.
func TestHandleAddsRoutes(t *testing.T) {
	e := newEnv(t)
	e.seed()
	e.srv.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "metrics") }))
	e.srv.Handle(config.BuiltinHubPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hub "+r.Method) }))
	addr, front := startFront(t, e, nil)
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/topics/" + topicSlug + ".rss", "<rss"}, // first: its connection is not handed over yet
		{"GET", "/metrics", "metrics"},
		{"POST", config.BuiltinHubPath, "hub POST"},
		{"GET", config.BuiltinHubPath, "hub GET"},
		{"GET", "/opml.xml", "<opml"},
		{"GET", "/healthz", "ok"},
	} {
		req, _ := http.NewRequest(tc.method, "http://"+addr+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s %s: %d %.60q, want 200 with %q", tc.method, tc.path, resp.StatusCode, b, tc.want)
		}
	}
	if s := front.Stats(); s.FastResponses != 1 {
		t.Errorf("fast responses %d, want 1 (the feed)", s.FastResponses)
	}
	for _, p := range []string{"GET /topics/x.rss", "/tags/", "/", "GET /healthz", "/opml.xml"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handle(%q) accepted a route on the publisher's paths", p)
				}
			}()
			e.srv.Handle(p, http.NotFoundHandler())
		}()
	}
	// A Register function's routes are checked against the table when
	// Handler builds it.
	for _, p := range []string{"GET /topics/", "/tags/{slug}", "GET /healthz"} {
		other := newEnv(t)
		other.srv.Register(func(mux *http.ServeMux) { mux.Handle(p, http.NotFoundHandler()) })
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register of %q: Handler accepted a route on the publisher's paths", p)
				}
			}()
			other.srv.Handler()
		}()
	}
}

// TestOPMLOutlinesLinkFeedPages: each outline of /opml.xml (topics) and
// /opml.xml?tags=1 links its feed's own page as htmlUrl, the page the
// feed names as its alternate link, not the index; the title names the desk
// (site: title); and the head has only
// elements the W3C feed validator knows (it reports <docs> as an error).
func TestOPMLOutlinesLinkFeedPages(t *testing.T) {
	e := newEnv(t)
	e.seed()
	base := render.BaseURL(e.cfg)
	e.cfg.Site.Title = "Bản tin Thủ đô"
	for _, c := range []struct{ path, kind, title string }{{"/opml.xml", kindTopic, "Bản tin Thủ đô topics"},
		{"/opml.xml?tags=1", kindTag, "Bản tin Thủ đô tags"}} {
		r := e.do("GET", c.path, nil)
		var doc struct {
			Head struct {
				Title string                       `xml:"title"`
				Elems []struct{ XMLName xml.Name } `xml:",any"`
			} `xml:"head"`
			Outlines []struct {
				XMLURL  string `xml:"xmlUrl,attr"`
				HTMLURL string `xml:"htmlUrl,attr"`
			} `xml:"body>outline"`
		}
		if err := xml.Unmarshal(r.body, &doc); err != nil || r.status != 200 || len(doc.Outlines) == 0 {
			t.Fatalf("%s: %d, %v, %d outlines\n%s", c.path, r.status, err, len(doc.Outlines), r.body)
		}
		if doc.Head.Title != c.title {
			t.Errorf("%s: title %q, want %q (the desk's site: title)", c.path, doc.Head.Title, c.title)
		}
		for _, el := range doc.Head.Elems {
			if el.XMLName.Local == "docs" {
				t.Errorf("%s: head has <docs>", c.path)
			}
		}
		for _, o := range doc.Outlines {
			slug := strings.TrimSuffix(strings.TrimPrefix(o.XMLURL, base+render.Dir(c.kind)), ".rss")
			if want := base + render.PagePath(c.kind, slug); o.HTMLURL != want {
				t.Errorf("%s: outline %s has htmlUrl %q, want %q", c.path, o.XMLURL, o.HTMLURL, want)
			}
		}
	}
}
