package fetcher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// hop is one redirect a test server answers with.
type hop struct {
	code int
	to   string // Location; relative paths allowed
}

// redirectServer answers each path in routes with its redirect and every
// other path with a 200 feed (or 304 when If-None-Match is "v1").
func redirectServer(tb testing.TB, routes map[string]hop) (url string, hits map[string]int) {
	tb.Helper()
	hits = map[string]int{}
	s := mustServer(tb, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits[r.URL.Path]++
		if h, ok := routes[r.URL.Path]; ok {
			if h.to != "" {
				w.Header().Set("Location", h.to)
			}
			w.WriteHeader(h.code)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, "feed at "+r.URL.Path)
	}))
	return s.URL, hits
}

func TestFetchRedirects(t *testing.T) {
	tests := map[string]struct {
		routes       map[string]hop
		start        string
		maxRedirects int
		etag         string
		wantPath     string // final path
		wantPerm     bool   // PermanentURL == final URL
		wantNotMod   bool
		wantErr      error
		wantErrText  string
	}{
		"no redirect": {start: "/feed", wantPath: "/feed"},
		"301":         {routes: map[string]hop{"/a": {301, "/feed"}}, start: "/a", wantPath: "/feed", wantPerm: true},
		"308":         {routes: map[string]hop{"/a": {308, "/feed"}}, start: "/a", wantPath: "/feed", wantPerm: true},
		"301 chain": {routes: map[string]hop{"/a": {301, "/b"}, "/b": {308, "/c"}, "/c": {301, "/feed"}},
			start: "/a", wantPath: "/feed", wantPerm: true},
		"302":          {routes: map[string]hop{"/a": {302, "/feed"}}, start: "/a", wantPath: "/feed"},
		"303":          {routes: map[string]hop{"/a": {303, "/feed"}}, start: "/a", wantPath: "/feed"},
		"307":          {routes: map[string]hop{"/a": {307, "/feed"}}, start: "/a", wantPath: "/feed"},
		"301 then 302": {routes: map[string]hop{"/a": {301, "/b"}, "/b": {302, "/feed"}}, start: "/a", wantPath: "/feed"},
		"302 then 301": {routes: map[string]hop{"/a": {302, "/b"}, "/b": {301, "/feed"}}, start: "/a", wantPath: "/feed"},
		"relative Location": {routes: map[string]hop{"/dir/a": {301, "b"}, "/dir/b": {301, "../feed"}},
			start: "/dir/a", wantPath: "/feed", wantPerm: true},
		"301 then 304 keeps PermanentURL": {routes: map[string]hop{"/a": {301, "/feed"}}, start: "/a", etag: `"v1"`,
			wantPath: "/feed", wantPerm: true, wantNotMod: true},
		"exactly MaxRedirects": {routes: map[string]hop{"/1": {301, "/2"}, "/2": {301, "/3"}, "/3": {301, "/4"}, "/4": {301, "/5"}, "/5": {301, "/feed"}},
			start: "/1", wantPath: "/feed", wantPerm: true},
		"one more than MaxRedirects": {routes: map[string]hop{"/1": {301, "/2"}, "/2": {301, "/3"}, "/3": {301, "/4"}, "/4": {301, "/5"}, "/5": {301, "/6"}, "/6": {301, "/feed"}},
			start: "/1", wantErr: ErrTooManyRedirects},
		"MaxRedirects 2": {routes: map[string]hop{"/1": {301, "/2"}, "/2": {301, "/3"}, "/3": {301, "/feed"}},
			start: "/1", maxRedirects: 2, wantErr: ErrTooManyRedirects},
		"negative MaxRedirects follows none": {routes: map[string]hop{"/a": {301, "/feed"}}, start: "/a", maxRedirects: -1, wantErr: ErrTooManyRedirects},
		"loop":                               {routes: map[string]hop{"/a": {301, "/b"}, "/b": {302, "/a"}}, start: "/a", wantErr: ErrRedirectLoop},
		"self loop":                          {routes: map[string]hop{"/a": {307, "/a"}}, start: "/a", wantErr: ErrRedirectLoop},
		"loop through a fragment":            {routes: map[string]hop{"/a": {301, "/b"}, "/b": {301, "/a#x"}}, start: "/a", wantErr: ErrRedirectLoop},
		"missing Location":                   {routes: map[string]hop{"/a": {302, ""}}, start: "/a", wantErrText: "without Location"},
		"redirect to file:// refused":        {routes: map[string]hop{"/a": {302, "file:///etc/passwd"}}, start: "/a", wantErrText: `unsupported scheme "file"`},
		"redirect to a 404":                  {routes: map[string]hop{"/a": {301, "/gone"}, "/gone": {404, ""}}, start: "/a", wantErrText: "404"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			base, hits := redirectServer(t, tc.routes)
			f := New(testUA)
			f.MaxRedirects = tc.maxRedirects
			resp, err := f.Fetch(context.Background(), Request{URL: base + tc.start, ETag: tc.etag})
			if tc.wantErr != nil || tc.wantErrText != "" {
				if err == nil {
					t.Fatalf("err = nil, want %v %q", tc.wantErr, tc.wantErrText)
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErrText) {
					t.Errorf("err = %v, want it to contain %q", err, tc.wantErrText)
				}
				checkErrPrefix(t, err, base)
				for p, n := range hits {
					if n > 1 {
						t.Errorf("%s requested %d times, want at most once", p, n)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if want := base + tc.wantPath; resp.URL != want {
				t.Errorf("URL %q, want %q", resp.URL, want)
			}
			wantPerm := ""
			if tc.wantPerm {
				wantPerm = base + tc.wantPath
			}
			if resp.PermanentURL != wantPerm {
				t.Errorf("PermanentURL %q, want %q", resp.PermanentURL, wantPerm)
			}
			if resp.NotModified != tc.wantNotMod {
				t.Errorf("NotModified %v, want %v", resp.NotModified, tc.wantNotMod)
			}
			if !tc.wantNotMod && string(resp.Body) != "feed at "+tc.wantPath {
				t.Errorf("Body %q, want %q", resp.Body, "feed at "+tc.wantPath)
			}
		})
	}
}
