package publisher

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// withBodyFileDir makes body files go to dir for the rest of the test.
func withBodyFileDir(t *testing.T, dir string) {
	old := bodyFileDir
	bodyFileDir = func() string { return dir }
	t.Cleanup(func() { bodyFileDir = old })
}

func fsType(t *testing.T, fd int) int64 {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Type)
}

// sendOverTCP sends head and bf over a loopback TCP connection with
// sendHeadAndFile and returns what the peer received.
func sendOverTCP(t *testing.T, head []byte, bf *bodyFile) []byte {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	handled, err := sendHeadAndFile(c, head, bf)
	c.Close()
	if !handled || err != nil {
		t.Fatalf("sendHeadAndFile: handled %v, err %v", handled, err)
	}
	return <-got
}

// TestBodyFileInPageCache: on a disk filesystem a body's sendfile copy is
// a regular (unnamed) file, whose page cache the kernel sends from in
// batches, not a memfd (shmem, page by page), and a response sent from it
// arrives byte for byte.
func TestBodyFileInPageCache(t *testing.T) {
	dir := t.TempDir()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || st.Type == unix.TMPFS_MAGIC {
		t.Skipf("%s is on tmpfs (or unknown: %v): no disk filesystem to test with", dir, err)
	}
	withBodyFileDir(t, dir)
	body := []byte(strings.Repeat("Giá đất tại Hà Nội tăng mạnh trong quý này; ", 3000))
	open := bodyFilesOpen()
	bf := newBodyFile(body)
	if bf == nil {
		t.Fatal("no body file")
	}
	if bodyFilesOpen() != open+1 {
		t.Errorf("body files open %d, want %d", bodyFilesOpen(), open+1)
	}
	if typ := fsType(t, bf.fd); typ == unix.TMPFS_MAGIC {
		t.Errorf("body file is on tmpfs/shmem (a memfd), want the page cache of %s", dir)
	}
	head := []byte("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n")
	if got := sendOverTCP(t, head, bf); !bytes.Equal(got, append(append([]byte{}, head...), body...)) {
		t.Errorf("received %d bytes, want the %d of head and body", len(got), len(head)+len(body))
	}
}

// TestBodyFileTmpfsFallback: when the temporary directory is tmpfs (or
// unusable) the body goes to a sealed memfd, as before.
func TestBodyFileTmpfsFallback(t *testing.T) {
	body := bytes.Repeat([]byte("Đà Nẵng "), 8000)
	for _, dir := range []string{"/dev/shm", "/nonexistent-bantin-dir"} {
		if dir == "/dev/shm" {
			var st unix.Statfs_t
			if unix.Statfs(dir, &st) != nil || st.Type != unix.TMPFS_MAGIC {
				continue
			}
		}
		t.Run(dir, func(t *testing.T) {
			withBodyFileDir(t, dir)
			bf := newBodyFile(body)
			if bf == nil {
				t.Fatal("no body file")
			}
			seals, err := unix.FcntlInt(uintptr(bf.fd), unix.F_GET_SEALS, 0)
			if err != nil || seals&unix.F_SEAL_WRITE == 0 {
				t.Errorf("seals %#x (err %v), want a sealed memfd", seals, err)
			}
			if got := sendOverTCP(t, nil, bf); !bytes.Equal(got, body) {
				t.Errorf("received %d bytes, want %d", len(got), len(body))
			}
		})
	}
}
