package interop

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// browser drives headless Chromium over the DevTools protocol (a minimal
// client: one page, commands answered in order, events ignored), so that
// tests can fill in forms, press buttons, run axe-core and take
// screenshots. Page scripts stay blocked by the pages' CSP; expressions
// evaluated through DevTools are not page scripts.
type browser struct {
	t    testing.TB
	ws   *websocket.Conn
	next atomic.Int64
}

// newBrowser starts Chromium (skipping when it is not installed) and
// attaches to its page; it is stopped at the end of the test.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithCancel(context.Background())
	// Not t.TempDir: Chromium's helper processes may still write into the
	// profile while the test's cleanup removes it.
	profile, err := os.MkdirTemp("", "bantin-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
		"--no-first-run", "--no-default-browser-check", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
		"--disable-features=Translate,MediaRouter,OptimizationHints", "--lang=vi-VN",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--remote-allow-origins=*",
		"--user-data-dir="+profile, "about:blank")
	cmd.Env = append(os.Environ(), "HOME="+profile, "XDG_CONFIG_HOME="+profile, "XDG_CACHE_HOME="+profile)
	// Its own process group, so that its helpers stop with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		for i := 0; i < 50 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok && !sent {
				found <- strings.TrimSpace(u)
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	var browserWS string
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatal("chromium exited without a DevTools address")
		}
		browserWS = u
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not print its DevTools address in 30 s")
	}
	// The page target's socket, from /json/list.
	host := strings.TrimPrefix(browserWS, "ws://")
	host = host[:strings.IndexByte(host, '/')]
	var pageWS string
	deadline := time.Now().Add(20 * time.Second)
	for pageWS == "" && time.Now().Before(deadline) {
		resp, err := http.Get("http://" + host + "/json/list")
		if err == nil {
			var targets []struct{ Type, WebSocketDebuggerURL string }
			json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" && tg.WebSocketDebuggerURL != "" {
					pageWS = tg.WebSocketDebuggerURL
				}
			}
		}
		if pageWS == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if pageWS == "" {
		t.Fatal("no page target in Chromium")
	}
	ws, err := websocket.Dial(pageWS, "", "http://127.0.0.1/")
	if err != nil {
		t.Fatalf("DevTools websocket: %v", err)
	}
	ws.MaxPayloadBytes = 64 << 20
	t.Cleanup(func() { ws.Close() })
	b := &browser{t: t, ws: ws}
	b.call("Page.enable", nil)
	return b
}

// call sends a DevTools command and returns its result.
func (b *browser) call(method string, params any) json.RawMessage {
	b.t.Helper()
	id := b.next.Add(1)
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	b.ws.SetDeadline(time.Now().Add(60 * time.Second))
	if err := websocket.JSON.Send(b.ws, msg); err != nil {
		b.t.Fatalf("DevTools %s: %v", method, err)
	}
	for {
		var resp struct {
			ID     int64           `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := websocket.JSON.Receive(b.ws, &resp); err != nil {
			b.t.Fatalf("DevTools %s: %v", method, err)
		}
		if resp.ID != id {
			continue // an event
		}
		if resp.Error != nil {
			b.t.Fatalf("DevTools %s: %s", method, resp.Error.Message)
		}
		return resp.Result
	}
}

// eval evaluates a JavaScript expression in the page (awaiting a promise)
// and decodes its value into out (when not nil).
func (b *browser) eval(expr string, out any) {
	b.t.Helper()
	res := b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception *struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		b.t.Fatal(err)
	}
	if e := r.ExceptionDetails; e != nil {
		msg := e.Text
		if e.Exception != nil {
			msg += " " + e.Exception.Description
		}
		b.t.Fatalf("evaluate %.80q: %s", expr, msg)
	}
	if out != nil && len(r.Result.Value) > 0 {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			b.t.Fatalf("evaluate %.80q: decode %s: %v", expr, r.Result.Value, err)
		}
	}
}

// waitLoaded waits until a new document (not marked by mark) has loaded.
func (b *browser) waitLoaded() {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var ok bool
		b.eval(`window.__bantinOld !== true && document.readyState === "complete"`, &ok)
		if ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatal("page did not load in 30 s")
}

// mark flags the current document so that waitLoaded waits for the next.
func (b *browser) mark() { b.eval(`window.__bantinOld = true`, nil) }

// open loads url and waits for it.
func (b *browser) open(url string) {
	b.t.Helper()
	b.mark()
	b.call("Page.navigate", map[string]any{"url": url})
	b.waitLoaded()
}

// submit clicks the element matched by selector (a submit button) and
// waits for the page the form leads to.
func (b *browser) submit(selector string) {
	b.t.Helper()
	b.mark()
	b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) throw new Error("no element " + %q); e.click(); return true })()`, selector, selector), nil)
	b.waitLoaded()
}

// fill sets the value of the form field matched by selector.
func (b *browser) fill(selector, value string) {
	b.t.Helper()
	v, _ := json.Marshal(value)
	b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) throw new Error("no field " + %q); e.value = %s; return true })()`, selector, selector, v), nil)
}

// text returns the page's URL and visible text.
func (b *browser) text() (url, text string) {
	var r struct{ URL, Text string }
	b.eval(`({URL: location.href, Text: document.body ? document.body.innerText : ""})`, &r)
	return r.URL, r.Text
}

// viewport sets the layout width (a phone below 500 px).
func (b *browser) viewport(width, height int) {
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})
}

// screenshot saves the whole page as PNG.
func (b *browser) screenshot(path string) {
	b.t.Helper()
	res := b.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true})
	var r struct{ Data string }
	if err := json.Unmarshal(res, &r); err != nil {
		b.t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
