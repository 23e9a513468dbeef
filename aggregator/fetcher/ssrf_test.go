package fetcher

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDNS resolves test host names; it counts lookups per host.
type fakeDNS struct {
	mu      sync.Mutex
	answers map[string][][]string // host -> successive answers (last one repeats)
	count   map[string]int
}

func (d *fakeDNS) lookup(_ context.Context, host string) ([]net.IP, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.count == nil {
		d.count = map[string]int{}
	}
	answers, ok := d.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	i := min(d.count[host], len(answers)-1)
	d.count[host]++
	var ips []net.IP
	for _, s := range answers[i] {
		ips = append(ips, net.ParseIP(s))
	}
	return ips, nil
}

func (d *fakeDNS) lookups(host string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.count[host]
}

func testDNS() *fakeDNS {
	return &fakeDNS{answers: map[string][][]string{
		"public.test":   {{"203.0.113.10"}},
		"public2.test":  {{"203.0.113.11", "2001:db8::11"}},
		"internal.test": {{"127.0.0.1"}},
		"intranet.test": {{"10.0.0.5"}},
		"mixed.test":    {{"203.0.113.20", "192.168.1.1"}},
		"localhost":     {{"127.0.0.1", "::1"}},
		"rebind.test":   {{"203.0.113.10"}, {"127.0.0.1"}},
	}}
}

func TestPolicyCheckHop(t *testing.T) {
	tests := map[string]struct {
		chain        []string // origin first, then redirect targets
		allowPrivate bool
		wantErr      error  // for the last hop
		wantErrText  string // for the last hop
	}{
		"public to public":                {chain: []string{"http://public.test/", "https://public2.test/feed"}},
		"public to loopback literal":      {chain: []string{"http://public.test/", "http://127.0.0.1/"}, wantErr: ErrPrivateAddress},
		"public to IPv6 loopback":         {chain: []string{"http://public.test/", "http://[::1]:8080/"}, wantErr: ErrPrivateAddress},
		"public to IPv4-mapped loopback":  {chain: []string{"http://public.test/", "http://[::ffff:127.0.0.1]/"}, wantErr: ErrPrivateAddress},
		"public to cloud metadata":        {chain: []string{"http://public.test/", "http://169.254.169.254/latest/"}, wantErr: ErrPrivateAddress},
		"public to CGNAT":                 {chain: []string{"http://public.test/", "http://100.64.1.1/"}, wantErr: ErrPrivateAddress},
		"public to ULA":                   {chain: []string{"http://public.test/", "http://[fd00::1]/"}, wantErr: ErrPrivateAddress},
		"public to unspecified":           {chain: []string{"http://public.test/", "http://0.0.0.0/"}, wantErr: ErrPrivateAddress},
		"public to a name on 10/8":        {chain: []string{"http://public.test/", "http://intranet.test/"}, wantErr: ErrPrivateAddress},
		"public to localhost":             {chain: []string{"http://public.test/", "http://localhost:9000/"}, wantErr: ErrPrivateAddress},
		"public to a half-private name":   {chain: []string{"http://public.test/", "http://mixed.test/"}, wantErr: ErrPrivateAddress},
		"public via public to private":    {chain: []string{"http://public.test/", "http://public2.test/", "http://10.9.9.9/"}, wantErr: ErrPrivateAddress},
		"private origin to private":       {chain: []string{"http://localhost/", "http://10.0.0.1/"}},
		"private literal origin":          {chain: []string{"http://192.168.1.10/", "http://127.0.0.1/"}},
		"half-private origin is trusted":  {chain: []string{"http://mixed.test/", "http://127.0.0.1/"}},
		"AllowPrivate, public to private": {chain: []string{"http://public.test/", "http://127.0.0.1/"}, allowPrivate: true},
		"origin lookup fails":             {chain: []string{"http://nowhere.test/"}, wantErrText: "lookup nowhere.test"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dns := testDNS()
			p := &policy{allowPrivate: tc.allowPrivate, origin: true, lookup: dns.lookup}
			var err error
			for i, raw := range tc.chain {
				u, perr := url.Parse(raw)
				if perr != nil {
					t.Fatal(perr)
				}
				err = p.checkHop(context.Background(), u, false)
				if i < len(tc.chain)-1 && err != nil {
					t.Fatalf("hop %d (%s): %v, want no error", i, raw, err)
				}
			}
			switch {
			case tc.wantErr == nil && tc.wantErrText == "":
				if err != nil {
					t.Errorf("last hop: %v, want no error", err)
				}
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("last hop: %v, want %v", err, tc.wantErr)
			case err == nil || !strings.Contains(err.Error(), tc.wantErrText):
				t.Errorf("last hop: %v, want it to contain %q", err, tc.wantErrText)
			}
		})
	}
}

// TestFetchSSRF runs whole fetches from a fake public host name (resolved by
// a fake DNS to a TEST-NET address, connected by a dial hook to a loopback
// server) towards a "secret" server on 127.0.0.1.
func TestFetchSSRF(t *testing.T) {
	var mu sync.Mutex
	secretHits := 0
	secret := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		secretHits++
		mu.Unlock()
		fmt.Fprint(w, "secret")
	}))
	secretPort := secret.Listener.Addr().(*net.TCPAddr).Port
	public := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-literal":
			http.Redirect(w, r, secret.URL+"/secret", http.StatusFound)
		case "/to-name":
			http.Redirect(w, r, fmt.Sprintf("http://internal.test:%d/secret", secretPort), http.StatusMovedPermanently)
		case "/to-localhost":
			http.Redirect(w, r, fmt.Sprintf("http://localhost:%d/secret", secretPort), http.StatusTemporaryRedirect)
		default:
			fmt.Fprint(w, "public "+r.URL.Path)
		}
	}))
	publicAddr := public.Listener.Addr().String()
	pub := func(host, path string) string { return fmt.Sprintf("http://%s:%d%s", host, secretPort, path) }

	tests := map[string]struct {
		url          string
		origin       string
		allowPrivate bool
		wantErr      error
		wantBody     string
	}{
		"link on a public page to loopback refused": {url: secret.URL + "/secret", origin: pub("public.test", "/page"), wantErr: ErrPrivateAddress},
		"link on a private page to loopback":        {url: secret.URL + "/secret", origin: "http://" + publicAddr + "/page", wantBody: "secret"},
		"link from a file:// source to loopback":    {url: secret.URL + "/secret", origin: "file:///srv/page.html", wantBody: "secret"},
		"link on a public page to a public feed":    {url: pub("public.test", "/feed"), origin: pub("public.test", "/page"), wantBody: "public /feed"},
		"public feed":                               {url: pub("public.test", "/feed"), wantBody: "public /feed"},
		"public to loopback literal refused":        {url: pub("public.test", "/to-literal"), wantErr: ErrPrivateAddress},
		"public to loopback name refused":           {url: pub("public.test", "/to-name"), wantErr: ErrPrivateAddress},
		"public to localhost refused":               {url: pub("public.test", "/to-localhost"), wantErr: ErrPrivateAddress},
		"AllowPrivate follows":                      {url: pub("public.test", "/to-name"), allowPrivate: true, wantBody: "secret"},
		"private origin may go private":             {url: "http://" + publicAddr + "/to-literal", wantBody: "secret"},
		"DNS rebinding dials the checked address":   {url: pub("rebind.test", "/feed"), wantBody: "public /feed"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dns := testDNS()
			f := New(testUA)
			f.LookupIP = dns.lookup
			f.dialHook = hookTo(publicAddr)
			// Fresh connections for every case: reuse would skip the dialer.
			defer f.Client.CloseIdleConnections()
			mu.Lock()
			secretHits = 0
			mu.Unlock()
			resp, err := f.Fetch(context.Background(), Request{URL: tc.url, Origin: tc.origin, AllowPrivate: tc.allowPrivate})
			mu.Lock()
			hits := secretHits
			mu.Unlock()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				checkErrPrefix(t, err, tc.url)
				if hits != 0 {
					t.Errorf("secret server hit %d times, want 0", hits)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if string(resp.Body) != tc.wantBody {
				t.Errorf("Body %q, want %q", resp.Body, tc.wantBody)
			}
			if n := dns.lookups("rebind.test"); n > 1 {
				t.Errorf("rebind.test looked up %d times, want at most once per fetch", n)
			}
		})
	}
}

// hookTo returns a dial hook connecting 203.0.113.10 and 2001:db8::1 (any
// port) to publicAddr, never answering for 2001:db8::dead and 198.51.100.99
// (black-holed routes), and dialing other addresses as they are.
func hookTo(publicAddr string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		switch host, _, _ := net.SplitHostPort(addr); host {
		case "203.0.113.10", "2001:db8::1":
			return d.DialContext(ctx, network, publicAddr)
		case "2001:db8::dead", "198.51.100.99":
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return d.DialContext(ctx, network, addr)
	}
}

// TestDialFallback checks that a dead first address family does not stall
// the connection (happy eyeballs) and that dead addresses of one family are
// skipped in order.
func TestDialFallback(t *testing.T) {
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	tests := map[string]struct {
		answer  []string
		wantErr bool
	}{
		"dead IPv6 first, IPv4 works":        {answer: []string{"2001:db8::dead", "203.0.113.10"}},
		"dead IPv4 first, IPv6 works":        {answer: []string{"198.51.100.99", "2001:db8::1"}},
		"IPv4 first":                         {answer: []string{"203.0.113.10", "2001:db8::dead"}},
		"two dead IPv6, then IPv4":           {answer: []string{"2001:db8::dead", "2001:db8::dead", "203.0.113.10"}},
		"only dead addresses: timeout error": {answer: []string{"2001:db8::dead", "198.51.100.99"}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dns := &fakeDNS{answers: map[string][][]string{"dual.test": {tc.answer}}}
			f := New(testUA)
			f.LookupIP = dns.lookup
			f.dialHook = hookTo(srv.Listener.Addr().String())
			defer f.Client.CloseIdleConnections()
			start := time.Now()
			timeout := 3 * time.Second // well under ConnectTimeout: a stalled dial would fail
			if tc.wantErr {
				timeout = 700 * time.Millisecond
			}
			resp, err := f.Fetch(context.Background(), Request{URL: "http://dual.test/", Timeout: timeout})
			elapsed := time.Since(start)
			if tc.wantErr {
				if !errors.Is(err, ErrTimeout) {
					t.Fatalf("err = %v, want ErrTimeout", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if string(resp.Body) != "ok" || elapsed > 2900*time.Millisecond {
				t.Errorf("Body %q after %v, want %q within 2.9s (the timeout is 3s)", resp.Body, elapsed, "ok")
			}
		})
	}
}

// TestDialPolicy checks the dial-time enforcement on its own: whatever the
// per-hop check said, the dialer never connects a private address unless the
// fetch's policy allows it.
func TestDialPolicy(t *testing.T) {
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	port := fmt.Sprint(srv.Listener.Addr().(*net.TCPAddr).Port)
	tests := map[string]struct {
		pol     *policy // nil: no policy in the context
		addr    string
		wantErr bool
	}{
		"no policy, loopback name refused":      {addr: "internal.test:" + port, wantErr: true},
		"no policy, loopback literal refused":   {addr: "127.0.0.1:" + port, wantErr: true},
		"unchecked hop resolving private":       {pol: &policy{hosts: map[string][]net.IP{"internal.test": nil}}, addr: "internal.test:" + port, wantErr: true},
		"checked addresses are used, not DNS":   {pol: &policy{hosts: map[string][]net.IP{"public.test": {net.ParseIP("127.0.0.1")}}}, addr: "public.test:" + port, wantErr: true},
		"policy allowing private":               {pol: &policy{allowPrivate: true}, addr: "internal.test:" + port},
		"host outside the chain (proxy) dialed": {pol: &policy{hosts: map[string][]net.IP{"public.test": {net.ParseIP("203.0.113.10")}}}, addr: "127.0.0.1:" + port},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := &Fetcher{LookupIP: testDNS().lookup}
			ctx := context.Background()
			if tc.pol != nil {
				ctx = context.WithValue(ctx, policyKey{}, tc.pol)
			}
			c, err := f.dialContext(ctx, "tcp", tc.addr)
			if c != nil {
				c.Close()
			}
			if tc.wantErr != errors.Is(err, ErrPrivateAddress) {
				t.Errorf("dial %s: err = %v, want ErrPrivateAddress: %v", tc.addr, err, tc.wantErr)
			}
			if !tc.wantErr && err != nil {
				t.Errorf("dial %s: %v", tc.addr, err)
			}
		})
	}
	t.Run("client used without Fetch", func(t *testing.T) {
		f := New(testUA)
		f.LookupIP = testDNS().lookup
		_, err := f.Client.Get("http://internal.test:" + port + "/")
		if !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("err = %v, want ErrPrivateAddress", err)
		}
	})
	t.Run("socket control", func(t *testing.T) {
		for addr, want := range map[string]bool{"127.0.0.1:80": true, "[::1]:443": true, "10.0.0.1:80": true, "203.0.113.1:80": false} {
			if err := controlPublic("tcp", addr, nil); errors.Is(err, ErrPrivateAddress) != want {
				t.Errorf("controlPublic(%s) = %v, want refused: %v", addr, err, want)
			}
		}
	})
}
