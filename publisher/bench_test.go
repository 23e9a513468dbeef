package publisher

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkServeCached measures the cached path of one topic feed of 50
// full items (identity, gzip and 304), without the network.
func BenchmarkServeCached(b *testing.B) {
	e := newEnv(b)
	e.srv.SeqCheckInterval = time.Second
	e.srv.now = time.Now
	content := "<p>" + nastyTitle + "</p>"
	for i := range 50 {
		it := e.item(fmt.Sprintf("https://a.example.vn/%d", i), fmt.Sprintf("Bài số %d về đất đai và nhà ở", i), time.Duration(i+1)*time.Minute, topicSlug)
		for range 40 {
			it.Content += content
		}
		e.save("a", it)
	}
	h := e.srv.Handler()
	path := "/topics/" + topicSlug + ".atom"
	first := httptest.NewRecorder()
	h.ServeHTTP(first, httptest.NewRequest("GET", path, nil))
	etag := first.Result().Header.Get("ETag")
	for _, c := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"identity", nil, 200},
		{"gzip", map[string]string{"Accept-Encoding": "gzip"}, 200},
		{"304", map[string]string{"If-None-Match": etag}, 304},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.status != c.status {
					b.Fatalf("status %d, want %d", w.status, c.status)
				}
			}
		})
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(s int) { w.status = s }
