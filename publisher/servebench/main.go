// Command servebench compares bantin's feed serving with nginx serving the
// same bytes as a static file, using wrk on loopback (issue 5's benchmark).
//
//	go run ./publisher/servebench -d 10s
//
// It stores a topic of 50 full items in a temporary SQLite database, serves
// it with the publisher, writes the Atom bytes bantin serves to a file that
// a temporary nginx serves, then runs wrk against both: plain 200s, and
// 304s (If-None-Match with each server's own ETag). It prints requests/s
// and the ratio bantin/nginx. wrk and nginx must be on PATH.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"bantin/config"
	"bantin/db"
	"bantin/publisher"
)

func main() {
	dur := flag.Duration("d", 10*time.Second, "duration of each wrk run")
	conns := flag.Int("c", 32, "wrk connections")
	threads := flag.Int("t", 2, "wrk threads")
	items := flag.Int("items", 50, "items in the topic")
	flag.Parse()
	if err := run(*dur, *conns, *threads, *items); err != nil {
		log.Fatal(err)
	}
}

func run(dur time.Duration, conns, threads, nitems int) error {
	for _, tool := range []string{"wrk", "nginx"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("servebench: %s not found: %w", tool, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "servebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil { // nginx workers may run as another user
		return err
	}

	store, err := db.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.SyncSources(ctx, []db.SourceSpec{{ID: "bench", URL: "https://bench.example.vn/rss", Title: "Báo Bench"}}); err != nil {
		return err
	}
	src, err := store.Source(ctx, "bench")
	if err != nil {
		return err
	}
	para := "<p>Quốc hội thông qua Luật Đất đai (sửa đổi) với đa số đại biểu tán thành; luật có hiệu lực từ năm sau và điều chỉnh giá đất, bồi thường, tái định cư.</p>"
	now := time.Now().UTC()
	var list []db.Item
	for i := range nitems {
		list = append(list, db.Item{
			GUID: fmt.Sprintf("bench-%d", i), Link: fmt.Sprintf("https://bench.example.vn/bai-%d.html", i),
			Title: fmt.Sprintf("Bài %d: Quốc hội thông qua Luật Đất đai", i), Summary: para,
			Content: strings.Repeat(para, 25), Language: "vi", Topics: []string{"bench"},
			Published: now.Add(-time.Duration(i) * time.Minute), Authors: []db.Person{{Name: "Phóng viên"}},
			Tags: []db.Tag{{Slug: "dat-dai", Name: "Đất đai"}},
		})
	}
	if _, err := store.SaveFetch(ctx, src, list); err != nil {
		return err
	}

	bantinLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + bantinLn.Addr().String()
	cfg := &config.Config{BaseURL: base, Topics: []config.Topic{{Slug: "bench", Title: "Bench", Limit: nitems}}}
	srv := publisher.New(cfg, store, nil)
	go srv.Serve(ctx, bantinLn)
	bantinURL := base + "/topics/bench.atom"
	body, bantinTag, err := fetch(bantinURL)
	if err != nil {
		return err
	}

	www := filepath.Join(dir, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(www, "bench.atom"), body, 0o644); err != nil {
		return err
	}
	nginxLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	nginxAddr := nginxLn.Addr().String()
	nginxLn.Close()
	conf := fmt.Sprintf(`daemon off;
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  types { application/atom+xml atom; }
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp;
  uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;
  server { listen %[2]s; root %[3]s; etag on; }
}
`, dir, nginxAddr, www)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return err
	}
	nginx := exec.CommandContext(ctx, "nginx", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", confPath)
	nginx.Stderr = os.Stderr
	if err := nginx.Start(); err != nil {
		return fmt.Errorf("servebench: start nginx: %w", err)
	}
	defer func() { nginx.Process.Signal(os.Interrupt); nginx.Wait() }()
	nginxURL := "http://" + nginxAddr + "/bench.atom"
	var nginxBody []byte
	var nginxTag string
	for range 50 {
		if nginxBody, nginxTag, err = fetch(nginxURL); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("servebench: nginx: %w", err)
	}
	if string(nginxBody) != string(body) {
		return fmt.Errorf("servebench: nginx serves different bytes")
	}

	if os.Getenv("SERVEBENCH_DUMP") != "" {
		os.Stdout.Write(body)
	}
	fmt.Printf("feed: %d items, %d bytes; wrk -t%d -c%d -d%s\n", nitems, len(body), threads, conns, dur)
	fmt.Printf("%-8s %14s %14s %7s\n", "path", "bantin req/s", "nginx req/s", "ratio")
	for _, c := range []struct{ name, bantinHeader, nginxHeader string }{
		{"200", "", ""},
		{"304", "If-None-Match: " + bantinTag, "If-None-Match: " + nginxTag},
	} {
		b, err := wrk(bantinURL, c.bantinHeader, dur, conns, threads)
		if err != nil {
			return err
		}
		n, err := wrk(nginxURL, c.nginxHeader, dur, conns, threads)
		if err != nil {
			return err
		}
		fmt.Printf("%-8s %14.0f %14.0f %7.2f\n", c.name, b, n, b/n)
	}
	return nil
}

func fetch(u string) ([]byte, string, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != 200 {
		return nil, "", fmt.Errorf("servebench: GET %s: %s", u, resp.Status)
	}
	return b, resp.Header.Get("ETag"), nil
}

var reqPerSec = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrk runs wrk and returns its requests/s.
func wrk(u, header string, dur time.Duration, conns, threads int) (float64, error) {
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(dur.Seconds())) + "s"}
	if header != "" {
		args = append(args, "-H", header)
	}
	out, err := exec.Command("wrk", append(args, u)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("servebench: wrk: %w\n%s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if m := reqPerSec.FindStringSubmatch(sc.Text()); m != nil {
			return strconv.ParseFloat(m[1], 64)
		}
	}
	return 0, fmt.Errorf("servebench: no Requests/sec in wrk output:\n%s", out)
}
