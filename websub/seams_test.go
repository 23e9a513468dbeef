package websub

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestWebSubCallbackAnswersInWords: what the callback answers a hub (or
// anyone) that calls it wrongly is words, as the built-in hub's answers
// are, never a package prefix.
func TestWebSubCallbackAnswersInWords(t *testing.T) {
	e := newWebsubEnv(t)
	cb := e.base + CallbackPath + "s"
	for _, c := range []struct {
		method, url, body string
		status            int
	}{
		{"PUT", cb, "", http.StatusMethodNotAllowed},
		{"GET", cb + "?" + url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"x"}, "hub.challenge": {"c"}}.Encode(), "", http.StatusNotFound},
		{"POST", cb, "<feed/>", http.StatusGone},
	} {
		req, err := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || strings.Contains(string(b), "websub:") || strings.Contains(string(b), "aggregator:") || !strings.HasPrefix(string(b), "WebSub callback: ") {
			t.Errorf("%s %s: %d %q, want %d in words", c.method, c.url, resp.StatusCode, b, c.status)
		}
	}
}
