package publisher

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestReadersDoNotHoldTheWAL: readers that keep connections open (one
// with a feed response it has not read, one handed to net/http after the
// index page) while items are written and feeds re-rendered do not keep
// the write-ahead log from being checkpointed and truncated.
func TestReadersDoNotHoldTheWAL(t *testing.T) {
	e := newEnv(t)
	e.seed()
	e.srv.SeqCheckInterval = 0
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	addr := ln.Addr().String()

	// open sends a request and reads only the status line, leaving the
	// rest of the response (and the connection) open.
	open := func(path string) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.Contains(line, " 200 ") {
			t.Fatalf("GET %s: %q, %v", path, line, err)
		}
		return c
	}
	big := strings.Repeat("<p>Nội dung rất dài của bài báo về thị trường bất động sản. </p>", 200)
	for i := range 40 {
		it := e.item(fmt.Sprintf("https://a.example.vn/wal/%d", i), fmt.Sprintf("Bài %d", i), time.Duration(i)*time.Minute, topicSlug)
		it.Content = big
		e.save("a", it)
		if i%10 == 0 {
			open("/topics/" + topicSlug + ".rss")
			open("/")
		}
		resp, err := http.Get("http://" + addr + "/topics/" + topicSlug + ".atom")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	wal := e.dbPath() + "-wal"
	fi, err := os.Stat(wal)
	if err != nil || fi.Size() < 1<<20 {
		t.Fatalf("the WAL should have grown past 1 MiB: %v, %v", fi, err)
	}
	info, err := e.db.CheckpointWAL(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Busy || info.After != 0 {
		t.Errorf("checkpoint with readers connected: %+v, want the WAL truncated (was %d bytes)", info, fi.Size())
	}
}
