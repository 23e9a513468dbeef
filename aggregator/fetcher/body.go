package fetcher

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// readBody reads resp.Body, undoing Content-Encoding (gzip, x-gzip,
// deflate, identity, in any stack), and fails with ErrTooLarge as soon as
// more than max bytes come out of the decoder: a compression bomb is
// never inflated beyond max+1 bytes.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	var encs []string
	for _, v := range resp.Header.Values("Content-Encoding") {
		for _, e := range strings.Split(v, ",") {
			if e = strings.ToLower(strings.TrimSpace(e)); e != "" && e != "identity" {
				encs = append(encs, e)
			}
		}
	}
	if len(encs) == 0 && resp.ContentLength > max {
		return nil, ErrTooLarge
	}
	var r io.Reader = resp.Body
	// Encodings are listed in the order applied: undo them in reverse.
	for i := len(encs) - 1; i >= 0; i-- {
		var err error
		switch encs[i] {
		case "gzip", "x-gzip":
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(r); err == nil {
				defer zr.Close()
				r = zr
			}
		case "deflate":
			r, err = deflateReader(r)
		default:
			return nil, fmt.Errorf("unsupported Content-Encoding %q", encs[i])
		}
		if err != nil {
			if err == io.EOF {
				// An empty body labelled as compressed.
				return []byte{}, nil
			}
			return nil, fmt.Errorf("decode %s: %w", encs[i], err)
		}
	}
	var buf bytes.Buffer
	if len(encs) == 0 && resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// deflateReader decodes HTTP "deflate", which should be zlib-wrapped
// (RFC 9110) but is raw DEFLATE from some servers: the zlib header is
// detected.
func deflateReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	h, err := br.Peek(2)
	if err != nil {
		return nil, err
	}
	if h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}
