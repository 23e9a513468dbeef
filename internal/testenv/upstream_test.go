package testenv

import (
	"io"
	"net/http"
	"testing"
)

func TestUpstreamConditionalGET(t *testing.T) {
	u := NewUpstream(t)
	u.Set("/a.rss", []byte("<rss/>"), "application/rss+xml")
	get := func(etag string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", u.URL+"/a.rss", nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("")
	if resp.StatusCode != 200 || body != "<rss/>" || resp.Header.Get("Content-Type") != "application/rss+xml" {
		t.Fatalf("first GET: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := get(etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET of unchanged bytes: %d, want 304", resp.StatusCode)
	}
	u.Set("/a.rss", []byte("<rss>2</rss>"), "application/rss+xml")
	if resp, body := get(etag); resp.StatusCode != 200 || body != "<rss>2</rss>" {
		t.Errorf("conditional GET of changed bytes: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get(""); resp.StatusCode != 200 {
		t.Errorf("plain GET: %d", resp.StatusCode)
	}
	if n, c, nm := u.Requests.Load(), u.Conditional.Load(), u.NotModified.Load(); n != 4 || c != 2 || nm != 1 {
		t.Errorf("counts: %d requests, %d conditional, %d not modified; want 4, 2, 1", n, c, nm)
	}
	resp, err := http.Get(u.URL + "/missing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET of a feed never set: %d, want 404", resp.StatusCode)
	}
}
