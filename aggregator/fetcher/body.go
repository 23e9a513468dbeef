package fetcher

import (
	"bufio"
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
func readBody(resp *http.Response, max int64, grow func(int64) error) ([]byte, error) {
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
	hint := int64(0)
	if len(encs) == 0 {
		hint = resp.ContentLength
	}
	return readCappedGrow(r, max, hint, grow)
}

// readCapped reads r to EOF into a slice that never grows beyond max+1
// bytes (bytes.Buffer would double past the cap); more than max bytes is
// ErrTooLarge. sizeHint > 0 (a trustworthy Content-Length) sizes the buffer
// at once.
func readCapped(r io.Reader, max, sizeHint int64) ([]byte, error) {
	return readCappedGrow(r, max, sizeHint, nil)
}

// readCappedGrow is readCapped that asks grow (if not nil) before every
// allocation of the buffer.
func readCappedGrow(r io.Reader, max, sizeHint int64, grow func(int64) error) ([]byte, error) {
	size := int64(32 << 10)
	if sizeHint > 0 {
		size = sizeHint + 1 // +1: room to see EOF without growing
	}
	size = min(size, max+1)
	if grow != nil {
		if err := grow(size); err != nil {
			return nil, err
		}
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > max {
				return nil, ErrTooLarge
			}
			next := min(int64(2*cap(b)), max+1)
			if grow != nil {
				if err := grow(next); err != nil {
					return nil, err
				}
			}
			nb := make([]byte, len(b), next)
			copy(nb, b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			if int64(len(b)) > max {
				return nil, ErrTooLarge
			}
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
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
