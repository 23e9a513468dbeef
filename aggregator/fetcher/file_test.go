package fetcher

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fileURL turns a local path into a file:// URL.
func fileURL(tb testing.TB, path string) string {
	tb.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		tb.Fatal(err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

func TestFetchFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.xml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("a"), 2000), 0o644); err != nil {
		t.Fatal(err)
	}
	spaced := filepath.Join(dir, "tin tức.rss")
	if err := os.WriteFile(spaced, []byte("<rss/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	gzipped := filepath.Join(dir, "feed.rss.gz")
	var gzBuf bytes.Buffer
	zw := gzip.NewWriter(&gzBuf)
	zw.Write([]byte("<rss/>"))
	zw.Close()
	if err := os.WriteFile(gzipped, gzBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bomb := filepath.Join(dir, "bomb.xml.gz")
	gzBuf.Reset()
	zw = gzip.NewWriter(&gzBuf)
	zw.Write(make([]byte, 5000))
	zw.Close()
	if err := os.WriteFile(bomb, gzBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rssWant, err := os.ReadFile("../../testdata/fetcher/feed.rss")
	if err != nil {
		t.Fatal(err)
	}
	modTime := func(p string) string {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime().UTC().Format(http.TimeFormat)
	}
	tests := map[string]struct {
		url          string
		lastModified string
		wantBody     []byte
		wantType     string
		wantNotMod   bool
		wantErr      error
		wantErrText  string
		wantNote     string
	}{
		"RSS fixture":                   {url: fileURL(t, "../../testdata/fetcher/feed.rss"), wantBody: rssWant, wantType: "application/rss+xml"},
		"Atom fixture":                  {url: fileURL(t, "../../testdata/fetcher/feed.atom"), wantType: "application/atom+xml"},
		"non-ASCII name with space":     {url: fileURL(t, spaced), wantBody: []byte("<rss/>"), wantType: "application/rss+xml"},
		"file://localhost/ form":        {url: strings.Replace(fileURL(t, spaced), "file://", "file://localhost", 1), wantBody: []byte("<rss/>")},
		"unchanged since Last-Modified": {url: fileURL(t, spaced), lastModified: modTime(spaced), wantNotMod: true},
		"changed since Last-Modified": {url: fileURL(t, spaced), lastModified: "Mon, 02 Jan 2006 15:04:05 GMT",
			wantBody: []byte("<rss/>")},
		"over the cap":         {url: fileURL(t, big), wantErr: ErrTooLarge},
		"gzip-compressed file": {url: fileURL(t, gzipped), wantBody: []byte("<rss/>"), wantNote: "file is gzip-compressed"},
		"gzip-compressed file inflating over the cap": {url: fileURL(t, bomb), wantErr: ErrTooLarge, wantErrText: "after decompression"},
		"missing file": {url: fileURL(t, filepath.Join(dir, "missing.xml")), wantErr: fs.ErrNotExist, wantErrText: filepath.Join(dir, "missing.xml")},
		"directory":    {url: fileURL(t, dir), wantErrText: "is a directory"},
		"remote host":  {url: "file://example.com/etc/passwd", wantErrText: "remote host"},
		"other scheme": {url: "ftp://example.com/feed.xml", wantErrText: `unsupported URL scheme "ftp"`},
	}
	f := New(testUA)
	f.MaxBytes = 1000
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := f.Fetch(context.Background(), Request{URL: tc.url, LastModified: tc.lastModified})
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
				checkErrPrefix(t, err, "")
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if resp.NotModified != tc.wantNotMod {
				t.Errorf("NotModified %v, want %v", resp.NotModified, tc.wantNotMod)
			}
			if tc.wantBody != nil && !bytes.Equal(resp.Body, tc.wantBody) {
				t.Errorf("Body %q, want %q", resp.Body, tc.wantBody)
			}
			if !strings.Contains(resp.Note, tc.wantNote) || tc.wantNote == "" && resp.Note != "" {
				t.Errorf("Note %q, want %q", resp.Note, tc.wantNote)
			}
			if tc.wantType != "" && resp.ContentType != tc.wantType {
				t.Errorf("ContentType %q, want %q", resp.ContentType, tc.wantType)
			}
			if _, err := time.Parse(http.TimeFormat, resp.LastModified); err != nil {
				t.Errorf("LastModified %q: %v", resp.LastModified, err)
			}
		})
	}
}

func TestFileType(t *testing.T) {
	tests := map[string]string{
		"a.rss": "application/rss+xml", "a.ATOM": "application/atom+xml", "a.xml": "application/xml",
		"a.json": "application/json", "a.html": "text/html", "a.rdf": "application/rdf+xml",
		"a.txt": "text/plain", "noext": "",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := fileType(in); got != want {
				t.Errorf("fileType(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestAsciiHost(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"ASCII unchanged":     {in: "http://example.com/feed", want: "http://example.com/feed"},
		"IDN":                 {in: "http://bücher.example/feed", want: "http://xn--bcher-kva.example/feed"},
		"Vietnamese IDN+port": {in: "https://tintức.vn:8443/rss", want: "https://xn--tintc-ye2b.vn:8443/rss"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			u, err := url.Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if err := asciiHost(u); err != nil {
				t.Fatalf("asciiHost: %v", err)
			}
			if u.String() != tc.want {
				t.Errorf("got %s, want %s", u, tc.want)
			}
		})
	}
}
