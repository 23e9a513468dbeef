package publisher

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openFDs counts the process's open file descriptors and, among them,
// the fast path's body files (memfds, or unnamed files in bodyFileDir).
func openFDs(t *testing.T) (all, memfds int) {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && isBodyFile(l) {
			memfds++
		}
	}
	return len(ents), memfds
}

// isBodyFile reports whether an fd's link names a body file.
func isBodyFile(link string) bool {
	dir := bodyFileDir()
	return strings.HasPrefix(link, "/memfd:bantin-feed") || dir != "" && strings.HasPrefix(link, dir+"/#")
}

// settledFDs is openFDs once at most wantMemfds memfds are open, or after
// 2 s: a client has the whole body a moment before the server's send
// returns and drops its reference.
func settledFDs(t *testing.T, wantMemfds int) (all, memfds int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		all, memfds = openFDs(t)
		if memfds <= wantMemfds || time.Now().After(deadline) {
			return all, memfds
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFrontMemfdsClosedWithTheirResponse: a feed re-rendered again and
// again (an ingest before every GET) and served on the fast path with
// sendfile leaves no memfd behind: the replaced response's is closed
// when it leaves the cache, with the garbage collector off, and the
// process's open fds do not grow. Reloading the config (the whole cache
// dropped) closes the rest.
func TestFrontMemfdsClosedWithTheirResponse(t *testing.T) {
	sendfileAll(t)
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // "not when the GC gets to it"
	e := newEnv(t)
	e.seed()
	addr, front := startFront(t, e, nil)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	get := func(gz bool) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+"/topics/"+topicSlug+".rss", nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET: status %d, err %v", resp.StatusCode, err)
		}
		return body
	}
	get(false)
	get(true)
	allBefore, _ := settledFDs(t, 2)
	const renders = 150
	maxMemfds := 0
	for i := range renders {
		title := fmt.Sprintf("Tin đất đai số %d", i)
		e.save("a", e.item(fmt.Sprintf("https://a.example.vn/re/%d", i), title, time.Minute, topicSlug))
		if body := get(i%2 == 1); i%2 == 0 && !bytes.Contains(body, []byte(title)) {
			t.Fatalf("render %d: the new item is not in the response", i)
		}
		_, m := settledFDs(t, 2)
		maxMemfds = max(maxMemfds, m)
	}
	allAfter, memfds := settledFDs(t, 2)
	if s := front.Stats(); s.FastResponses != renders+2 || s.HandOvers != 0 {
		t.Fatalf("stats %+v, want %d fast responses", s, renders+2)
	}
	if maxMemfds == 0 {
		t.Fatal("no body file ever open: sendfile not used, the test proves nothing")
	}
	// One feed, identity and gzip: two memfds at most.
	if maxMemfds > 2 || memfds > 2 || allAfter > allBefore+4 {
		t.Errorf("after %d re-renders: up to %d memfds open (now %d), open fds %d -> %d; want at most 2 memfds and no growth",
			renders, maxMemfds, memfds, allBefore, allAfter)
	}
	e.srv.Reload(e.cfg)
	if _, m := settledFDs(t, 0); m != 0 {
		t.Errorf("%d memfds open after the whole cache was dropped, want 0", m)
	}
}

// TestBodyFileOutlivesRetireDuringSend: a response that leaves the cache
// while a sendfile from its memfd is in flight keeps the fd open until
// that send ends (the body arrives whole), then closes it; after leaving
// the cache it sends no more with sendfile.
func TestBodyFileOutlivesRetireDuringSend(t *testing.T) {
	sendfileAll(t)
	body := bytes.Repeat([]byte("Giá đất tại Hà Nội tăng mạnh. "), 4<<10)
	r := newRendered(body, "application/rss+xml; charset=utf-8", time.Now(), 60)
	bf := r.acquireBodyFile(false)
	if bf == nil {
		t.Fatal("no memfd for a large body")
	}
	fd := bf.fd
	r.retire() // leaves the cache while the send below is in flight
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatalf("memfd closed while a send holds it: %v", err)
	}
	if again := r.acquireBodyFile(false); again != nil {
		t.Error("a retired response still hands out its memfd")
	}

	b := sendOverTCP(t, []byte("head\r\n"), bf)
	bf.release()
	if !bytes.Equal(b, append([]byte("head\r\n"), body...)) {
		t.Errorf("received %d bytes, want the head and the %d-byte body", len(b), len(body))
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
		// The number may have been reused by then; check it is no memfd of ours.
		if l, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)); isBodyFile(l) {
			t.Errorf("memfd %d still open after the last send from a retired response", fd)
		}
	}
}
