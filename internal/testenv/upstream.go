package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"net"

	"time"
)

// Upstream is a fake upstream feed server on 127.0.0.1: it serves the
// feeds set on it, with an ETag, and answers a conditional GET for
// unchanged bytes with 304. It counts what it was asked.
type Upstream struct {
	*httptest.Server

	mu    sync.Mutex
	feeds map[string]upstreamFeed

	Requests    atomic.Int64 // every request
	Conditional atomic.Int64 // requests that carried If-None-Match or If-Modified-Since
	NotModified atomic.Int64 // requests answered 304
}

type upstreamFeed struct {
	body        []byte
	contentType string
}

// NewUpstream starts an Upstream, closed when the test ends.
func NewUpstream(tb testing.TB) *Upstream {
	u := &Upstream{feeds: map[string]upstreamFeed{}}
	u.Server = httptest.NewServer(http.HandlerFunc(u.serve))
	tb.Cleanup(u.Close)
	return u
}

// Set serves body with the content type ct at path (from now on).
func (u *Upstream) Set(path string, body []byte, ct string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.feeds[path] = upstreamFeed{body, ct}
}

func (u *Upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.Requests.Add(1)
	u.mu.Lock()
	f, ok := u.feeds[r.URL.Path]
	u.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(f.body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		u.Conditional.Add(1)
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", f.contentType)
	if r.Header.Get("If-None-Match") == etag {
		u.NotModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(f.body)
}

// Dial opens a TCP connection to addr (a server under test, spoken to in
// raw HTTP) with a deadline of 5 s for the whole exchange. The caller
// closes it.
func Dial(tb testing.TB, addr string) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}
