package publisher

// The fast path's contract (also in the README, HTTP section).
//
// What it answers: on HTTP/1.1 connections (no TLS, no HTTP/2), a GET or
// HEAD of a first-page topic or tag feed (/topics/SLUG.rss|.atom|.json,
// /tags/SLUG.rss|.atom|.json) with no query, no escapes, no body, no
// Range, If-Match, If-Unmodified-Since, Expect or Upgrade, one Host, and
// only Accept-Encoding, If-None-Match, If-Modified-Since and Connection
// (close or keep-alive) among the headers that matter; the response
// (200 or 304, identity or gzip) is the cached rendered one, byte for
// byte what Server.Handler writes, but for Date (a differential test
// and a fuzzer hold it to that).
//
// What it hands to net/http: at the first request it does not take
// (any other path or method, a feed not yet renderable, a head larger
// than fastReadBuf, anything odd), the connection, with the bytes read
// and not consumed, goes to the http.Server for good; net/http parses
// and answers that request and every later one of the connection with
// its own handler, timeouts and limits. The Front keeps the http.Server's
// ReadHeaderTimeout, IdleTimeout and WriteTimeout for its own requests.
//
// What it does not do: fast-path requests never reach the http.Server's
// Handler, so middleware wrapped around the mux or added to it (logging,
// metrics, auth, rate limits) does not see them; count them with
// Front.Stats (bantin_http_fast_responses_total). Code that needs every
// request must turn the fast path off (config fast_path: false, flag
// -fast-path=false; NewHTTP with fastPath false), which leaves plain
// net/http serving everything with the same answers.
//
// Resources: large bodies go out with sendfile(2) from a memfd copy made
// once per response (Linux); the memfd is reference counted and closed
// when its response leaves the render cache (replaced by a new render,
// dropped by Reload or a change of every feed, evicted), or, if a send
// from it is in flight then, when that send ends.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"bantin/publisher/render"
)

// Front is an HTTP/1.1 server for a publisher Server with a fast path in
// front of net/http. A connection's requests that are plain GETs or HEADs
// of a first-page topic or tag feed (no query, no body, no ranges; only
// the validators and Accept-Encoding matter) are answered by the front
// itself, straight from the render cache with prebuilt header bytes: the
// same status, headers and body that Server.Handler would send. At the
// first request it does not take, the connection, with the bytes already
// read, is handed to the net/http server for good. Feed readers poll
// with plain conditional GETs, so nearly every request takes the fast
// path, which costs a fraction of net/http's per-request work.
type Front struct {
	pub *Server
	hs  *http.Server

	// Timeouts of the fast path (net/http applies hs's own after a hand
	// over). NewFront takes them from hs, with defaults for zeros.
	idleTimeout, headerTimeout, writeTimeout time.Duration

	mu       sync.Mutex
	ln       net.Listener
	handoff  *handoffListener
	conns    map[*fastConn]struct{}
	shutdown atomic.Bool
	wg       sync.WaitGroup

	// hot maps the request paths of feeds recently served on the fast
	// path to their responses, for the Server's cache generation gen; it
	// is replaced, never modified, so lookups take no lock.
	hot   atomic.Pointer[hotPaths]
	hotMu sync.Mutex

	retired   int64 // fast responses of closed connections; under mu
	handOvers atomic.Int64
}

type hotPaths struct {
	gen uint64
	m   map[string]*rendered
}

// maxHot bounds the fast path's path map (first pages only: topics and
// tags times three formats).
const maxHot = 4096

// FrontStats counts what the Front did since it started.
type FrontStats struct {
	FastResponses int64 // responses written by the fast path
	HandOvers     int64 // connections handed to net/http
}

// Stats returns the Front's counters (zero for a nil Front: the fast
// path is off).
func (f *Front) Stats() FrontStats {
	if f == nil {
		return FrontStats{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.retired
	for c := range f.conns {
		n += c.served.Load()
	}
	return FrontStats{FastResponses: n, HandOvers: f.handOvers.Load()}
}

// NewFront returns a Front serving pub's feeds on the fast path and
// everything else with hs (whose Handler normally includes pub.Handler).
func NewFront(pub *Server, hs *http.Server) *Front {
	f := &Front{
		pub:           pub,
		hs:            hs,
		idleTimeout:   hs.IdleTimeout,
		headerTimeout: hs.ReadHeaderTimeout,
		writeTimeout:  hs.WriteTimeout,
		conns:         map[*fastConn]struct{}{},
	}
	if f.headerTimeout <= 0 {
		f.headerTimeout = hs.ReadTimeout
	}
	if f.headerTimeout <= 0 {
		f.headerTimeout = 10 * time.Second
	}
	if f.idleTimeout <= 0 {
		f.idleTimeout = hs.ReadTimeout
	}
	if f.idleTimeout <= 0 {
		f.idleTimeout = 2 * time.Minute
	}
	if f.writeTimeout <= 0 {
		f.writeTimeout = time.Minute
	}
	return f
}

// Serve accepts connections on ln until Shutdown or an accept error; it
// returns http.ErrServerClosed after Shutdown.
func (f *Front) Serve(ln net.Listener) error {
	f.mu.Lock()
	if f.ln != nil {
		f.mu.Unlock()
		return errors.New("publisher: Front.Serve called twice")
	}
	f.ln = ln
	f.handoff = &handoffListener{addr: ln.Addr(), conns: make(chan net.Conn), done: make(chan struct{})}
	f.mu.Unlock()
	hsErr := make(chan error, 1)
	go func() { hsErr <- f.hs.Serve(f.handoff) }()

	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if f.shutdown.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			f.handoff.Close()
			return err
		}
		delay = 0
		fc := &fastConn{front: f, conn: c}
		if !f.track(fc, true) {
			c.Close()
			return http.ErrServerClosed
		}
		go fc.serve()
	}
}

// isTemporary reports a temporary accept error (too many open files and
// the like), after which net/http also retries.
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// Shutdown stops accepting, closes idle fast-path connections, lets the
// ones writing a response finish, and shuts the net/http server down
// (see http.Server.Shutdown); when ctx ends first the remaining fast-path
// connections are closed.
func (f *Front) Shutdown(ctx context.Context) error {
	f.shutdown.Store(true)
	f.mu.Lock()
	if f.ln != nil {
		f.ln.Close()
	}
	for fc := range f.conns {
		fc.conn.SetReadDeadline(time.Now()) // wakes connections waiting for a request
	}
	f.mu.Unlock()
	err := f.hs.Shutdown(ctx)
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		f.Close()
		if err == nil {
			err = ctx.Err()
		}
	}
	return err
}

// Close closes the listener and every connection at once.
func (f *Front) Close() error {
	f.shutdown.Store(true)
	f.mu.Lock()
	if f.ln != nil {
		f.ln.Close()
	}
	for fc := range f.conns {
		fc.conn.Close()
	}
	f.mu.Unlock()
	return f.hs.Close()
}

// track adds (or removes) a fast-path connection; it refuses to add
// after Shutdown.
func (f *Front) track(fc *fastConn, add bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if add {
		if f.shutdown.Load() {
			return false
		}
		f.conns[fc] = struct{}{}
		f.wg.Add(1)
		return true
	}
	if _, ok := f.conns[fc]; ok {
		delete(f.conns, fc)
		f.retired += fc.served.Load()
		f.wg.Done()
	}
	return true
}

// fastReadBuf is the fast path's read buffer: request heads that do not
// fit go to net/http (which allows hs.MaxHeaderBytes).
const fastReadBuf = 4 << 10

// fastConn is one connection on the fast path.
type fastConn struct {
	front *Front
	conn  net.Conn
	br    *bufio.Reader
	out   []byte      // response head being built
	bufs  net.Buffers // head and body for one writev

	now           time.Time    // of the last response (or the start)
	readDeadline  time.Time    // last read deadline set
	writeDeadline time.Time    // last write deadline set
	served        atomic.Int64 // responses written (counted per connection: no shared cache line)
}

func (c *fastConn) serve() {
	handedOver := false
	defer func() {
		if !handedOver {
			c.conn.Close()
		}
		c.front.track(c, false)
	}()
	c.br = bufio.NewReaderSize(c.conn, fastReadBuf)
	c.out = make([]byte, 0, 512)
	c.now = time.Now()
	for {
		if c.front.shutdown.Load() {
			return
		}
		head, err := c.readHead()
		if err != nil {
			return
		}
		if head == nil { // does not fit: net/http takes it
			handedOver = c.handOver()
			return
		}
		req, ok := parseFastRequest(head)
		if !ok {
			handedOver = c.handOver()
			return
		}
		c.now = time.Now()
		res := c.front.lookup(req.path, c.now)
		if res == nil {
			handedOver = c.handOver()
			return
		}
		c.br.Discard(len(head))
		c.served.Add(1)
		if !c.respond(res, &req) {
			return
		}
		if req.close {
			c.closeWriteAndDrain()
			return
		}
	}
}

// closeWriteAndDrain ends a connection after a "Connection: close"
// response as net/http does: send FIN first and read what the client
// still sends for a moment, so that closing with unread bytes (which
// makes the kernel send RST) cannot destroy the response in flight.
func (c *fastConn) closeWriteAndDrain() {
	cw, ok := c.conn.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	c.conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	io.CopyN(io.Discard, c.conn, 256<<10)
}

// readHead waits for a complete request head (through the empty line)
// and returns it without consuming it; nil (and no error) when the
// buffer fills first or the client ends the connection half-way.
func (c *fastConn) readHead() ([]byte, error) {
	now := c.now // the last response was just written (or the connection came)
	if c.served.Load() == 0 && c.readDeadline.IsZero() {
		// Like net/http: the first request's head must arrive within
		// the header timeout of the connection's start; only between
		// requests does the idle timeout apply.
		c.readDeadline = now.Add(c.front.headerTimeout)
		c.conn.SetReadDeadline(c.readDeadline)
		if c.front.shutdown.Load() {
			return nil, net.ErrClosed
		}
	} else if c.br.Buffered() == 0 {
		// Idle between requests: refresh the deadline at most once a
		// second (setting it costs a timer update).
		if now.Add(c.front.idleTimeout).Sub(c.readDeadline) > time.Second {
			c.readDeadline = now.Add(c.front.idleTimeout)
			c.conn.SetReadDeadline(c.readDeadline)
			if c.front.shutdown.Load() {
				// Shutdown may have set its deadline just before ours.
				return nil, net.ErrClosed
			}
		}
	}
	// Like net/http: a connection that ends with fewer than 4 bytes of a
	// next request is closed without an answer.
	want := 4
	if c.served.Load() == 0 {
		want = 1
	}
	if c.br.Buffered() < want {
		if _, err := c.br.Peek(want); err != nil {
			return nil, err
		}
	}
	started := false
	for {
		n := c.br.Buffered()
		b, _ := c.br.Peek(n)
		if end := headEnd(b); end > 0 {
			return b[:end], nil
		}
		if n >= c.br.Size() {
			return nil, nil
		}
		if !started {
			// A partial head: the rest must come within headerTimeout.
			started = true
			if d := time.Now().Add(c.front.headerTimeout); d.Before(c.readDeadline) {
				c.readDeadline = d
				c.conn.SetReadDeadline(d)
			}
		}
		if _, err := c.br.Peek(n + 1); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil // a truncated request: net/http answers 400
			}
			return nil, err
		}
	}
}

// headEnd returns the length of the request head in b (through the first
// empty line, CRLF or bare LF), or 0 when it is incomplete.
func headEnd(b []byte) int {
	i := bytes.Index(b, []byte("\n\r\n"))
	j := bytes.Index(b, []byte("\n\n"))
	switch {
	case i >= 0 && (j < 0 || i < j):
		return i + 3
	case j >= 0:
		return j + 2
	}
	return 0
}

// handOver gives the connection, and the bytes read but not consumed, to
// the net/http server. It reports whether net/http took it.
func (c *fastConn) handOver() bool {
	c.conn.SetReadDeadline(time.Time{})
	c.conn.SetWriteDeadline(time.Time{})
	var conn net.Conn = c.conn
	if c.br.Buffered() > 0 {
		conn = &prefixConn{Conn: c.conn, r: c.br}
	}
	// Counted and untracked first: net/http may answer before give
	// returns.
	c.front.handOvers.Add(1)
	c.front.track(c, false)
	if !c.front.handoff.give(conn) {
		c.front.handOvers.Add(-1)
		return false
	}
	return true
}

// respond writes res for req; false when the connection failed.
func (c *fastConn) respond(res *rendered, req *fastRequest) bool {
	gz := req.acceptEncoding != nil && acceptsGzipBytes(req.acceptEncoding)
	status304 := false
	if req.ifNoneMatch != nil {
		// The common case, the tag itself, is compared without a copy.
		status304 = string(req.ifNoneMatch) == res.etag || string(req.ifNoneMatch) == res.etagGz ||
			etagMatch(string(req.ifNoneMatch), res.etag)
	} else if req.ifModifiedSince != nil {
		t, err := http.ParseTime(string(req.ifModifiedSince))
		status304 = err == nil && !res.lastMod.After(t) && !res.sameSecond
	}
	f := res.fastHeads()
	var h fastHead
	var body []byte
	switch {
	case status304 && gz:
		h = f.notModifiedGz
	case status304:
		h = f.notModified
	case gz:
		h, body = res.fastHeadGz(), res.gz
	default:
		h, body = f.ok, res.body
	}
	if req.method == http.MethodHead {
		body = nil
	}
	out := c.out[:0]
	if req.http10 {
		out = append(out, "HTTP/1.0 "...)
	} else {
		out = append(out, "HTTP/1.1 "...)
	}
	if status304 {
		out = append(out, "304 Not Modified\r\n"...)
	} else {
		out = append(out, "200 OK\r\n"...)
	}
	out = append(out, h...)
	out = appendDate(out, c.now)
	switch {
	case req.http10 && !req.close:
		out = append(out, "Connection: keep-alive\r\n"...)
	case req.close && !req.http10:
		out = append(out, "Connection: close\r\n"...)
	}
	out = append(out, "\r\n"...)
	c.out = out

	now := c.now
	if now.Add(c.front.writeTimeout).Sub(c.writeDeadline) > time.Second {
		c.writeDeadline = now.Add(c.front.writeTimeout)
		c.conn.SetWriteDeadline(c.writeDeadline)
	}
	if len(body) >= minSendfileBody {
		if bf := res.acquireBodyFile(gz); bf != nil {
			handled, err := sendHeadAndFile(c.conn, out, bf)
			bf.release()
			if handled {
				return err == nil
			}
		}
	}
	var err error
	if len(body) == 0 {
		_, err = c.conn.Write(out)
	} else {
		c.bufs = append(c.bufs[:0], out, body)
		_, err = c.bufs.WriteTo(c.conn)
	}
	return err == nil
}

// acquireBodyFile returns (creating once) the memfd copy of r's
// identity or gzip body for sendfile, with a reference the caller
// releases when the send is done; nil when there is none (r left the
// cache, the body is small, too many are open): then the body goes out
// with writev.
func (r *rendered) acquireBodyFile(gz bool) *bodyFile {
	if r.retired.Load() {
		return nil
	}
	i, b := 0, r.body
	if gz {
		r.gzipped()
		i, b = 1, r.gz
	}
	r.files[i].once.Do(func() {
		bf := newBodyFile(b)
		if bf == nil {
			return
		}
		r.files[i].f.Store(bf)
		// A response that is never cached (rendered while the whole
		// cache was dropped) is never retired: the GC closes its memfd.
		runtime.AddCleanup(r, (*bodyFile).dropCache, bf)
		if r.retired.Load() {
			bf.dropCache() // retired while it was made
		}
	})
	bf := r.files[i].f.Load()
	if bf == nil || !bf.acquire() {
		return nil
	}
	return bf
}

// retire is called when r leaves the cache (replaced by a new version,
// dropped with the whole cache, evicted): its memfds are closed now, or
// when the last send from them ends; later sends of r use writev.
func (r *rendered) retire() {
	if r.retired.Swap(true) {
		return
	}
	for i := range r.files {
		if bf := r.files[i].f.Load(); bf != nil {
			bf.dropCache()
		}
	}
}

// fastHead is a rendered response's header lines for one variant on the
// fast path, exactly as net/http writes them: the handler's headers in
// sorted order, then Date and Connection.
type fastHead []byte

// fastHeads are the four variants: 200 and 304, identity and gzip.
type fastHeads struct {
	ok, notModified, notModifiedGz fastHead
}

// fastHeadGz returns (building once, with the gzip body) the header
// bytes of r's gzip 200.
func (r *rendered) fastHeadGz() fastHead {
	r.fastGzOnce.Do(func() {
		r.gzipped()
		f := r.fastHeads()
		r.fastGz = fastHead("Cache-Control: " + r.cacheControl + "\r\nContent-Encoding: gzip\r\nContent-Length: " + r.gzLen + "\r\n" +
			"Content-Type: " + r.contentType + "\r\n" + string(f.notModifiedGz[len("Cache-Control: "+r.cacheControl+"\r\n"):]))
	})
	return r.fastGz
}

// fastHeads returns (building once) r's prebuilt header bytes.
func (r *rendered) fastHeads() *fastHeads {
	r.fastOnce.Do(func() {
		cc := "Cache-Control: " + r.cacheControl + "\r\n"
		ct := "Content-Type: " + r.contentType + "\r\n"
		tail := "Last-Modified: " + r.lastModStr + "\r\n"
		if r.link != "" {
			tail += "Link: " + r.link + "\r\n"
		}
		tail += "Vary: Accept-Encoding\r\n"
		etag := "Etag: " + r.etag + "\r\n"
		etagGz := "Etag: " + r.etagGz + "\r\n"
		r.fast = &fastHeads{
			ok:            fastHead(cc + "Content-Length: " + r.bodyLen + "\r\n" + ct + etag + tail),
			notModified:   fastHead(cc + etag + tail),
			notModifiedGz: fastHead(cc + etagGz + tail),
		}
	})
	return r.fast
}

// fastRequest is what the fast path reads from a request head.
type fastRequest struct {
	method string // http.MethodGet or http.MethodHead
	path   []byte
	http10 bool // HTTP/1.0: the response says HTTP/1.0
	close  bool // close after the response

	acceptEncoding, ifNoneMatch, ifModifiedSince []byte // nil when absent
}

// parseFastRequest parses head (a complete request head) when the fast
// path can answer it exactly as net/http and the handler would; ok is
// false for anything else, which net/http then parses and answers:
// other methods, absolute or non-ASCII targets, queries, escapes,
// bodies, ranges, other preconditions, Expect, Upgrade, folded or
// repeated headers of interest, a missing or odd Host, Connection
// values other than a plain "close" or "keep-alive", bare LF line ends.
func parseFastRequest(head []byte) (req fastRequest, ok bool) {
	line, rest, ok := cutLine(head)
	if !ok {
		return req, false
	}
	switch {
	case bytes.HasPrefix(line, []byte("GET ")):
		req.method, line = http.MethodGet, line[4:]
	case bytes.HasPrefix(line, []byte("HEAD ")):
		req.method, line = http.MethodHead, line[5:]
	default:
		return req, false
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return req, false
	}
	req.path, line = line[:sp], line[sp+1:]
	if req.path[0] != '/' {
		return req, false
	}
	for _, b := range req.path {
		if b <= ' ' || b >= 0x7f || b == '?' || b == '%' || b == '#' || b == '\\' {
			return req, false
		}
	}
	switch string(line) {
	case "HTTP/1.1":
	case "HTTP/1.0":
		req.http10 = true
	default:
		return req, false
	}
	var host, conn []byte
	seen := 0
	for {
		line, rest, ok = cutLine(rest)
		if !ok {
			return req, false
		}
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return req, false
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		for _, b := range name {
			if !isTokenByte(b) {
				return req, false
			}
		}
		for _, b := range value {
			if b < ' ' && b != '\t' || b == 0x7f {
				return req, false
			}
		}
		var slot *[]byte
		var bit int
		switch {
		case asciiEqualFold(name, "host"):
			slot, bit = &host, 1
		case asciiEqualFold(name, "accept-encoding"):
			slot, bit = &req.acceptEncoding, 2
		case asciiEqualFold(name, "if-none-match"):
			slot, bit = &req.ifNoneMatch, 4
		case asciiEqualFold(name, "if-modified-since"):
			slot, bit = &req.ifModifiedSince, 8
		case asciiEqualFold(name, "connection"):
			slot, bit = &conn, 16
		case asciiEqualFold(name, "content-length"), asciiEqualFold(name, "transfer-encoding"),
			asciiEqualFold(name, "expect"), asciiEqualFold(name, "upgrade"),
			asciiEqualFold(name, "range"), asciiEqualFold(name, "if-range"),
			asciiEqualFold(name, "if-match"), asciiEqualFold(name, "if-unmodified-since"),
			asciiEqualFold(name, "trailer"), asciiEqualFold(name, "http2-settings"):
			return req, false
		default:
			continue
		}
		if seen&bit != 0 {
			return req, false // repeated: net/http combines or rejects
		}
		seen |= bit
		*slot = value
	}
	if len(rest) != 0 {
		return req, false
	}
	if seen&1 == 0 && !req.http10 || !validHost(host) {
		return req, false
	}
	switch {
	case seen&16 == 0:
		req.close = req.http10
	case asciiEqualFold(conn, "close"):
		req.close = true
	case asciiEqualFold(conn, "keep-alive"):
	default:
		return req, false
	}
	if req.acceptEncoding != nil && len(req.acceptEncoding) == 0 {
		req.acceptEncoding = nil
	}
	if req.ifNoneMatch != nil && len(req.ifNoneMatch) == 0 {
		req.ifNoneMatch = nil
	}
	if req.ifModifiedSince != nil && len(req.ifModifiedSince) == 0 {
		req.ifModifiedSince = nil
	}
	return req, true
}

// cutLine cuts a CRLF-terminated line off b; ok is false for a bare LF
// or a missing line end.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	return b[:i-1], b[i+1:], true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isTokenByte reports whether b may appear in a header name (RFC 9110 tchar).
func isTokenByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), b) >= 0
}

// asciiEqualFold compares b with the lower-case ASCII s, ignoring case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// validHost accepts the Host values the fast path takes: empty (HTTP/1.0
// without Host), or names, IPv4 and bracketed IPv6 literals with a port.
func validHost(h []byte) bool {
	for _, b := range h {
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case b == '.' || b == '-' || b == ':' || b == '[' || b == ']' || b == '_':
		default:
			return false
		}
	}
	return true
}

// acceptsGzipBytes is acceptsGzip for a header value the fast path holds;
// the common values are decided without allocating.
func acceptsGzipBytes(ae []byte) bool {
	switch string(ae) {
	case "gzip", "gzip, deflate", "gzip, deflate, br", "gzip, deflate, br, zstd", "gzip,deflate", "gzip, br":
		return true
	case "identity", "deflate", "br":
		return false
	}
	return acceptsGzip(string(ae))
}

// lookup returns the cached (or freshly rendered) response for a
// first-page feed path of a feed route of the route table (routes.go),
// or nil when the path is anything else or rendering fails (net/http
// then answers, with the error).
func (f *Front) lookup(path []byte, now time.Time) *rendered {
	pub := f.pub
	if pub.store == nil {
		return nil
	}
	pub.checkSeq(context.Background(), now)
	gen := pub.genA.Load()
	h := f.hot.Load()
	if h != nil && h.gen == gen {
		if res := h.m[string(path)]; res != nil && res.fresh(now) {
			res.touch(now)
			return res
		}
	}
	var kind string
	var file []byte
	for _, r := range feedRoutes { // the route table's feed routes
		if bytes.HasPrefix(path, r.prefix) {
			kind, file = r.kind, path[len(r.prefix):]
			break
		}
	}
	if kind == "" {
		return nil
	}
	if len(file) == 0 || file[0] == '.' || bytes.IndexByte(file, '/') >= 0 {
		return nil // net/http cleans or refuses these
	}
	slug, format, ok := splitFeedFile(string(file))
	if !ok || render.ContentType(format) == "" {
		return nil
	}
	res, err := pub.get(context.Background(), cacheKey{kind: kind, slug: slug, format: format})
	if err != nil {
		return nil
	}
	if h != nil && h.gen == gen && h.m[string(path)] == res {
		return res // a stale response served while its new version renders
	}
	// Keep it for the generation it was rendered in (if that is still
	// the current one: a response get served across an invalidation must
	// not be kept).
	f.hotMu.Lock()
	defer f.hotMu.Unlock()
	if pub.genA.Load() != gen {
		return res
	}
	m := map[string]*rendered{}
	if h := f.hot.Load(); h != nil && h.gen == gen {
		if len(h.m) >= maxHot {
			return res
		}
		for k, v := range h.m {
			m[k] = v
		}
	}
	m[string(path)] = res
	f.hot.Store(&hotPaths{gen: gen, m: m})
	return res
}

// dateCache holds the current Date header line, formatted once a second.
var dateCache atomic.Pointer[dateLine]

type dateLine struct {
	sec  int64
	line []byte
}

// appendDate appends the Date header line for now.
func appendDate(b []byte, now time.Time) []byte {
	sec := now.Unix()
	d := dateCache.Load()
	if d == nil || d.sec != sec {
		d = &dateLine{sec: sec, line: now.UTC().AppendFormat([]byte("Date: "), http.TimeFormat)}
		d.line = append(d.line, "\r\n"...)
		dateCache.Store(d)
	}
	return append(b, d.line...)
}

// prefixConn is a handed-over connection whose first bytes are still in
// the fast path's reader.
type prefixConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if c.r != nil {
		if c.r.Buffered() > 0 {
			return c.r.Read(p)
		}
		c.r = nil
	}
	return c.Conn.Read(p)
}

// CloseWrite lets net/http half-close the connection as it does a TCP one.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// handoffListener is the net/http server's listener: it yields the
// connections the fast path hands over.
type handoffListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// give passes c to Accept; false once the listener is closed.
func (l *handoffListener) give(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }
