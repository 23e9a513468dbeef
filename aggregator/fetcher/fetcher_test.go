package fetcher

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testUA = "bantin/test (+http://example.test/)"

// mustServer starts an httptest server on 127.0.0.1 and closes it at the
// end of the test.
func mustServer(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	s := httptest.NewServer(h)
	tb.Cleanup(s.Close)
	return s
}

// checkErrPrefix verifies the error conventions: "fetcher:" prefix and the
// URL named.
func checkErrPrefix(t *testing.T, err error, url string) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "fetcher: ") {
		t.Errorf("error %q does not start with %q", err, "fetcher: ")
	}
	if url != "" && !strings.Contains(err.Error(), url) {
		t.Errorf("error %q does not name the URL %s", err, url)
	}
}

func TestFetchConditional(t *testing.T) {
	const etag, lastMod = `"v1"`, "Wed, 25 Nov 2026 08:00:00 GMT"
	var gotINM, gotIMS string
	s := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotINM, gotIMS = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		if r.URL.Path == "/bare" {
			// 304 without repeating the validators.
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		if gotINM == etag || (gotINM == "" && gotIMS == lastMod) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, "<rss/>")
	}))
	tests := map[string]struct {
		path, etag, lastMod string
		wantStatus          int
		wantBody            string
		wantETag, wantLM    string
	}{
		"first fetch captures validators": {path: "/", wantStatus: 200, wantBody: "<rss/>", wantETag: etag, wantLM: lastMod},
		"matching ETag gives 304":         {path: "/", etag: etag, lastMod: lastMod, wantStatus: 304, wantETag: etag, wantLM: lastMod},
		"stale ETag gives 200":            {path: "/", etag: `"v0"`, wantStatus: 200, wantBody: "<rss/>", wantETag: etag, wantLM: lastMod},
		"If-Modified-Since gives 304":     {path: "/", lastMod: lastMod, wantStatus: 304, wantETag: etag, wantLM: lastMod},
		"304 without validators keeps the request's": {path: "/bare", etag: `"old"`, lastMod: "Mon, 02 Jan 2006 15:04:05 GMT",
			wantStatus: 304, wantETag: `"old"`, wantLM: "Mon, 02 Jan 2006 15:04:05 GMT"},
	}
	f := New(testUA)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := f.Fetch(context.Background(), Request{URL: s.URL + tc.path, ETag: tc.etag, LastModified: tc.lastMod})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if gotINM != tc.etag || gotIMS != tc.lastMod {
				t.Errorf("sent If-None-Match %q If-Modified-Since %q, want %q %q", gotINM, gotIMS, tc.etag, tc.lastMod)
			}
			if resp.Status != tc.wantStatus || resp.NotModified != (tc.wantStatus == 304) {
				t.Errorf("Status %d NotModified %v, want %d", resp.Status, resp.NotModified, tc.wantStatus)
			}
			if string(resp.Body) != tc.wantBody {
				t.Errorf("Body %q, want %q", resp.Body, tc.wantBody)
			}
			if tc.wantStatus == 304 && resp.Body != nil {
				t.Errorf("304 Body = %q, want nil", resp.Body)
			}
			if resp.ETag != tc.wantETag || resp.LastModified != tc.wantLM {
				t.Errorf("validators %q %q, want %q %q", resp.ETag, resp.LastModified, tc.wantETag, tc.wantLM)
			}
			if resp.URL != s.URL+tc.path {
				t.Errorf("URL %q, want %q", resp.URL, s.URL+tc.path)
			}
		})
	}
}

// TestFetchNotModifiedUnasked: a 304 to a request that sent no validators
// (a first fetch, poll -force) has nothing to be "not modified" from: it
// is an error naming the URL, never an empty success.
func TestFetchNotModifiedUnasked(t *testing.T) {
	s := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	resp, err := New(testUA).Fetch(context.Background(), Request{URL: s.URL + "/feed"})
	if err == nil {
		t.Fatalf("Fetch = status %d NotModified %v, want an error", resp.Status, resp.NotModified)
	}
	checkErrPrefix(t, err, s.URL+"/feed")
	if !strings.Contains(err.Error(), "304") {
		t.Errorf("error %q does not name the 304", err)
	}
}

func TestFetchRequestHeaders(t *testing.T) {
	var got http.Header
	s := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		fmt.Fprint(w, "ok")
	}))
	tests := map[string]struct {
		f      *Fetcher
		wantUA string
	}{
		"New sends its User-Agent":          {f: New(testUA), wantUA: testUA},
		"zero Fetcher sends the default UA": {f: &Fetcher{}, wantUA: DefaultUserAgent},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := tc.f.Fetch(context.Background(), Request{URL: s.URL})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if string(resp.Body) != "ok" {
				t.Errorf("Body %q, want %q", resp.Body, "ok")
			}
			for h, want := range map[string]string{"User-Agent": tc.wantUA, "Accept": Accept, "Accept-Encoding": "gzip, deflate"} {
				if g := got.Get(h); g != want {
					t.Errorf("%s = %q, want %q", h, g, want)
				}
			}
		})
	}
}

func TestFetchEncoding(t *testing.T) {
	const text = "<rss><channel><title>Tiếng Việt có dấu</title></channel></rss>"
	gz := func(b []byte) []byte {
		var out bytes.Buffer
		w := gzip.NewWriter(&out)
		w.Write(b)
		w.Close()
		return out.Bytes()
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	compress := func(enc string) []byte {
		var b bytes.Buffer
		switch enc {
		case "gzip", "x-gzip":
			return gz([]byte(text))
		case "deflate":
			w := zlib.NewWriter(&b)
			w.Write([]byte(text))
			w.Close()
		case "raw-deflate":
			w, _ := flate.NewWriter(&b, flate.DefaultCompression)
			w.Write([]byte(text))
			w.Close()
		case "gzip, gzip":
			return gz(gz([]byte(text)))
		default:
			b.WriteString(text)
		}
		return b.Bytes()
	}
	half := len(text) / 2
	tests := map[string]struct {
		header   string // Content-Encoding sent
		body     []byte
		wantBody string
		wantNote string // a substring of Response.Note; "" = no note
		wantErr  string
	}{
		"identity":                     {header: "", body: compress(""), wantBody: text},
		"gzip":                         {header: "gzip", body: compress("gzip"), wantBody: text},
		"x-gzip":                       {header: "x-gzip", body: compress("gzip"), wantBody: text},
		"deflate (zlib)":               {header: "deflate", body: compress("deflate"), wantBody: text},
		"deflate (raw)":                {header: "deflate", body: compress("raw-deflate"), wantBody: text},
		"gzip twice":                   {header: "gzip, gzip", body: compress("gzip, gzip"), wantBody: text},
		"empty gzip body":              {header: "gzip", body: nil, wantBody: ""},
		"unsupported Content-Encoding": {header: "br", body: []byte("x"), wantErr: `unsupported Content-Encoding "br"`},
		// Recovered like gzip -dc and feedparser do.
		"gzip with zero padding": {header: "gzip", body: cat(compress("gzip"), make([]byte, 4)), wantBody: text},
		"gzip with long zero padding": {
			header: "gzip", body: cat(compress("gzip"), make([]byte, 100)), wantBody: text,
		},
		"gzip with junk after the data": {
			header: "gzip", body: cat(compress("gzip"), []byte("junk")), wantBody: text, wantNote: "after the end of the gzip data",
		},
		"gzip in two members": {
			header: "gzip", body: cat(gz([]byte(text[:half])), gz([]byte(text[half:]))), wantBody: text,
		},
		"plain body labelled gzip": {
			header: "gzip", body: []byte(text), wantBody: text, wantNote: "not gzip-compressed: used as it is",
		},
		"one-byte body labelled gzip": {header: "gzip", body: []byte("<"), wantBody: "<", wantNote: "not gzip-compressed"},
		"gzip without Content-Encoding": {
			body: compress("gzip"), wantBody: text, wantNote: "Content-Encoding does not say so: decompressed",
		},
		"gzip twice, labelled once": {
			header: "gzip", body: compress("gzip, gzip"), wantBody: text, wantNote: "once more than Content-Encoding says",
		},
		"corrupt gzip":                  {header: "gzip", body: cat(compress("gzip")[:10], []byte("not deflate at all")), wantErr: "flate"},
		"corrupt gzip header":           {header: "gzip", body: []byte{0x1f, 0x8b, 0x63, 0, 0, 0, 0, 0, 0, 0, 0}, wantErr: "decode gzip"},
		"corrupt undeclared gzip":       {body: cat(compress("gzip")[:10], []byte("not deflate at all")), wantErr: "Content-Encoding does not say so, and it does not decompress"},
		"truncated gzip is still error": {header: "gzip", body: compress("gzip")[:30], wantErr: "unexpected EOF"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("Content-Encoding", tc.header)
				}
				w.Write(tc.body)
			}))
			resp, err := New(testUA).Fetch(context.Background(), Request{URL: s.URL})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				checkErrPrefix(t, err, s.URL)
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if string(resp.Body) != tc.wantBody {
				t.Errorf("Body %q, want %q", resp.Body, tc.wantBody)
			}
			if tc.wantNote == "" && resp.Note != "" || !strings.Contains(resp.Note, tc.wantNote) {
				t.Errorf("Note %q, want %q", resp.Note, tc.wantNote)
			}
		})
	}
}

func TestFetchSizeCap(t *testing.T) {
	const max = 1000
	tests := map[string]struct {
		size    int
		chunked bool
		gzip    bool
		// undeclared: gzip sent without Content-Encoding
		undeclared bool
		wantErr    bool
	}{
		"exactly the cap":               {size: max},
		"one byte over, Content-Length": {size: max + 1, wantErr: true},
		"one byte over, chunked":        {size: max + 1, chunked: true, wantErr: true},
		"far over, chunked":             {size: 100 * max, chunked: true, wantErr: true},
		"gzip inflating to the cap":     {size: max, gzip: true},
		"gzip inflating one byte over":  {size: max + 1, gzip: true, wantErr: true},
		"undeclared gzip to the cap":    {size: max, gzip: true, undeclared: true},
		"undeclared gzip one byte over": {size: max + 1, gzip: true, undeclared: true, wantErr: true},
		"undeclared gzip far over":      {size: 1000 * max, gzip: true, undeclared: true, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := bytes.Repeat([]byte("a"), tc.size)
				if tc.gzip {
					if !tc.undeclared {
						w.Header().Set("Content-Encoding", "gzip")
					}
					zw := gzip.NewWriter(w)
					zw.Write(body)
					zw.Close()
					return
				}
				if !tc.chunked {
					w.Header().Set("Content-Length", fmt.Sprint(tc.size))
				}
				w.Write(body[:tc.size/2])
				w.(http.Flusher).Flush()
				w.Write(body[tc.size/2:])
			}))
			f := New(testUA)
			f.MaxBytes = max
			resp, err := f.Fetch(context.Background(), Request{URL: s.URL})
			if tc.wantErr {
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("err = %v, want ErrTooLarge", err)
				}
				checkErrPrefix(t, err, s.URL)
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if len(resp.Body) != tc.size {
				t.Errorf("len(Body) = %d, want %d", len(resp.Body), tc.size)
			}
		})
	}
	t.Run("Request.MaxBytes overrides", func(t *testing.T) {
		s := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("a"), 100))
		}))
		_, err := New(testUA).Fetch(context.Background(), Request{URL: s.URL, MaxBytes: 99})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
}

// TestFetchGzipBomb serves 1 GiB of zeros gzip-compressed on the fly; with
// a 1 MiB cap the fetch must fail fast with ErrTooLarge, having inflated
// little more than the cap.
func TestFetchGzipBomb(t *testing.T) {
	const total = 1 << 30
	s := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		zeros := make([]byte, 64<<10)
		for n := 0; n < total; n += len(zeros) {
			if _, err := zw.Write(zeros); err != nil || r.Context().Err() != nil {
				return
			}
			// Stream as we go: each 64 KiB of zeros is ~100 bytes on the wire.
			if err := zw.Flush(); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
		zw.Close()
	}))
	f := New(testUA)
	f.MaxBytes = 1 << 20
	var before, after runtimeMem
	before.read()
	start := time.Now()
	_, err := f.Fetch(context.Background(), Request{URL: s.URL})
	elapsed := time.Since(start)
	after.read()
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	checkErrPrefix(t, err, s.URL)
	if elapsed > 5*time.Second {
		t.Errorf("took %v, want well under 5s", elapsed)
	}
	// The server's compressor allocates too; a full inflation would be 1 GiB.
	if d := after.totalAlloc - before.totalAlloc; d > 32<<20 {
		t.Errorf("allocated %d MiB during the fetch, want < 32 MiB", d>>20)
	}
	t.Logf("gzip bomb cut off after %v, %d KiB allocated", elapsed, (after.totalAlloc-before.totalAlloc)>>10)
}

func TestFetchSlow(t *testing.T) {
	tests := map[string]struct {
		handler http.HandlerFunc
		timeout time.Duration
	}{
		"drips one byte per 100ms": {timeout: time.Second, handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			for i := 0; i < 100; i++ {
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}},
		"headers never come": {timeout: 500 * time.Millisecond, handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := mustServer(t, tc.handler)
			start := time.Now()
			_, err := New(testUA).Fetch(context.Background(), Request{URL: s.URL, Timeout: tc.timeout})
			elapsed := time.Since(start)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v, want ErrTimeout", err)
			}
			checkErrPrefix(t, err, s.URL)
			// Slack for a loaded 2-core machine under -race.
			if limit := tc.timeout + max(tc.timeout/2, 500*time.Millisecond); elapsed > limit {
				t.Errorf("cut off after %v, want within %v", elapsed, limit)
			}
		})
	}
	t.Run("Fetcher.Timeout applies", func(t *testing.T) {
		s := mustServer(t, tests["headers never come"].handler)
		f := New(testUA)
		f.Timeout = 300 * time.Millisecond
		start := time.Now()
		_, err := f.Fetch(context.Background(), Request{URL: s.URL})
		if !errors.Is(err, ErrTimeout) || time.Since(start) > time.Second {
			t.Fatalf("err = %v after %v, want ErrTimeout after ~300ms", err, time.Since(start))
		}
	})
	t.Run("caller cancellation is not a timeout", func(t *testing.T) {
		s := mustServer(t, tests["headers never come"].handler)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := New(testUA).Fetch(ctx, Request{URL: s.URL})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want context.Canceled and not ErrTimeout", err)
		}
	})
}

func TestFetchStatusErrors(t *testing.T) {
	now := time.Now()
	date := now.Add(2 * time.Hour).UTC().Truncate(time.Second)
	tests := map[string]struct {
		code       int
		retryAfter string
		wantRetry  time.Time // zero: none; else compared within 5s
	}{
		"404":                          {code: 404},
		"410 Gone":                     {code: 410},
		"500":                          {code: 500},
		"429 with Retry-After seconds": {code: 429, retryAfter: "120", wantRetry: now.Add(120 * time.Second)},
		"503 with Retry-After date":    {code: 503, retryAfter: date.Format(http.TimeFormat), wantRetry: date},
		"503 with garbage Retry-After": {code: 503, retryAfter: "soon"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.code)
				fmt.Fprint(w, "error page")
			}))
			resp, err := New(testUA).Fetch(context.Background(), Request{URL: s.URL + "/feed"})
			if resp != nil {
				t.Errorf("resp = %+v, want nil", resp)
			}
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *StatusError", err, err)
			}
			checkErrPrefix(t, err, s.URL+"/feed")
			if se.Code != tc.code || se.URL != s.URL+"/feed" || !strings.HasPrefix(se.Status, fmt.Sprint(tc.code)) {
				t.Errorf("got Code %d Status %q URL %q, want %d, %d..., %s", se.Code, se.Status, se.URL, tc.code, tc.code, s.URL+"/feed")
			}
			if tc.wantRetry.IsZero() != se.RetryAfter.IsZero() || se.RetryAfter.Sub(tc.wantRetry).Abs() > 5*time.Second {
				t.Errorf("RetryAfter %v, want %v", se.RetryAfter, tc.wantRetry)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		in   string
		want time.Time
	}{
		"empty":               {in: "", want: time.Time{}},
		"seconds":             {in: "120", want: now.Add(2 * time.Minute)},
		"zero seconds":        {in: "0", want: now},
		"seconds with spaces": {in: " 30 ", want: now.Add(30 * time.Second)},
		"IMF-fixdate":         {in: "Fri, 27 Nov 2026 08:00:00 GMT", want: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)},
		"RFC 850 date":        {in: "Friday, 27-Nov-26 08:00:00 GMT", want: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)},
		"asctime date":        {in: "Fri Nov 27 08:00:00 2026", want: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)},
		"past date kept":      {in: "Mon, 02 Jan 2006 15:04:05 GMT", want: time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
		"negative":            {in: "-5", want: time.Time{}},
		"fraction":            {in: "1.5", want: time.Time{}},
		"garbage":             {in: "tomorrow", want: time.Time{}},
		"huge is clamped":     {in: "99999999999999999999999", want: now.Add(time.Duration(1<<63 - 1).Truncate(time.Second))},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ParseRetryAfter(tc.in, now); !got.Equal(tc.want) {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestCacheHints(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		header      http.Header
		wantMaxAge  time.Duration
		wantExpires time.Time
	}{
		"none":                   {header: http.Header{}},
		"max-age":                {header: http.Header{"Cache-Control": {"public, max-age=600"}}, wantMaxAge: 10 * time.Minute},
		"MAX-AGE quoted":         {header: http.Header{"Cache-Control": {`MAX-AGE="60"`}}, wantMaxAge: time.Minute},
		"s-maxage ignored":       {header: http.Header{"Cache-Control": {"s-maxage=900"}}},
		"both, s-maxage ignored": {header: http.Header{"Cache-Control": {"s-maxage=900, max-age=300"}}, wantMaxAge: 5 * time.Minute},
		"no-store ignored":       {header: http.Header{"Cache-Control": {"no-store, no-cache"}}},
		"bad max-age":            {header: http.Header{"Cache-Control": {"max-age=soon, max-age=-1"}}},
		"Expires without Date":   {header: http.Header{"Expires": {"Thu, 26 Nov 2026 11:00:00 GMT"}}, wantExpires: now.Add(time.Hour)},
		"Expires relative to a skewed Date": {header: http.Header{
			"Date": {"Mon, 01 Jan 2001 00:00:00 GMT"}, "Expires": {"Mon, 01 Jan 2001 00:30:00 GMT"},
		}, wantExpires: now.Add(30 * time.Minute)},
		"Expires 0 ignored": {header: http.Header{"Expires": {"0"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			maxAge, expires := cacheHints(tc.header, now)
			if maxAge != tc.wantMaxAge || !expires.Equal(tc.wantExpires) {
				t.Errorf("cacheHints = %v, %v; want %v, %v", maxAge, expires, tc.wantMaxAge, tc.wantExpires)
			}
		})
	}
	t.Run("end to end", func(t *testing.T) {
		s := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "max-age=1800")
			w.Header().Set("Expires", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
			fmt.Fprint(w, "<rss/>")
		}))
		resp, err := New(testUA).Fetch(context.Background(), Request{URL: s.URL})
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if resp.MaxAge != 30*time.Minute || time.Until(resp.Expires).Round(time.Minute) != time.Hour {
			t.Errorf("MaxAge %v Expires in %v, want 30m and ~1h", resp.MaxAge, time.Until(resp.Expires))
		}
	})
}

// TestFetchBrokenTransferMessages: a body cut short of its Content-Length
// and an https:// URL on a plain-HTTP port are reported in words an
// editor can act on, with the URL.
func TestFetchBrokenTransferMessages(t *testing.T) {
	cut := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5000")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<rss version="2.0"><channel><title>Tin</title>`)) // 46 bytes, then the handler ends
	}))
	_, err := New(testUA).Fetch(context.Background(), Request{URL: cut.URL + "/feed"})
	if err == nil {
		t.Fatal("a body cut short was accepted")
	}
	checkErrPrefix(t, err, cut.URL+"/feed")
	if !strings.Contains(err.Error(), "the connection closed after 46 of the 5000 bytes its Content-Length announced") {
		t.Errorf("cut body: %v", err)
	}

	// A port that answers in something other than TLS (an SSH banner).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			c.Close()
		}
	}()
	u := "https://" + ln.Addr().String() + "/feed"
	_, err = New(testUA).Fetch(context.Background(), Request{URL: u, AllowPrivate: true})
	if err == nil {
		t.Fatal("TLS to a plain HTTP server succeeded")
	}
	checkErrPrefix(t, err, u)
	if !strings.Contains(err.Error(), "the server does not speak TLS on this port: is the URL http://?") {
		t.Errorf("TLS to plain HTTP: %v", err)
	}
}
