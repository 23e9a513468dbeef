package publisher

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"bantin/internal/testenv"
)

// FuzzHandler drives the handlers with arbitrary paths, queries and
// conditional/encoding headers: no panic, no 5xx, and every 200 feed is
// well-formed.
func FuzzHandler(f *testing.F) {
	seeds := []struct{ path, query, inm, ims, ae string }{
		{"/topics/dat-dai.rss", "", "", "", ""},
		{"/topics/dat-dai.atom", "before=1710068400000000000_3", `"x", W/"y"`, "", "gzip"},
		{"/topics/khac.json", "before=", "*", "Sun, 10 Mar 2024 12:00:00 GMT", "gzip;q=0, *;q=1"},
		{"/tags/dat-dai.json", "before=-1_-1&before=2_2", "", "garbage", "x-gzip;q=0.5"},
		{"/tags/%E6%9D%B1%E4%BA%AC.rss", "tags=1", "W/", "", ""},
		{"/opml.xml", "tags=yes", "", "", ""},
		{"/", "x=%zz", "", "", ""},
		{"/topics/.rss", "before=9223372036854775807_9223372036854775807", "", "", ""},
		{"/topics/a..b.json", "before=1e9_1", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.path, s.query, s.inm, s.ims, s.ae)
	}
	e := newEnv(f)
	e.seed()
	h := e.srv.Handler()
	f.Fuzz(func(t *testing.T, path, query, inm, ims, ae string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req := &http.Request{
			Method: "GET",
			URL:    &url.URL{Path: path, RawQuery: query},
			Header: http.Header{},
			Host:   "127.0.0.1",
		}
		req = req.WithContext(t.Context())
		req.Header.Set("If-None-Match", inm)
		req.Header.Set("If-Modified-Since", ims)
		req.Header.Set("Accept-Encoding", ae)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		if res.StatusCode >= 500 {
			t.Fatalf("GET %s?%s: status %d: %s", path, query, res.StatusCode, rec.Body.Bytes())
		}
		if res.StatusCode != 200 {
			return
		}
		body := rec.Body.Bytes()
		if res.Header.Get("Content-Encoding") == "gzip" {
			return // gzip copy is checked in TestHandlerCaching
		}
		ct := res.Header.Get("Content-Type")
		switch {
		case strings.Contains(ct, "json"):
			if !json.Valid(body) {
				t.Fatalf("invalid JSON for %s?%s", path, query)
			}
		case strings.Contains(ct, "xml"):
			if err := testenv.WellFormedXML(body); err != nil {
				t.Fatalf("malformed XML for %s?%s: %v", path, query, err)
			}
		}
	})
}
