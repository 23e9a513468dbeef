package websub

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHubCallbackAddressPolicy: with a public base_url the built-in hub
// refuses callbacks on every range the fetcher refuses (netpolicy), those
// it used to miss included: NAT64 and 6to4 addresses embedding a private
// IPv4, 0/8, 198.18/15, 240/4 and fec0::/10, both in the request check and
// at connect time.
func TestHubCallbackAddressPolicy(t *testing.T) {
	e, h, _ := newHubEnv(t)
	pub := testConfig()
	pub.WebSub.Builtin = true
	e.srv.Reload(pub)
	hubURL := e.ts.URL + HubPath
	for _, host := range []string{
		"[64:ff9b::7f00:1]",    // NAT64 of 127.0.0.1
		"[64:ff9b::a9fe:a9fe]", // NAT64 of 169.254.169.254
		"[2002:a00:1::1]",      // 6to4 of 10.0.0.1
		"0.1.2.3",              // 0/8
		"198.18.0.1",           // benchmarking
		"240.0.0.1",            // reserved
		"[fec0::1]",            // site-local
		"[::ffff:10.0.0.1]",    // IPv4-mapped
	} {
		status, body := postForm(t, hubURL, url.Values{"hub.mode": {"subscribe"},
			"hub.topic": {testBase + "/topics/" + topicSlug + ".atom"}, "hub.callback": {"http://" + host + ":8080/cb"}})
		if status != http.StatusBadRequest || !strings.Contains(body, "private") {
			t.Errorf("callback on %s: %d %q, want 400 private", host, status, body)
		}
		addr := strings.Trim(host, "[]")
		if strings.Contains(addr, ":") {
			addr = "[" + addr + "]"
		}
		if err := h.controlAddr("tcp", addr+":8080", nil); !errors.Is(err, errPrivateCallback) {
			t.Errorf("dial %s: %v, want %v", addr, err, errPrivateCallback)
		}
	}
	if err := h.controlAddr("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("dial a public address: %v", err)
	}
}
