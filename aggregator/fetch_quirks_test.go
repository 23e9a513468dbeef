package aggregator

import (
	"bantin/internal/testenv"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRetryAfterIsCappedAtMaxInterval: a Retry-After decades away (in
// seconds or as a date) holds a source back for max_interval (2h here) at
// most, says so in its error, and the source is polled again after that.
func TestRetryAfterIsCappedAtMaxInterval(t *testing.T) {
	tests := map[string]struct {
		code       int
		retryAfter string
	}{
		"429 with huge seconds": {code: http.StatusTooManyRequests, retryAfter: "999999999"},
		"503 with a far date":   {code: http.StatusServiceUnavailable, retryAfter: "Fri, 31 Dec 2100 23:59:59 GMT"},
		"429 beyond int64":      {code: http.StatusTooManyRequests, retryAfter: "99999999999999999999999"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var requests atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Retry-After", tc.retryAfter)
				w.WriteHeader(tc.code)
			}))
			defer srv.Close()
			p, store := testPoller(t, srv.URL, "  - {id: far, url: '{{URL}}/feed'}\n")
			clk := testenv.NewClock(time.Now())
			p.Now = clk.Now

			res := pollAll(t, p, true)
			if r := res["far"]; r.Err == nil || !strings.Contains(r.Err.Error(), "Retry-After capped at max_interval 2h") {
				t.Errorf("error %v, want it to say the Retry-After was capped at max_interval 2h", r.Err)
			}
			st := source(t, store, "far")
			for field, got := range map[string]time.Time{"RetryAfter": st.RetryAfter, "NextDue": st.NextDue} {
				if d := got.Sub(clk.Now()); d > 2*time.Hour || d < 2*time.Hour-time.Minute {
					t.Errorf("%s in %v, want max_interval 2h", field, d)
				}
			}
			if !strings.Contains(st.LastError, "capped") {
				t.Errorf("LastError %q does not mention the cap", st.LastError)
			}

			// Still honoured up to the cap, even by -all...
			clk.Add(time.Hour)
			pollAll(t, p, true)
			if n := requests.Load(); n != 1 {
				t.Errorf("requests within the capped Retry-After: %d, want 1", n)
			}
			// ...and polled again once it is over, without -all too.
			clk.Add(time.Hour + time.Second)
			pollAll(t, p, false)
			if n := requests.Load(); n != 2 {
				t.Errorf("requests after max_interval: %d, want 2", n)
			}
		})
	}
}

// TestStoredFarRetryAfterIsCapped: a database written before the cap
// existed holds a Retry-After decades away; the poller reads it as
// max_interval after the last attempt.
func TestStoredFarRetryAfterIsCapped(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		io.WriteString(w, okFeed)
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: stuck, url: '{{URL}}/feed'}\n")
	clk := testenv.NewClock(time.Now())
	p.Now = clk.Now
	st := source(t, store, "stuck")
	st.LastAttempt = clk.Now().Add(-3 * time.Hour)
	st.RetryAfter = time.Date(2058, 8, 4, 0, 0, 0, 0, time.UTC)
	st.NextDue = st.RetryAfter
	st.Failures, st.LastStatus, st.LastError = 1, 429, "fetcher: GET x: 429 Too Many Requests"
	if err := store.SaveSourceState(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	res := pollAll(t, p, false)
	if r, ok := res["stuck"]; !ok || r.Err != nil || requests.Load() != 1 {
		t.Fatalf("poll 1h after the capped Retry-After: result %+v (polled %v), %d requests; want one successful poll", r, ok, requests.Load())
	}
	if st := source(t, store, "stuck"); !st.RetryAfter.IsZero() || st.NextDue.After(clk.Now().Add(2*time.Hour)) {
		t.Errorf("after success: RetryAfter %v, NextDue %v, want cleared and within max_interval", st.RetryAfter, st.NextDue)
	}
}

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// TestMalformedResponses: bodies that feed readers recover are stored
// with a note; those that cannot be read say why and name the URL that
// was parsed.
func TestMalformedResponses(t *testing.T) {
	mux := http.NewServeMux()
	serve := func(path, encoding, contentType string, body []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if encoding != "" {
				w.Header().Set("Content-Encoding", encoding)
			}
			if contentType != "" {
				w.Header().Set("Content-Type", contentType)
			}
			w.Write(body)
		})
	}
	serve("/padded", "gzip", "", append(gzipped([]byte(okFeed)), 0, 0, 0, 0))
	serve("/plain-as-gzip", "gzip", "", []byte(okFeed))
	serve("/undeclared-gzip", "", "application/rss+xml", gzipped([]byte(okFeed)))
	serve("/empty", "", "application/rss+xml", nil)
	serve("/empty-html", "", "text/html", nil)
	serve("/blank", "", "", []byte(" \r\n\t "))
	serve("/broken", "", "", []byte("this is not a feed"))
	serve("/page", "", "text/html", []byte(`<html><head><link rel="alternate" type="application/rss+xml" href="/broken-feed"></head></html>`))
	serve("/broken-feed", "", "", []byte("<html><body>no feed here either</body></html>"))
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/broken", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ids := []string{"padded", "plain-as-gzip", "undeclared-gzip", "empty", "empty-html", "blank", "broken", "page", "moved"}
	var cfg strings.Builder
	for _, id := range ids {
		cfg.WriteString("  - {id: " + id + ", url: '{{URL}}/" + id + "'}\n")
	}
	p, _ := testPoller(t, srv.URL, cfg.String())
	res := pollAll(t, p, true)

	tests := map[string]struct {
		wantErr  []string // substrings of the error; nil: success
		wantNote string   // substring of Result.Note
	}{
		"padded":          {},
		"plain-as-gzip":   {wantNote: "not gzip-compressed: used as it is"},
		"undeclared-gzip": {wantNote: "Content-Encoding does not say so: decompressed"},
		"empty":           {wantErr: []string{"empty response body", srv.URL + "/empty"}},
		"empty-html":      {wantErr: []string{"empty response body", srv.URL + "/empty-html"}},
		"blank":           {wantErr: []string{"empty response body", "only white space"}},
		"broken":          {wantErr: []string{"unknown feed format", "parse " + srv.URL + "/broken:"}},
		"page":            {wantErr: []string{"unknown feed format", "parse " + srv.URL + "/broken-feed:"}},
		"moved":           {wantErr: []string{"unknown feed format", srv.URL + "/moved (redirected to " + srv.URL + "/broken)"}},
	}
	for id, tc := range tests {
		t.Run(id, func(t *testing.T) {
			r, ok := res[id]
			if !ok {
				t.Fatalf("no result")
			}
			if tc.wantErr == nil {
				if r.Err != nil || r.New != 2 {
					t.Errorf("got err %v, %d new; want 2 new items", r.Err, r.New)
				}
			} else {
				if r.Err == nil {
					t.Fatalf("err = nil, want %q", tc.wantErr)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(r.Err.Error(), want) {
						t.Errorf("err %q, want it to contain %q", r.Err, want)
					}
				}
			}
			if !strings.Contains(r.Note, tc.wantNote) || tc.wantNote == "" && r.Note != "" {
				t.Errorf("Note %q, want %q", r.Note, tc.wantNote)
			}
		})
	}
}
