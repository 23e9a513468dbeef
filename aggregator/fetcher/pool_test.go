package fetcher

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// TestReleasedBodiesAreReused: bodies of every size, with and without
// Content-Length, gzip'd or not, fetched one after another from many
// goroutines and each released once checked: every body is exactly what
// the server sent (a reused buffer never shows the bytes of the body it
// held before, nor its length), and a pooled buffer larger than the cap
// does not let a body past MaxBytes.
func TestReleasedBodiesAreReused(t *testing.T) {
	sizes := []int{0, 1, 100, 32<<10 - 1, 32 << 10, 32<<10 + 1, 100_000, 1 << 20, 1<<20 + 1, 3 << 20}
	body := func(size, salt int) []byte {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte('a' + (i+salt)%26)
		}
		return b
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		salt, _ := strconv.Atoi(r.URL.Query().Get("salt"))
		b := body(size, salt)
		switch r.URL.Query().Get("as") {
		case "gzip":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write(b)
			zw.Close()
		case "chunked":
			w.(http.Flusher).Flush() // no Content-Length
			w.Write(b)
		default:
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
		}
	}))
	defer s.Close()
	f := New(testUA)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 3 {
				for i, size := range sizes {
					for _, as := range []string{"length", "chunked", "gzip"} {
						salt := g*1000 + round*100 + i
						u := fmt.Sprintf("%s/?size=%d&salt=%d&as=%s", s.URL, size, salt, as)
						resp, err := f.Fetch(context.Background(), Request{URL: u, AllowPrivate: true, MaxBytes: 4 << 20})
						if err != nil {
							t.Errorf("%d bytes (%s): %v", size, as, err)
							return
						}
						if !bytes.Equal(resp.Body, body(size, salt)) {
							t.Errorf("%d bytes (%s), round %d: got %d bytes, not the body sent", size, as, round, len(resp.Body))
							return
						}
						resp.Release()
						if resp.Body != nil {
							t.Errorf("Body still set after Release")
						}
						resp.Release() // twice: harmless
					}
				}
			}
		})
	}
	wg.Wait()

	// The cap holds with recycled buffers of a larger size class in the
	// pool: 40,000 bytes fit a 64 KiB buffer, the cap is 39,999.
	for range 3 {
		for _, as := range []string{"length", "chunked", "gzip"} {
			resp, err := f.Fetch(context.Background(), Request{URL: s.URL + "/?size=60000&as=" + as, AllowPrivate: true})
			if err != nil {
				t.Fatal(err)
			}
			resp.Release()
			_, err = f.Fetch(context.Background(), Request{URL: s.URL + "/?size=40000&as=" + as, AllowPrivate: true, MaxBytes: 39_999})
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("40,000 bytes (%s) under MaxBytes 39,999: error %v, want ErrTooLarge", as, err)
			}
		}
	}
}
