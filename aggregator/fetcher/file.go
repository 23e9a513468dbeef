package fetcher

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fileTypes maps feed-ish extensions to content types without a charset,
// so the normaliser still finds the charset in the document.
var fileTypes = map[string]string{
	".rss":  "application/rss+xml",
	".atom": "application/atom+xml",
	".rdf":  "application/rdf+xml",
	".xml":  "application/xml",
	".json": "application/json",
	".html": "text/html",
	".htm":  "text/html",
}

// fetchFile serves a file:// URL: the file read with the same byte cap
// (a gzip-compressed file is decompressed, the cap applying to both
// sizes), a Content-Type guessed from the extension, Last-Modified from
// its mtime (and NotModified when req.LastModified is not older).
func (f *Fetcher) fetchFile(u *url.URL, req Request) (*Response, error) {
	if u.Host != "" && u.Host != "localhost" {
		return nil, fmt.Errorf("fetcher: %s: file URL with remote host %q", u.Redacted(), u.Host)
	}
	path := u.Path
	if path == "" {
		path = u.Opaque // file:relative/path
	}
	if path == "" {
		return nil, fmt.Errorf("fetcher: %s: file URL without a path", u.Redacted())
	}
	path = filepath.FromSlash(path)
	max := f.maxBytes(req)
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fetcher: %s: %w", u.Redacted(), err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("fetcher: %s: %w", u.Redacted(), err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("fetcher: %s: %s is a directory", u.Redacted(), path)
	}
	if fi.Mode().IsRegular() && fi.Size() > max {
		return nil, fmt.Errorf("fetcher: %s: %w (%d bytes, limit %d)", u.Redacted(), ErrTooLarge, fi.Size(), max)
	}
	mod := fi.ModTime().UTC().Truncate(time.Second)
	out := &Response{
		Status:       http.StatusOK,
		ContentType:  fileType(path),
		LastModified: mod.Format(http.TimeFormat),
		URL:          u.String(),
		Header:       http.Header{},
	}
	out.Header.Set("Last-Modified", out.LastModified)
	if out.ContentType != "" {
		out.Header.Set("Content-Type", out.ContentType)
	}
	if t, err := http.ParseTime(req.LastModified); err == nil && !mod.After(t) {
		out.Status, out.NotModified = http.StatusNotModified, true
		return out, nil
	}
	body, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, fmt.Errorf("fetcher: %s: read: %w", u.Redacted(), err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("fetcher: %s: %w (limit %d bytes)", u.Redacted(), ErrTooLarge, max)
	}
	if bytes.HasPrefix(body, gzipMagic) {
		// A compressed file (feed.xml.gz): inflated under the same cap.
		var notes []string
		zr, err := newGzipStream(bufio.NewReader(bytes.NewReader(body)), func(s string) { notes = append(notes, s) })
		if err == nil {
			body, err = readCapped(zr, max, 0)
		}
		if errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("fetcher: %s: %w (limit %d bytes, after decompression)", u.Redacted(), ErrTooLarge, max)
		}
		if err != nil {
			return nil, fmt.Errorf("fetcher: %s: file is gzip-compressed and does not decompress: %w", u.Redacted(), err)
		}
		out.Note = strings.Join(append([]string{"file is gzip-compressed: decompressed"}, notes...), "; ")
	}
	out.Body = body
	return out, nil
}

// fileType guesses a Content-Type from the file extension, without
// charset parameters.
func fileType(path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	if t, ok := fileTypes[ext]; ok {
		return t
	}
	t, _, err := mime.ParseMediaType(mime.TypeByExtension(ext))
	if err != nil {
		return ""
	}
	return t
}
