package publisher

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/internal/testenv"
	"bantin/publisher/render"
)

// startFront serves e's Server through a Front on 127.0.0.1 and returns
// its address and the Front.
func startFront(t testing.TB, e *testEnv, tune func(hs *http.Server)) (string, *Front) {
	t.Helper()
	return startHTTP(t, e, e.srv.Handler(), tune, true)
}

// startHTTP serves h (normally e's Server's Handler) on 127.0.0.1 as the
// daemon does, with its http.Server (NewHTTPServer) and with or without
// the fast path (NewHTTP), and returns the address and the Front (nil
// without the fast path).
func startHTTP(t testing.TB, e *testEnv, h http.Handler, tune func(hs *http.Server), fast bool) (string, *Front) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(h, nil)
	if tune != nil {
		tune(hs)
	}
	srv, f := NewHTTP(e.srv, hs, fast)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
		}
	})
	return ln.Addr().String(), f
}

// rawResponse is one response read off a raw connection.
type rawResponse struct {
	proto  string
	status int
	header http.Header
	body   string
}

func (r rawResponse) String() string {
	h := r.header.Clone()
	h.Del("Date")
	var b strings.Builder
	h.Write(&b)
	body := r.body
	if len(body) > 80 {
		body = fmt.Sprintf("%s... (%d bytes)", body[:80], len(r.body))
	}
	return fmt.Sprintf("%s %d\n%s%q", r.proto, r.status, b.String(), body)
}

// exchange writes raw to a new connection to addr and reads one response
// per entry of methods (the request methods, so HEAD responses are read
// without a body); then it calls done and reports whether the server
// closed the connection (a further request gets no response).
func exchange(t *testing.T, addr, raw string, done func(), methods ...string) ([]rawResponse, bool) {
	t.Helper()
	c := testenv.Dial(t, addr)
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var out []rawResponse
	for _, m := range methods {
		resp, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			t.Fatalf("reading response %d of %q: %v", len(out)+1, raw, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("reading body of %q: %v", raw, err)
		}
		out = append(out, rawResponse{resp.Proto, resp.StatusCode, resp.Header, string(body)})
	}
	if done != nil {
		done()
	}
	if br.Buffered() > 0 {
		t.Fatalf("%d bytes after the responses to %q", br.Buffered(), raw)
	}
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	_, err := http.ReadResponse(br, nil)
	return out, err != nil
}

// TestFrontMatchesNetHTTP sends the same raw requests to a Front and to a
// plain net/http server over the same handler: statuses, protocol
// versions, headers (but Date), bodies and whether the connection stays
// open must be the same, and the requests a feed reader sends must have
// taken the fast path.
func TestFrontMatchesNetHTTP(t *testing.T) {
	sendfileAll(t)
	e := newEnv(t)
	e.seed()
	addr, front := startFront(t, e, nil)
	ref := strings.TrimPrefix(e.ts.URL, "http://")

	tests := frontCases(t, e)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			methods := tc.methods
			if methods == nil {
				methods = []string{"GET"}
			}
			before := front.Stats()
			var stats FrontStats
			got, gotClosed := exchange(t, addr, tc.raw, func() { stats = front.Stats() }, methods...)
			want, wantClosed := exchange(t, ref, tc.raw, nil, methods...)
			for i := range want {
				if got[i].String() != want[i].String() {
					t.Errorf("response %d:\nfront:\n%s\nnet/http:\n%s", i+1, got[i], want[i])
				}
				if len(got[i].header["Date"]) != len(want[i].header["Date"]) {
					t.Errorf("response %d: Date %q, net/http %q", i+1, got[i].header["Date"], want[i].header["Date"])
				}
			}
			if gotClosed != wantClosed {
				t.Errorf("connection closed after the responses: front %v, net/http %v", gotClosed, wantClosed)
			}
			fast := stats.FastResponses - before.FastResponses
			if tc.fast && (fast != int64(len(methods)) || stats.HandOvers != before.HandOvers) {
				t.Errorf("fast responses %d, hand-overs %d; want %d fast, none handed over", fast, stats.HandOvers-before.HandOvers, len(methods))
			}
			if !tc.fast && stats.HandOvers == before.HandOvers && fast == int64(len(methods)) {
				t.Errorf("every response came from the fast path; want net/http's")
			}
		})
	}
}

// frontCase is one exchange of the differential tests: raw request
// bytes, the methods of the responses they get (to read HEAD responses
// without a body; default one GET) and whether the fast path answers
// them all.
type frontCase struct {
	name    string
	raw     string
	methods []string
	fast    bool
}

// frontCases returns the differential tests' exchanges for e (seeded):
// what feed readers send, which the fast path answers, and everything it
// must leave to net/http.
func frontCases(t *testing.T, e *testEnv) []frontCase {
	t.Helper()
	rss := e.get("/topics/" + topicSlug + ".rss")
	etag := rss.header.Get("Etag")
	lastMod := rss.header.Get("Last-Modified")
	gzEtag := e.do("GET", "/topics/"+topicSlug+".rss", map[string]string{"Accept-Encoding": "gzip"}).header.Get("Etag")
	if etag == "" || lastMod == "" || gzEtag == "" || gzEtag == etag {
		t.Fatalf("validators: etag %q, gzip etag %q, last-modified %q", etag, gzEtag, lastMod)
	}
	lm, _ := http.ParseTime(lastMod)
	before := lm.Add(-time.Hour).Format(http.TimeFormat)
	after := lm.Add(time.Hour).Format(http.TimeFormat)

	p := "/topics/" + topicSlug + ".rss"
	get := func(path string, headers ...string) string {
		return "GET " + path + " HTTP/1.1\r\nHost: news.example.org\r\n" + strings.Join(headers, "") + "\r\n"
	}
	h := func(name, value string) string { return name + ": " + value + "\r\n" }
	ua := h("User-Agent", "Mozilla/5.0 (bantin test) Thunderbird/115")

	return append([]frontCase{
		{name: "plain GET", raw: get(p, ua), fast: true},
		{name: "gzip", raw: get(p, h("Accept-Encoding", "gzip, deflate, br")), fast: true},
		{name: "gzip refused with q=0", raw: get(p, h("Accept-Encoding", "gzip;q=0, deflate")), fast: true},
		{name: "any coding", raw: get(p, h("Accept-Encoding", "*")), fast: true},
		{name: "identity only", raw: get(p, h("Accept-Encoding", "identity, *;q=0")), fast: true},
		{name: "empty Accept-Encoding", raw: get(p, h("Accept-Encoding", "")), fast: true},
		{name: "If-None-Match match", raw: get(p, h("If-None-Match", etag)), fast: true},
		{name: "If-None-Match gzip tag", raw: get(p, h("If-None-Match", gzEtag), h("Accept-Encoding", "gzip")), fast: true},
		{name: "If-None-Match gzip tag, no gzip", raw: get(p, h("If-None-Match", gzEtag)), fast: true},
		{name: "If-None-Match weak in a list", raw: get(p, h("If-None-Match", `"x", W/`+etag)), fast: true},
		{name: "If-None-Match star", raw: get(p, h("If-None-Match", "*")), fast: true},
		{name: "If-None-Match other", raw: get(p, h("If-None-Match", `"0123"`)), fast: true},
		{name: "If-Modified-Since later", raw: get(p, h("If-Modified-Since", after)), fast: true},
		{name: "If-Modified-Since equal", raw: get(p, h("If-Modified-Since", lastMod)), fast: true},
		{name: "If-Modified-Since earlier", raw: get(p, h("If-Modified-Since", before)), fast: true},
		{name: "If-Modified-Since garbage", raw: get(p, h("If-Modified-Since", "yesterday")), fast: true},
		{name: "If-None-Match wins over If-Modified-Since", raw: get(p, h("If-None-Match", `"0123"`), h("If-Modified-Since", after)), fast: true},
		{name: "HEAD", raw: "HEAD " + p + " HTTP/1.1\r\nHost: x\r\n\r\n", methods: []string{"HEAD"}, fast: true},
		{name: "HEAD gzip", raw: "HEAD " + p + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n", methods: []string{"HEAD"}, fast: true},
		{name: "lower-case names, odd spacing", raw: "GET " + p + " HTTP/1.1\r\nhost:x\r\naccept-encoding:   gzip  \r\nif-none-match:" + etag + "\r\n\r\n", fast: true},
		{name: "Connection close", raw: get(p, h("Connection", "close")), fast: true},
		{name: "Connection Keep-Alive", raw: get(p, h("Connection", "Keep-Alive")), fast: true},
		{name: "HTTP/1.0", raw: "GET " + p + " HTTP/1.0\r\n\r\n", fast: true},
		{name: "HTTP/1.0 keep-alive", raw: "GET " + p + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", fast: true},
		{name: "HTTP/1.0 keep-alive 304", raw: "GET " + p + " HTTP/1.0\r\nConnection: keep-alive\r\nIf-None-Match: " + etag + "\r\n\r\n", fast: true},
		{name: "HTTP/1.0 HEAD close", raw: "HEAD " + p + " HTTP/1.0\r\nHost: x\r\nConnection: close\r\n\r\n", methods: []string{"HEAD"}, fast: true},
		{name: "Atom", raw: get("/topics/" + topicSlug + ".atom"), fast: true},
		{name: "JSON Feed", raw: get("/topics/" + topicSlug + ".json"), fast: true},
		{name: "tag feed", raw: get("/tags/dat-dai.rss", h("Accept-Encoding", "gzip")), fast: true},
		{name: "pipelined", raw: get(p) + get(p, h("If-None-Match", etag)) + "HEAD " + p + " HTTP/1.1\r\nHost: x\r\n\r\n", methods: []string{"GET", "GET", "HEAD"}, fast: true},

		{name: "pipelined, then handed over", raw: get(p) + get("/opml.xml") + get(p), methods: []string{"GET", "GET", "GET"}},
		{name: "index", raw: get("/")},
		{name: "OPML", raw: get("/opml.xml")},
		{name: "healthz", raw: get("/healthz")},
		{name: "unknown topic", raw: get("/topics/khong-co.rss")},
		{name: "unknown tag", raw: get("/tags/khong-co.json")},
		{name: "near slug", raw: get("/topics/dat-dia.atom")},
		{name: "slug with diacritics", raw: get("/topics/%C4%90%E1%BA%A5t-%C4%90ai.rss")},
		{name: "topic asked as a tag", raw: get("/tags/khac.rss")},
		{name: "unknown format", raw: get("/topics/" + topicSlug + ".xml")},
		{name: "no format: the topic's HTML page", raw: get("/topics/" + topicSlug)},
		{name: "tag page", raw: get("/tags/dat-dai", h("Accept-Encoding", "gzip"))},
		{name: "topic page, older entries", raw: get("/topics/" + topicSlug + "?before=" + db.Cursor{Published: time.Unix(1e9, 0), ID: 1}.String())},
		{name: "dot file", raw: get("/topics/.rss")},
		{name: "query", raw: get(p + "?utm_source=x")},
		{name: "bad cursor", raw: get(p + "?before=nope")},
		{name: "escaped path", raw: get("/topics/%64at-dai.rss")},
		{name: "dot segments", raw: get("/topics/../topics/" + topicSlug + ".rss")},
		{name: "double slash", raw: get("/topics//" + topicSlug + ".rss")},
		{name: "absolute form", raw: get("http://news.example.org" + p)},
		{name: "POST", raw: "POST " + p + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"},
		{name: "OPTIONS", raw: "OPTIONS " + p + " HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "GET with a body", raw: "GET " + p + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n", methods: []string{"GET", "GET"}},
		{name: "chunked GET", raw: "GET " + p + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
		{name: "Range", raw: get(p, h("Range", "bytes=0-9"))},
		{name: "If-Match", raw: get(p, h("If-Match", `"nope"`))},
		{name: "Expect", raw: get(p, h("Expect", "100-continue"))},
		{name: "missing Host", raw: "GET " + p + " HTTP/1.1\r\n\r\n"},
		{name: "two Hosts", raw: get(p, h("Host", "other.example.org"))},
		{name: "odd Host", raw: get(p)[:len(get(p))-2] + "Host: a b\r\n\r\n"},
		{name: "repeated Accept-Encoding", raw: get(p, h("Accept-Encoding", "br"), h("Accept-Encoding", "gzip"))},
		{name: "Connection list", raw: get(p, h("Connection", "keep-alive, close"))},
		{name: "HTTP/1.0 Connection list", raw: "GET " + p + " HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"},
		{name: "folded header", raw: get(p, h("X-A", "b"), " c\r\n")},
		{name: "bare LF", raw: "GET " + p + " HTTP/1.1\nHost: x\n\n"},
		{name: "HTTP/1.2", raw: "GET " + p + " HTTP/1.2\r\nHost: x\r\n\r\n"},
		{name: "HTTP/2.0", raw: "GET " + p + " HTTP/2.0\r\nHost: x\r\n\r\n"},
		{name: "control byte in a value", raw: get(p, h("X-A", "b\x01c"))},
		{name: "space before colon", raw: get(p, "X-A : b\r\n")},
		{name: "lower-case method", raw: "get " + p + " HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "head larger than the fast buffer", raw: get(p, h("Cookie", strings.Repeat("a", 3*fastReadBuf))), methods: []string{"GET"}},
		{name: "head over the server's MaxHeaderBytes", raw: get(p, h("Cookie", strings.Repeat("a", 80<<10)))},
	}, routeCases(e)...)
}

// routeCases returns exchanges for every route of e's route table
// (Server.Routes, the added ones included): for a feed route, GET and
// HEAD of its feed in each format, which the fast path answers, and its
// HTML page, a feed that does not exist and an older page, which it
// leaves to net/http; for every other route, a GET and a POST of its
// path (the catch-all's: a path no other route takes).
func routeCases(e *testEnv) []frontCase {
	req := func(method, path string) string {
		return method + " " + path + " HTTP/1.1\r\nHost: news.example.org\r\n\r\n"
	}
	slugs := map[string]string{render.KindTopic: topicSlug, render.KindTag: "dat-dai"}
	older := "?before=" + db.Cursor{Published: time.Unix(1e9, 0), ID: 1}.String()
	wildcard := regexp.MustCompile(`\{[^}]*\}`)
	var out []frontCase
	for _, r := range e.srv.Routes() {
		path := patternPath(r.Pattern)
		name := "route " + r.Pattern + ": "
		if r.Feed != "" {
			dir, ok := strings.CutSuffix(path, "{file}")
			if !ok {
				panic("feed route " + r.Pattern + " without {file}")
			}
			for _, f := range render.Formats {
				out = append(out,
					frontCase{name: name + f, raw: req("GET", dir+slugs[r.Feed]+"."+f), fast: true},
					frontCase{name: name + "HEAD " + f, raw: req("HEAD", dir+slugs[r.Feed]+"."+f), methods: []string{"HEAD"}, fast: true})
			}
			out = append(out,
				frontCase{name: name + "page", raw: req("GET", dir+slugs[r.Feed])},
				frontCase{name: name + "no such feed", raw: req("GET", dir+"khong-co.atom")},
				frontCase{name: name + "older page", raw: req("GET", dir+slugs[r.Feed]+".json"+older)})
			continue
		}
		switch path {
		case "/{$}":
			path = "/"
		case "/":
			path = "/khong-co-trang-nay"
		}
		path = wildcard.ReplaceAllString(path, "x")
		out = append(out,
			frontCase{name: name + "GET", raw: req("GET", path)},
			frontCase{name: name + "POST", raw: "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"})
	}
	return out
}

// TestFastPathSwitch: the same exchanges (TestFrontMatchesNetHTTP's)
// with the fast path on and off (fast_path: false, -fast-path=false) get
// the same answers, but Date. With it off, net/http answers everything:
// middleware around the handler sees every request; with it on, the
// fast path's requests never reach the handler or its middleware, as
// front.go and the README say.
//
// The daemon's routes are added first (as cmd/bantin does), so the
// exchanges cover every route of the table, added ones included.
func TestFastPathSwitch(t *testing.T) {
	sendfileAll(t)
	e := newEnv(t)
	e.seed()
	e.srv.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "metrics\n") }))
	e.srv.Handle(config.BuiltinHubPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hub "+r.Method+"\n") }))
	e.srv.Register(func(mux *http.ServeMux) {
		mux.HandleFunc("GET /desk", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "desk\n") })
	})
	if n := len(e.srv.Routes()); n != len(ownRoutes)+2 {
		t.Fatalf("%d routes in the table, want %d", n, len(ownRoutes)+2)
	}
	var seenOn, seenOff atomic.Int64
	counting := func(n *atomic.Int64) http.Handler {
		h := e.srv.Handler()
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			h.ServeHTTP(w, r)
		})
	}
	on, front := startHTTP(t, e, counting(&seenOn), nil, true)
	off, none := startHTTP(t, e, counting(&seenOff), nil, false)
	if front == nil || none != nil {
		t.Fatalf("NewHTTP: Front %v with the fast path on, %v with it off", front, none)
	}
	for _, tc := range frontCases(t, e) {
		t.Run(tc.name, func(t *testing.T) {
			methods := tc.methods
			if methods == nil {
				methods = []string{"GET"}
			}
			var sawOn, sawOff int64
			before := seenOn.Load()
			got, gotClosed := exchange(t, on, tc.raw, func() { sawOn = seenOn.Load() - before }, methods...)
			before = seenOff.Load()
			want, wantClosed := exchange(t, off, tc.raw, func() { sawOff = seenOff.Load() - before }, methods...)
			for i := range want {
				if got[i].String() != want[i].String() {
					t.Errorf("response %d:\nfast path on:\n%s\noff:\n%s", i+1, got[i], want[i])
				}
			}
			if gotClosed != wantClosed {
				t.Errorf("connection closed after the responses: fast path on %v, off %v", gotClosed, wantClosed)
			}
			if tc.fast && (sawOn != 0 || sawOff != int64(len(methods))) {
				t.Errorf("the handler's middleware saw %d requests with the fast path on, %d with it off; want 0 and %d", sawOn, sawOff, len(methods))
			}
		})
	}
}

// sendfileAll makes the fast path send every body with sendfile (where
// it does) for the rest of the test.
func sendfileAll(t *testing.T) {
	old := minSendfileBody
	minSendfileBody = 1
	t.Cleanup(func() { minSendfileBody = old })
}

// TestFrontLargeBodies: bodies above the sendfile threshold (a topic of
// 60 long items) arrive whole and identical to net/http's, identity and
// gzip, GET after GET on one connection.
func TestFrontLargeBodies(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("Giá đất tại Hà Nội tăng mạnh trong quý này; ", 40)
	for i := range 60 {
		it := e.item(fmt.Sprintf("https://a.example.vn/dai/%d", i), fmt.Sprintf("Bài %d: đất đai", i), time.Duration(i+1)*time.Minute, topicSlug)
		it.Summary, it.Content = "<p>"+long+"</p>", "<div>"+long+long+"</div>"
		e.save("a", it)
	}
	addr, front := startFront(t, e, nil)
	want := e.get("/topics/" + topicSlug + ".rss").body
	wantGz := e.do("GET", "/topics/"+topicSlug+".rss", map[string]string{"Accept-Encoding": "gzip"}).body
	if len(want) < minSendfileBody {
		t.Fatalf("body %d bytes, below the sendfile threshold %d: the test needs more", len(want), minSendfileBody)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for i := range 6 {
		req, _ := http.NewRequest("GET", "http://"+addr+"/topics/"+topicSlug+".rss", nil)
		w := want
		if i%2 == 1 {
			req.Header.Set("Accept-Encoding", "gzip")
			w = wantGz
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !bytes.Equal(body, w) || resp.ContentLength != int64(len(w)) {
			t.Fatalf("GET %d (gzip %v): %d bytes (Content-Length %d, err %v), want the %d bytes net/http sends",
				i, i%2 == 1, len(body), resp.ContentLength, err, len(w))
		}
	}
	if s := front.Stats(); s.FastResponses != 6 || s.HandOvers != 0 {
		t.Errorf("stats %+v, want 6 fast responses", s)
	}
	if runtime.GOOS == "linux" && bodyFilesOpen() == 0 {
		t.Errorf("no memfd body open after large identity responses: sendfile not used")
	}
}

// TestFrontServesNewContent: after an ingest, the fast path serves the
// new bytes with new validators (the cache follows the change sequence).
func TestFrontServesNewContent(t *testing.T) {
	e := newEnv(t)
	e.seed()
	addr, front := startFront(t, e, nil)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	fetch := func() (string, string) {
		t.Helper()
		resp, err := client.Get("http://" + addr + "/topics/" + topicSlug + ".json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return string(body), resp.Header.Get("Etag")
	}
	body1, etag1 := fetch()
	if strings.Contains(body1, "Nhà ở xã hội") {
		t.Fatal("new item present before it is stored")
	}
	e.save("a", e.item("https://a.example.vn/9", "Nhà ở xã hội", 10*time.Minute, topicSlug))
	body2, etag2 := fetch()
	if !strings.Contains(body2, "Nhà ở xã hội") || etag2 == etag1 {
		t.Errorf("after an ingest: new item present %v, etag %s -> %s", strings.Contains(body2, "Nhà ở xã hội"), etag1, etag2)
	}
	if s := front.Stats(); s.FastResponses != 2 || s.HandOvers != 0 {
		t.Errorf("stats %+v, want 2 fast responses and no hand-over", s)
	}
}

// TestFrontTimeoutsAndShutdown: a client that stops half-way through a
// request head, or sits idle, or does not read its responses, is cut off
// by the fast path's timeouts; Shutdown closes the idle connections and
// those net/http holds, and Serve returns.
func TestFrontTimeoutsAndShutdown(t *testing.T) {
	sendfileAll(t)
	e := newEnv(t)
	e.seed()
	addr, front := startFront(t, e, func(hs *http.Server) {
		hs.ReadHeaderTimeout = 300 * time.Millisecond
		hs.IdleTimeout = 1500 * time.Millisecond
		hs.WriteTimeout = 500 * time.Millisecond
	})
	p := "/topics/" + topicSlug + ".rss"
	closedWithin := func(c net.Conn, d time.Duration) (bool, time.Duration) {
		start := time.Now()
		c.SetReadDeadline(start.Add(d))
		_, err := io.Copy(io.Discard, c)
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout()), time.Since(start)
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("partial head", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "GET "+p+" HTTP/1.1\r\nHost: x\r\n")
		if closed, took := closedWithin(c, 3*time.Second); !closed || took > 2*time.Second {
			t.Errorf("closed %v after %v; want closed after the 300 ms header timeout", closed, took)
		}
	})
	t.Run("idle", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "GET "+p+" HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		start := time.Now()
		c.SetReadDeadline(start.Add(4 * time.Second))
		_, err = br.ReadByte()
		var ne net.Error
		if took := time.Since(start); errors.As(err, &ne) && ne.Timeout() || took > 3*time.Second || took < time.Second {
			t.Errorf("idle connection closed after %v (err %v); want closed after about 1.5 s (the idle timeout)", took, err)
		}
	})
	t.Run("silent", func(t *testing.T) {
		c := dial() // sends nothing: the header timeout applies, as in net/http
		if closed, took := closedWithin(c, 3*time.Second); !closed || took > time.Second {
			t.Errorf("silent connection: closed %v after %v; want closed after the 300 ms header timeout", closed, took)
		}
	})
	t.Run("reader that does not read", func(t *testing.T) {
		c := dial()
		c.(*net.TCPConn).SetReadBuffer(4 << 10)
		req := "GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n"
		go func() { // pipelines requests and never reads the responses
			for range 2000 {
				if _, err := io.WriteString(c, req); err != nil {
					return
				}
			}
		}()
		deadline := time.Now().Add(5 * time.Second)
		for len(connsOf(front)) > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := len(connsOf(front)); n > 0 {
			t.Errorf("%d fast-path connections still open 5 s after the writes stalled; want them cut at the 500 ms write timeout", n)
		}
	})
	t.Run("shutdown", func(t *testing.T) {
		idle := dial() // fast path, idle after one response
		io.WriteString(idle, "GET "+p+" HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, err := http.ReadResponse(bufio.NewReader(idle), nil); err != nil {
			t.Fatal(err)
		}
		handed := dial() // handed to net/http, idle after one response
		io.WriteString(handed, "GET /opml.xml HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, err := http.ReadResponse(bufio.NewReader(handed), nil); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		if err := front.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("Shutdown took %v", took)
		}
		for name, c := range map[string]net.Conn{"fast path": idle, "net/http": handed} {
			if closed, _ := closedWithin(c, time.Second); !closed {
				t.Errorf("%s connection still open after Shutdown", name)
			}
		}
		if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			t.Errorf("still accepting after Shutdown")
		}
	})
}

// connsOf returns the Front's open fast-path connections.
func connsOf(f *Front) []*fastConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*fastConn
	for c := range f.conns {
		out = append(out, c)
	}
	return out
}

// FuzzFastRequest: whatever request head the fast path accepts, net/http
// reads the same way: method, path, protocol, the headers the fast path
// uses, and whether the connection closes after the response.
func FuzzFastRequest(f *testing.F) {
	for _, s := range []string{
		"GET /topics/a.rss HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD /tags/b.json HTTP/1.0\r\nConnection: keep-alive\r\nIf-None-Match: \"abc\"\r\n\r\n",
		"GET /topics/a.atom HTTP/1.1\r\nhost: [::1]:8080\r\naccept-encoding: gzip;q=0\r\nIf-Modified-Since: Sun, 10 Mar 2024 12:00:00 GMT\r\nConnection: close\r\n\r\n",
		"GET /topics/a.rss?x HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /topics/a.rss HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		if headEnd(head) != len(head) {
			return // the fast path only ever parses one complete head
		}
		req, ok := parseFastRequest(head)
		if !ok {
			return
		}
		hr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		if err != nil {
			t.Fatalf("fast path accepted %q; net/http: %v", head, err)
		}
		if hr.Method != req.method || hr.URL.Path != string(req.path) || hr.URL.RawQuery != "" || hr.URL.Host != "" {
			t.Errorf("%q: net/http reads %s %s (query %q, host %q), fast path %s %s", head, hr.Method, hr.URL.Path, hr.URL.RawQuery, hr.URL.Host, req.method, req.path)
		}
		if (hr.ProtoMinor == 0) != req.http10 || hr.ProtoMajor != 1 {
			t.Errorf("%q: net/http reads %s, fast path http10=%v", head, hr.Proto, req.http10)
		}
		for _, hv := range []struct {
			name string
			fast []byte
		}{{"Accept-Encoding", req.acceptEncoding}, {"If-None-Match", req.ifNoneMatch}, {"If-Modified-Since", req.ifModifiedSince}} {
			if got := hr.Header.Get(hv.name); got != string(hv.fast) {
				t.Errorf("%q: %s: net/http %q, fast path %q", head, hv.name, got, hv.fast)
			}
		}
		if len(hr.Header.Values("Range"))+len(hr.Header.Values("If-Match"))+len(hr.Header.Values("Expect")) > 0 || hr.ContentLength != 0 || len(hr.TransferEncoding) > 0 {
			t.Errorf("%q: the fast path took a request with a body, range or precondition", head)
		}
		wantsClose := hr.Close
		if hr.ProtoMinor == 0 {
			wantsClose = !hasToken(hr.Header.Get("Connection"), "keep-alive") || hr.Close
		}
		if wantsClose != req.close {
			t.Errorf("%q: close after the response: net/http %v, fast path %v", head, wantsClose, req.close)
		}
		if _, err := url.ParseRequestURI(string(req.path)); err != nil {
			t.Errorf("%q: path %q does not parse: %v", head, req.path, err)
		}
	})
}

// hasToken reports whether the comma-separated list v has token tok
// (case-insensitive).
func hasToken(v, tok string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// FuzzFrontMatchesNetHTTP sends the same bytes (one or more requests,
// then end of input) to a Front and to net/http over the same handler:
// everything that comes back must be the same but for Date headers.
func FuzzFrontMatchesNetHTTP(f *testing.F) {
	e := newEnv(f)
	e.seed()
	addr, _ := startFront(f, e, nil)
	ref := strings.TrimPrefix(e.ts.URL, "http://")
	etag := e.get("/topics/" + topicSlug + ".rss").header.Get("Etag")
	p := "/topics/" + topicSlug + ".rss"
	for _, s := range []string{
		"GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET " + p + " HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + "\r\nAccept-Encoding: gzip\r\n\r\nHEAD /tags/dat-dai.json HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET " + p + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /opml.xml HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET " + p + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET " + p + " HTTP/1.1\r\nHost: x\r\n",
		"GET " + p + "?before=x HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST " + p + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx",
	} {
		f.Add([]byte(s))
	}
	date := regexp.MustCompile(`(?m)^Date: [^\r\n]*\r\n`)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 16<<10 {
			return
		}
		got, err1 := roundTripRaw(addr, raw)
		want, err2 := roundTripRaw(ref, raw)
		if err1 != nil || err2 != nil {
			t.Skipf("transport: front %v, net/http %v", err1, err2)
		}
		g, w := date.ReplaceAll(got, nil), date.ReplaceAll(want, nil)
		if !bytes.Equal(g, w) {
			t.Errorf("for %q:\nfront:\n%q\nnet/http:\n%q", raw, g, w)
		}
	})
}

// roundTripRaw writes raw to a new connection, half-closes it and returns
// everything the server sends until it closes.
func roundTripRaw(addr string, raw []byte) ([]byte, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(raw); err != nil {
		return nil, err
	}
	c.(*net.TCPConn).CloseWrite()
	return io.ReadAll(c)
}
