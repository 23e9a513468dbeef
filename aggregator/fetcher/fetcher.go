// Package fetcher downloads feeds over HTTP(S) or from file:// URLs. It owns
// the HTTP semantics of polling: timeouts, User-Agent, conditional GET,
// gzip/deflate decoding under a size cap, manual redirect handling (chain
// cap, loop detection, permanent-move tracking), server-side request forgery
// protection, typed status errors with Retry-After and cache hints.
//
// It parses nothing: the caller hands Response.Body to the normaliser.
package fetcher

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
)

// Defaults used when the corresponding Fetcher field is zero.
const (
	DefaultMaxBytes     = 10 << 20
	DefaultMaxRedirects = 5
	DefaultTimeout      = 20 * time.Second
	DefaultUserAgent    = "bantin"
)

// Timeouts of the transport built by New.
const (
	ConnectTimeout        = 10 * time.Second
	TLSHandshakeTimeout   = 10 * time.Second
	ResponseHeaderTimeout = 30 * time.Second
	IdleConnTimeout       = 90 * time.Second
	MaxIdleConnsPerHost   = 4
)

// Accept is the Accept header sent with every request: feed types first.
const Accept = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"

// AcceptHTML is the Accept header for web pages (listing and article pages).
const AcceptHTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.8"

// Sentinel errors; Fetch wraps them with the URL, test them with errors.Is.
var (
	// ErrTooLarge: the body (after decompression) exceeds the byte cap.
	ErrTooLarge = errors.New("response body too large")
	// ErrTooManyRedirects: the redirect chain is longer than MaxRedirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrRedirectLoop: a redirect leads to a URL already visited in the chain.
	ErrRedirectLoop = errors.New("redirect loop")
	// ErrPrivateAddress: a request would reach a loopback, private,
	// link-local, unspecified, CGNAT or ULA address although the policy
	// forbids it (see Request.AllowPrivate).
	ErrPrivateAddress = errors.New("refused: private or loopback address")
	// ErrTimeout: the whole-request timeout (Request.Timeout or
	// Fetcher.Timeout) elapsed, including while reading the body.
	ErrTimeout = errors.New("timeout")
)

// Fetcher performs feed requests. The zero value is usable: nil or zero
// fields fall back to the defaults above and a client like New's is built on
// first use. A Fetcher is safe for concurrent use; do not change its fields
// while fetches are running, nor copy it after first use.
//
// Address policy (server-side request forgery): unless Request.AllowPrivate,
// when the origin (Request.Origin, else Request.URL) is on a public address,
// no hop of the chain may reach a non-public one (netpolicy.IsPrivate). Each hop
// is checked before it is requested, and New's dialer connects only to the
// addresses that were checked, so DNS rebinding cannot bypass it. Through a
// proxy from the environment, names are resolved by the proxy and only
// literal addresses are checked here.
type Fetcher struct {
	// Client sends the requests. nil: a client built like New's. A caller's
	// own client is used as is, except that it never follows redirects
	// itself; its transport does not enforce the address policy at dial
	// time (only the per-hop check applies), so prefer New's.
	Client *http.Client
	// UserAgent is sent with every request, e.g. "bantin/1.2 (+https://x)".
	UserAgent string
	// MaxBytes caps the body, counted after decompression. Default 10 MiB.
	MaxBytes int64
	// MaxRedirects caps the redirect chain. 0 means DefaultMaxRedirects;
	// negative means no redirect is followed (each one is ErrTooManyRedirects).
	MaxRedirects int
	// Timeout bounds one whole fetch (connect, redirects, headers, body).
	// Default 20s; Request.Timeout overrides it.
	Timeout time.Duration
	// LookupIP resolves host names, both for the address policy and for
	// dialing (so the address checked is the address connected to). nil:
	// net.DefaultResolver. Tests set it to fake public names.
	LookupIP func(ctx context.Context, host string) ([]net.IP, error)

	// dialHook, when set (tests only), replaces the socket dial of one
	// checked address: it lets a fake "public" IP reach a loopback test
	// server, or simulate an address that never answers.
	dialHook func(ctx context.Context, network, addr string) (net.Conn, error)

	once   sync.Once
	client *http.Client
}

// New returns a Fetcher with its own http.Client: 10s connect timeout, TLS
// handshake and response-header timeouts, idle connection limits, HTTP/2,
// proxy from the environment, no transparent decompression (the fetcher
// decodes itself so the size cap applies after inflation) and a dialer
// that enforces the address policy of each request.
func New(userAgent string) *Fetcher {
	f := &Fetcher{UserAgent: userAgent}
	f.Client = f.newClient()
	return f
}

func (f *Fetcher) newClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           f.dialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   TLSHandshakeTimeout,
		ResponseHeaderTimeout: ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       IdleConnTimeout,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   MaxIdleConnsPerHost,
		DisableCompression:    true,
	}
	return &http.Client{Transport: tr, CheckRedirect: noRedirect}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// httpClient returns the client to use: a shallow copy that never follows
// redirects (Fetch follows them itself).
func (f *Fetcher) httpClient() *http.Client {
	c := f.Client
	if c == nil {
		f.once.Do(func() { f.client = f.newClient() })
		c = f.client
	}
	cc := *c
	cc.CheckRedirect = noRedirect
	return &cc
}

// Request describes one fetch.
type Request struct {
	URL string // http://, https:// or file://
	// ETag and LastModified are the validators from the previous 200; when
	// set they are sent as If-None-Match / If-Modified-Since.
	ETag, LastModified string
	// Timeout overrides Fetcher.Timeout when > 0.
	Timeout time.Duration
	// MaxBytes overrides Fetcher.MaxBytes when > 0.
	MaxBytes int64
	// AllowPrivate lifts the address policy: redirects may lead to
	// loopback/private addresses. Without it they may only if the origin's
	// host itself is on such an address.
	AllowPrivate bool
	// Origin, when set, is the URL whose host decides the address policy
	// instead of URL's: pass the source's configured URL when fetching a
	// feed link discovered on its page, or a URL it was moved to, so that
	// a public page cannot point the fetcher at a private address. A
	// file:// origin counts as private (the local config is trusted).
	Origin string
	// Accept replaces the Accept header (feed types first) when set:
	// web pages are asked for as HTML (AcceptHTML).
	Accept string
	// Grow, when set, is called before the body buffer is allocated or
	// grown to size bytes; an error aborts the fetch. The poller uses it
	// to bound how many large bodies are held in memory at once.
	Grow func(size int64) error
}

// Response is the outcome of a successful fetch (2xx or 304).
type Response struct {
	Status      int  // 200.., or 304
	NotModified bool // 304: Body is nil; the validators still hold
	Body        []byte
	ContentType string // Content-Type header as sent (charset included)
	// ETag and LastModified are the validators to send next time: those of
	// this response, or on a 304 without them, the request's.
	ETag, LastModified string
	// URL is the final URL after redirects.
	URL string
	// PermanentURL is set when the request was redirected and every
	// redirect of the chain was 301 or 308: it is the final URL, where the
	// source has permanently moved. A 302, 303 or 307 anywhere in the chain
	// leaves it empty.
	PermanentURL string
	// MaxAge is Cache-Control max-age (0 when absent; s-maxage ignored).
	MaxAge time.Duration
	// Expires is the Expires header as an absolute time on our clock
	// (shifted by the server's Date header when present); zero when absent
	// or invalid.
	Expires time.Time
	Header  http.Header
	// Note says how a malformed body was recovered ("" when it was not):
	// a body labelled gzip that is not, a gzip body that no
	// Content-Encoding announced, bytes after the end of gzip data. The
	// poller logs it; the body is usable either way.
	Note   string
	pooled *[]byte // Body's buffer, for Release
}

// Release hands Body's buffer back for the next fetch to read into: the
// caller must be done with Body, and with everything that refers to its
// bytes (nothing a parser made of it: Go strings are copies). Body is nil
// after. Optional: a Response never released is garbage like any other.
func (r *Response) Release() {
	if r == nil {
		return
	}
	putBodyBuf(r.pooled)
	r.pooled, r.Body = nil, nil
}

// maxBytesLimit keeps max+1 arithmetic safe for absurd settings.
const maxBytesLimit = 1 << 40

func (f *Fetcher) maxBytes(req Request) int64 {
	n := int64(DefaultMaxBytes)
	switch {
	case req.MaxBytes > 0:
		n = req.MaxBytes
	case f.MaxBytes > 0:
		n = f.MaxBytes
	}
	return min(n, maxBytesLimit)
}

func (f *Fetcher) timeout(req Request) time.Duration {
	switch {
	case req.Timeout > 0:
		return req.Timeout
	case f.Timeout > 0:
		return f.Timeout
	}
	return DefaultTimeout
}

func (f *Fetcher) maxRedirects() int {
	switch {
	case f.MaxRedirects < 0:
		return 0
	case f.MaxRedirects == 0:
		return DefaultMaxRedirects
	}
	return f.MaxRedirects
}

// Fetch downloads req.URL. It returns a Response for 2xx and 304 (with
// NotModified and no body; a 304 to a request without validators is an
// error). Errors start with "fetcher:", name the URL and
// wrap one of: *StatusError (4xx/5xx, with Retry-After), ErrTooLarge,
// ErrTooManyRedirects, ErrRedirectLoop, ErrPrivateAddress, ErrTimeout, the
// context's error when ctx ends, or the network/file error.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("fetcher: parse URL %q: %w", req.URL, err)
	}
	switch u.Scheme {
	case "file":
		return f.fetchFile(u, req)
	case "http", "https":
	default:
		return nil, fmt.Errorf("fetcher: %s: unsupported URL scheme %q", u.Redacted(), u.Scheme)
	}
	if err := asciiHost(u); err != nil {
		return nil, err
	}
	timeout := f.timeout(req)
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pol := &policy{allowPrivate: req.AllowPrivate, origin: true, lookup: f.lookup}
	ctx = context.WithValue(ctx, policyKey{}, pol)
	client := f.httpClient()
	if req.Origin != "" && !req.AllowPrivate {
		o, err := url.Parse(req.Origin)
		if err != nil {
			return nil, fmt.Errorf("fetcher: GET %s: parse origin %q: %w", u.Redacted(), req.Origin, err)
		}
		switch o.Scheme {
		case "file":
			pol.allowPrivate = true
		case "http", "https":
			if err := asciiHost(o); err != nil {
				return nil, err
			}
			if err := pol.checkHop(ctx, o, f.proxied(client, o)); err != nil {
				return nil, fmt.Errorf("fetcher: GET %s: origin %s: %w", u.Redacted(), o.Redacted(), err)
			}
		default:
			return nil, fmt.Errorf("fetcher: GET %s: origin %s: unsupported URL scheme %q", u.Redacted(), o.Redacted(), o.Scheme)
		}
	}

	start := u
	// where names the request in errors: the URL asked for, and after
	// redirects the one that failed.
	where := func(u *url.URL) string {
		if u == start {
			return u.Redacted()
		}
		return start.Redacted() + " (redirected to " + u.Redacted() + ")"
	}
	wrap := func(u *url.URL, err error) error {
		if parent.Err() != nil {
			return fmt.Errorf("fetcher: GET %s: %w", where(u), parent.Err())
		}
		if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("fetcher: GET %s: %w after %s: %w", where(u), ErrTimeout, timeout, err)
		}
		// Connect and response-header timeouts of the transport.
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			return fmt.Errorf("fetcher: GET %s: %w: %w", where(u), ErrTimeout, err)
		}
		if _, ok := errors.AsType[tls.RecordHeaderError](err); ok && u.Scheme == "https" {
			return fmt.Errorf("fetcher: GET %s: %w (the server does not speak TLS on this port: is the URL http://?)", where(u), err)
		}
		return fmt.Errorf("fetcher: GET %s: %w", where(u), err)
	}

	visited := map[string]bool{u.String(): true}
	permanent := true
	redirects := 0
	var resp *http.Response
	for {
		if err := pol.checkHop(ctx, u, f.proxied(client, u)); err != nil {
			return nil, wrap(u, err)
		}
		resp, err = f.send(ctx, client, u, req)
		if err != nil {
			return nil, wrap(u, err)
		}
		if !isRedirect(resp.StatusCode) {
			break
		}
		loc := resp.Header.Get("Location")
		discard(resp.Body)
		if loc == "" {
			return nil, fmt.Errorf("fetcher: GET %s: %s without Location header", where(u), resp.Status)
		}
		next, err := u.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("fetcher: GET %s: bad redirect Location %q: %w", where(u), loc, err)
		}
		if next.Scheme != "http" && next.Scheme != "https" {
			return nil, fmt.Errorf("fetcher: GET %s: redirect to unsupported scheme %q", where(u), next.Scheme)
		}
		if err := asciiHost(next); err != nil {
			return nil, err
		}
		next.Fragment, next.RawFragment = "", ""
		if visited[next.String()] {
			return nil, fmt.Errorf("fetcher: GET %s: %w: %s leads back to %s", where(u), ErrRedirectLoop, u.Redacted(), next.Redacted())
		}
		redirects++
		if redirects > f.maxRedirects() {
			return nil, fmt.Errorf("fetcher: GET %s: %w (more than %d)", where(u), ErrTooManyRedirects, f.maxRedirects())
		}
		visited[next.String()] = true
		if resp.StatusCode != http.StatusMovedPermanently && resp.StatusCode != http.StatusPermanentRedirect {
			permanent = false
		}
		u = next
	}
	defer resp.Body.Close()

	out := &Response{
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		URL:          u.String(),
		Header:       resp.Header,
	}
	if redirects > 0 && permanent {
		out.PermanentURL = out.URL
	}
	out.MaxAge, out.Expires = cacheHints(resp.Header, time.Now())

	switch code := resp.StatusCode; {
	case code == http.StatusNotModified:
		if req.ETag == "" && req.LastModified == "" {
			// Nothing was asked to be compared: no feed to keep reading.
			return nil, fmt.Errorf("fetcher: GET %s: %s to a request without If-None-Match or If-Modified-Since: no body to read", where(u), resp.Status)
		}
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = req.ETag
		}
		if out.LastModified == "" {
			out.LastModified = req.LastModified
		}
		return out, nil
	case code >= 200 && code < 300:
	case code >= 400 && code < 600:
		discard(resp.Body)
		return nil, newStatusError(resp, u, time.Now())
	default:
		discard(resp.Body)
		return nil, fmt.Errorf("fetcher: GET %s: unexpected status %s", where(u), resp.Status)
	}

	body, pooled, note, err := readBody(resp, f.maxBytes(req), req.Grow)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("fetcher: GET %s: %w (limit %d bytes)", where(u), err, f.maxBytes(req))
		}
		return nil, wrap(u, fmt.Errorf("read body: %w", err))
	}
	out.Body, out.pooled = body, pooled
	out.Note = note
	return out, nil
}

// send issues one GET without following redirects.
func (f *Fetcher) send(ctx context.Context, client *http.Client, u *url.URL, req Request) (*http.Response, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	ua := f.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	hr.Header.Set("User-Agent", ua)
	accept := Accept
	if req.Accept != "" {
		accept = req.Accept
	}
	hr.Header.Set("Accept", accept)
	hr.Header.Set("Accept-Encoding", "gzip, deflate")
	if req.ETag != "" {
		hr.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hr.Header.Set("If-Modified-Since", req.LastModified)
	}
	resp, err := client.Do(hr)
	if ue, ok := err.(*url.Error); ok {
		// The URL is named by the caller's message already.
		err = ue.Err
	}
	return resp, err
}

// proxied reports whether requests to u go through a proxy: the proxy then
// resolves names, so only literal addresses can be checked locally.
func (f *Fetcher) proxied(c *http.Client, u *url.URL) bool {
	tr, ok := c.Transport.(*http.Transport)
	if !ok || tr == nil || tr.Proxy == nil {
		return false
	}
	p, err := tr.Proxy(&http.Request{URL: u, Header: http.Header{}})
	return err == nil && p != nil
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// discard reads a little of an unwanted body so the connection can be
// reused, then closes it.
func discard(body io.ReadCloser) {
	io.CopyN(io.Discard, body, 4<<10)
	body.Close()
}

// asciiHost converts an internationalised host name to its ASCII (punycode)
// form in place, so the policy checks the name the transport dials.
func asciiHost(u *url.URL) error {
	h := u.Hostname()
	if h == "" {
		return fmt.Errorf("fetcher: %s: URL has no host", u.Redacted())
	}
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(h)
			if err != nil {
				return fmt.Errorf("fetcher: %s: bad host name: %w", u.Redacted(), err)
			}
			if p := u.Port(); p != "" {
				u.Host = net.JoinHostPort(a, p)
			} else {
				u.Host = a
			}
			return nil
		}
	}
	if strings.ContainsAny(h, " \t") {
		return fmt.Errorf("fetcher: %s: bad host name", u.Redacted())
	}
	return nil
}
