package fetcher

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// gzipMagic starts every gzip member (RFC 1952: ID1, ID2, CM = deflate).
// Two bytes identify a body labelled gzip; an unlabelled body must match
// all three before it is taken as gzip.
var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// Notes readBody gives about bodies it recovered.
const (
	noteNotGzip        = "Content-Encoding says gzip but the body is not gzip-compressed: used as it is"
	noteUndeclaredGzip = "body is gzip-compressed but Content-Encoding does not say so: decompressed"
	noteExtraGzip      = "body is gzip-compressed once more than Content-Encoding says: decompressed"
	noteGzipTrailer    = "bytes after the end of the gzip data ignored"
)

// errUndeclaredGzip explains a body that starts like gzip, without a
// Content-Encoding saying so, and does not decompress.
var errUndeclaredGzip = errors.New("body is gzip-compressed but Content-Encoding does not say so")

// readBody reads resp.Body, undoing Content-Encoding (gzip, x-gzip,
// deflate, identity, in any stack), and fails with ErrTooLarge as soon as
// more than max bytes come out of the decoder: a compression bomb is
// never inflated beyond max+1 bytes.
//
// It recovers what browsers and feed readers recover, and says so in
// note: a body labelled gzip that is not gzip is used as it is; a gzip
// body the label does not mention (no Content-Encoding, or compressed
// twice) is decompressed under the same cap; zero padding or junk after
// the gzip data is ignored; concatenated gzip members are all read.
func readBody(resp *http.Response, max int64, grow func(int64) error) (body []byte, pooled *[]byte, note string, err error) {
	var encs []string
	for _, v := range resp.Header.Values("Content-Encoding") {
		for _, e := range strings.Split(v, ",") {
			if e = strings.ToLower(strings.TrimSpace(e)); e != "" && e != "identity" {
				encs = append(encs, e)
			}
		}
	}
	if len(encs) == 0 && resp.ContentLength > max {
		return nil, nil, "", ErrTooLarge
	}
	var notes []string
	addNote := func(s string) {
		for _, n := range notes {
			if n == s {
				return
			}
		}
		notes = append(notes, s)
	}
	defer func() { note = strings.Join(notes, "; ") }()

	var r io.Reader = resp.Body
	// Encodings are listed in the order applied: undo them in reverse.
	for i := len(encs) - 1; i >= 0; i-- {
		var err error
		switch encs[i] {
		case "gzip", "x-gzip":
			br := bufio.NewReader(r)
			head, _ := br.Peek(2)
			switch {
			case len(head) == 0:
				// An empty body labelled as compressed.
				return []byte{}, nil, "", nil
			case !bytes.HasPrefix(gzipMagic, head) || len(head) < 2:
				addNote(noteNotGzip)
				r = br
			default:
				r, err = newGzipStream(br, addNote)
			}
		case "deflate":
			r, err = deflateReader(r)
		default:
			return nil, nil, "", fmt.Errorf("unsupported Content-Encoding %q", encs[i])
		}
		if err != nil {
			if err == io.EOF {
				// An empty body labelled as compressed.
				return []byte{}, nil, "", nil
			}
			return nil, nil, "", fmt.Errorf("decode %s: %w", encs[i], err)
		}
	}
	// A gzip body the labels do not account for (a .gz file served as
	// it is, or compressed twice by a misconfigured server).
	br := bufio.NewReader(r)
	r = br
	if head, _ := br.Peek(len(gzipMagic)); bytes.Equal(head, gzipMagic) {
		zr, err := newGzipStream(br, addNote)
		if err != nil {
			return nil, nil, "", fmt.Errorf("%w, and it does not decompress: %w", errUndeclaredGzip, err)
		}
		r = undeclaredGzip{zr}
		if len(encs) == 0 {
			addNote(noteUndeclaredGzip)
		} else {
			addNote(noteExtraGzip)
		}
	}
	hint := int64(0)
	if len(encs) == 0 && r == br {
		hint = resp.ContentLength
	}
	body, pooled, err = readCappedGrow(r, max, hint, grow)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) && hint > 0 {
			err = fmt.Errorf("the connection closed after %d of the %d bytes its Content-Length announced: %w", len(body), hint, err)
		}
		return nil, nil, "", err
	}
	return body, pooled, "", nil
}

// undeclaredGzip names the cause of a read error in a gzip body that no
// Content-Encoding announced.
type undeclaredGzip struct{ r io.Reader }

func (u undeclaredGzip) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, ErrTooLarge) {
		err = fmt.Errorf("%w, and it does not decompress: %w", errUndeclaredGzip, err)
	}
	return n, err
}

// gzipStream decompresses a gzip body member after member, like gzip -dc:
// it stops at the end of the data, ignoring zero padding (written by
// some servers and tape-style tools) and, with a note, any other bytes
// after it, where gzip.Reader would fail with "unexpected EOF" or
// "invalid header".
type gzipStream struct {
	br   *bufio.Reader
	zr   *gzip.Reader
	note func(string)
	done bool
}

// gzipTrailerScan bounds how much of what follows the gzip data is read
// to tell zero padding from junk.
const gzipTrailerScan = 64 << 10

func newGzipStream(br *bufio.Reader, note func(string)) (*gzipStream, error) {
	// br is an io.ByteReader, so the gzip reader reads nothing past the
	// end of a member: the next bytes can be inspected there.
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, err
	}
	zr.Multistream(false)
	return &gzipStream{br: br, zr: zr, note: note}, nil
}

func (g *gzipStream) Read(p []byte) (int, error) {
	if g.done {
		return 0, io.EOF
	}
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		// The end of one member: another member, padding, junk or the end.
		if head, _ := g.br.Peek(2); len(head) == 2 && bytes.HasPrefix(gzipMagic, head) {
			if err := g.zr.Reset(g.br); err != nil {
				return n, err
			}
			g.zr.Multistream(false)
			if n > 0 {
				return n, nil
			}
			continue
		}
		g.done = true
		if !g.zeroTrailer() {
			g.note(noteGzipTrailer)
		}
		return n, io.EOF
	}
}

// zeroTrailer reports whether what follows the gzip data (up to
// gzipTrailerScan bytes of it) is only zero bytes.
func (g *gzipStream) zeroTrailer() bool {
	buf := make([]byte, 4<<10)
	for read := 0; read < gzipTrailerScan; {
		n, err := g.br.Read(buf)
		for _, c := range buf[:n] {
			if c != 0 {
				return false
			}
		}
		read += n
		if err != nil {
			return true
		}
	}
	return true
}

// readCapped reads r to EOF into a slice that never grows beyond max+1
// bytes (bytes.Buffer would double past the cap); more than max bytes is
// ErrTooLarge. sizeHint > 0 (a trustworthy Content-Length) sizes the buffer
// at once.
func readCapped(r io.Reader, max, sizeHint int64) ([]byte, error) {
	b, _, err := readCappedGrow(r, max, sizeHint, nil)
	return b, err
}

// readCappedGrow is readCapped that asks grow (if not nil) before every
// allocation of the buffer. Its buffers come from bodyBufs: the one it
// returns with the body (nil when not pooled) may go back there once
// nothing refers to the body any more (Response.Release).
func readCappedGrow(r io.Reader, max, sizeHint int64, grow func(int64) error) ([]byte, *[]byte, error) {
	size := int64(32 << 10)
	if sizeHint > 0 {
		size = sizeHint + 1 // +1: room to see EOF without growing
	}
	size = min(size, max+1)
	if grow != nil {
		if err := grow(size); err != nil {
			return nil, nil, err
		}
	}
	pooled, b := getBodyBuf(size)
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > max {
				putBodyBuf(pooled)
				return nil, nil, ErrTooLarge
			}
			next := min(int64(2*cap(b)), max+1)
			if grow != nil {
				if err := grow(next); err != nil {
					putBodyBuf(pooled)
					return nil, nil, err
				}
			}
			np, nb := getBodyBuf(next)
			nb = nb[:len(b)]
			copy(nb, b)
			putBodyBuf(pooled)
			pooled, b = np, nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			if int64(len(b)) > max {
				putBodyBuf(pooled)
				return nil, nil, ErrTooLarge
			}
			return b, pooled, nil
		}
		if err != nil {
			return b, nil, err // what arrived, for the error's message (not pooled: the message may keep it)
		}
	}
}

// bodyBufs pools the buffers of bodies up to maxPooledBody, by size class:
// bodyBufs[k] holds buffers of minPooledBody<<k bytes. A first ingest
// read every body into a fresh buffer, doubling from 32 KiB: 6% of all it
// allocated, zeroed first.
var bodyBufs [bodyClasses]sync.Pool

const (
	minPooledBody = 32 << 10
	bodyClasses   = 6 // up to 1 MiB
	maxPooledBody = minPooledBody << (bodyClasses - 1)
)

// getBodyBuf returns an empty slice of capacity size, and the pooled
// buffer it is part of (nil when size is beyond the pooled sizes).
func getBodyBuf(size int64) (*[]byte, []byte) {
	if size > maxPooledBody {
		return nil, make([]byte, 0, size)
	}
	k := bodyClass(size)
	p, _ := bodyBufs[k].Get().(*[]byte)
	if p == nil {
		b := make([]byte, minPooledBody<<k)
		p = &b
	}
	return p, (*p)[:0:size]
}

// putBodyBuf returns a buffer of getBodyBuf to its pool (nil: nothing).
func putBodyBuf(p *[]byte) {
	if p == nil {
		return
	}
	bodyBufs[bodyClass(int64(cap(*p)))].Put(p)
}

// bodyClass is the size class of bodyBufs that holds size bytes.
func bodyClass(size int64) int {
	k := 0
	for int64(minPooledBody)<<k < size {
		k++
	}
	return k
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
