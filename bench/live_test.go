package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"bantin/config"
)

// TestLiveFeedMoves: a live feed parses, and the next minute's version
// adds one item and drops the oldest.
func TestLiveFeedMoves(t *testing.T) {
	a, err := gofeed.NewParser().Parse(bytes.NewReader(LiveFeed(7, 5, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := gofeed.NewParser().Parse(bytes.NewReader(LiveFeed(7, 5, 1001)))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Items) != 5 || len(b.Items) != 5 {
		t.Fatalf("items %d and %d, want 5", len(a.Items), len(b.Items))
	}
	if b.Items[1].GUID != a.Items[0].GUID || b.Items[0].GUID == a.Items[0].GUID {
		t.Errorf("minute k+1 starts %s, %s; minute k starts %s", b.Items[0].GUID, b.Items[1].GUID, a.Items[0].GUID)
	}
	if !bytes.Equal(LiveFeed(7, 5, 1000), LiveFeed(7, 5, 1000)) {
		t.Error("the same minute gives different bytes")
	}
}

// TestLiveConfig: the daemon's config loads, with the sources and topics
// asked for.
func TestLiveConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "live.yaml")
	o := LiveOptions{Sources: 120, Items: 20, Topics: 7}
	if err := os.WriteFile(path, []byte(liveConfig(o, "http://127.0.0.1:1", "127.0.0.1:2")), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 120 || len(cfg.Topics) != 7 {
		t.Errorf("%d sources, %d topics", len(cfg.Sources), len(cfg.Topics))
	}
	if cfg.Defaults.Interval.D() != time.Minute || cfg.Defaults.MinInterval.D() != time.Minute {
		t.Errorf("interval %v, min_interval %v, want 1m", cfg.Defaults.Interval.D(), cfg.Defaults.MinInterval.D())
	}
}

// TestReadLoad: the readers' client reads Content-Length and chunked
// answers and 304s on keep-alive connections, and sends If-None-Match
// with the ETag it got.
func TestReadLoad(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if r.URL.Path == "/chunked" {
			w.WriteHeader(200)
			for i := range 3 {
				fmt.Fprintf(w, "part %d %s\n", i, strings.Repeat("x", 5000))
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Header().Set("Content-Length", "5")
		w.Write([]byte("hello"))
	}))
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	addr := strings.TrimPrefix(ts.URL, "http://")
	st := readLoad(ctx, addr, []readerURL{{"/plain", 1}, {"/chunked", 1}}, 2, time.Millisecond)
	if st.Requests == 0 || st.Errors+st.EmptyReply+st.Timeouts > 0 {
		t.Fatalf("%+v", st)
	}
	if st.Status[200] == 0 || st.Status[304] == 0 {
		t.Errorf("statuses %v, want 200s and 304s", st.Status)
	}
	if st.P50 <= 0 || st.P99 < st.P50 || st.ByKind["index"].Requests != st.Requests {
		t.Errorf("latencies %+v", st)
	}
}

// TestProcCPU: the daemon's CPU time is read from /proc and grows with
// the work it does (here this process's own).
func TestProcCPU(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	start := procCPU(os.Getpid())
	x := 0
	for deadline := time.Now().Add(10 * time.Second); procCPU(os.Getpid())-start < 50*time.Millisecond; {
		for i := range 1_000_000 {
			x += i
		}
		if time.Now().After(deadline) {
			t.Fatalf("procCPU stayed at %v after 10 s of work", procCPU(os.Getpid())-start)
		}
	}
	_ = x
}
