package fetcher

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"bantin/netpolicy"
)

// policyKey carries a fetch's *policy in the request context down to the
// dialer.
type policyKey struct{}

// policy is the address policy of one fetch: which hosts the chain visited
// and the addresses they were checked at, so the dialer connects to exactly
// those (a DNS answer that changes between check and dial cannot slip a
// private address in).
type policy struct {
	lookup func(ctx context.Context, host string) ([]net.IP, error)

	mu           sync.Mutex
	allowPrivate bool // Request.AllowPrivate, or the origin itself is private
	origin       bool // the next checkHop is the original URL
	hosts        map[string][]net.IP
}

// checkHop resolves u's host and applies the policy before a request is sent
// to it. The original URL's host decides whether private addresses are
// allowed for the whole chain. proxied: the request goes through a proxy,
// which resolves names itself, so only literal addresses are checked.
func (p *policy) checkHop(ctx context.Context, u *url.URL, proxied bool) error {
	p.mu.Lock()
	origin, allow := p.origin, p.allowPrivate
	p.origin = false
	p.mu.Unlock()
	if allow {
		return nil
	}
	host := strings.ToLower(u.Hostname())
	var ips []net.IP
	if a, err := netip.ParseAddr(host); err == nil {
		ips = []net.IP{a.AsSlice()}
	} else if !proxied {
		if ips = p.cached(host); ips == nil {
			ips, err = p.lookup(ctx, host)
			if err != nil {
				return fmt.Errorf("lookup %s: %w", host, err)
			}
			if len(ips) == 0 {
				return fmt.Errorf("lookup %s: no addresses", host)
			}
		}
	}
	private := net.IP(nil)
	for _, ip := range ips {
		if netpolicy.IsPrivateIP(ip) {
			private = ip
			break
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hosts == nil {
		p.hosts = make(map[string][]net.IP)
	}
	p.hosts[host] = ips
	if private == nil {
		return nil
	}
	if origin {
		// The configured URL itself is on a private address: trusted.
		p.allowPrivate = true
		return nil
	}
	if private.Equal(net.ParseIP(host)) {
		return fmt.Errorf("address %s: %w", host, ErrPrivateAddress)
	}
	return fmt.Errorf("%s resolves to %s: %w", host, private, ErrPrivateAddress)
}

func (p *policy) cached(host string) []net.IP {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hosts[host]
}

// lookup resolves host with f.LookupIP or the default resolver.
func (f *Fetcher) lookup(ctx context.Context, host string) ([]net.IP, error) {
	if f.LookupIP != nil {
		return f.LookupIP(ctx, host)
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	ips := make([]net.IP, len(addrs))
	for i, a := range addrs {
		ips[i] = a.IP
	}
	return ips, nil
}

// dialContext is the transport's dialer. For a host of the fetch's chain it
// connects only to the addresses checked by checkHop, refusing private ones
// unless the policy allows them; a host outside the chain can only be the
// environment's proxy and is dialled as is. Without a policy in ctx (the
// client used directly) private addresses are refused.
func (f *Fetcher) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	key := strings.ToLower(host)
	check := true
	var ips []net.IP
	if p, _ := ctx.Value(policyKey{}).(*policy); p != nil {
		p.mu.Lock()
		cached, hop := p.hosts[key]
		allow := p.allowPrivate
		p.mu.Unlock()
		ips = cached // nil unless a hop of the chain
		check = hop && !allow
	}
	if len(ips) == 0 {
		if a, err := netip.ParseAddr(host); err == nil {
			ips = []net.IP{a.AsSlice()}
		} else if ips, err = f.lookup(ctx, host); err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("dial %s: no addresses", addr)
	}
	var allowed []net.IP
	var refused error
	for _, ip := range ips {
		if check && netpolicy.IsPrivateIP(ip) {
			refused = fmt.Errorf("dial %s: %s: %w", addr, ip, ErrPrivateAddress)
			continue
		}
		allowed = append(allowed, ip)
	}
	if len(allowed) == 0 {
		return nil, refused
	}
	return f.dialParallel(ctx, network, port, allowed, check)
}

// fallbackDelay is how long the first address family gets before the other
// one is tried in parallel (RFC 8305, as net.Dialer does).
const fallbackDelay = 300 * time.Millisecond

// dialParallel connects to one of ips: those of the first address's family
// in order, and after fallbackDelay (or at once when they all failed) the
// other family in parallel, so a black-holed IPv6 route does not cost the
// connect timeout.
func (f *Fetcher) dialParallel(ctx context.Context, network, port string, ips []net.IP, check bool) (net.Conn, error) {
	var primaries, fallbacks []net.IP
	for _, ip := range ips {
		if (ip.To4() != nil) == (ips[0].To4() != nil) {
			primaries = append(primaries, ip)
		} else {
			fallbacks = append(fallbacks, ip)
		}
	}
	if len(fallbacks) == 0 {
		return f.dialSerial(ctx, network, port, primaries, check)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		c   net.Conn
		err error
	}
	results := make(chan result, 2)
	start := func(ips []net.IP) {
		go func() {
			c, err := f.dialSerial(ctx, network, port, ips, check)
			results <- result{c, err}
		}()
	}
	start(primaries)
	pending, fallbackStarted := 1, false
	timer := time.NewTimer(fallbackDelay)
	defer timer.Stop()
	var firstErr error
	for {
		select {
		case <-timer.C:
			if !fallbackStarted {
				start(fallbacks)
				pending++
				fallbackStarted = true
			}
		case r := <-results:
			pending--
			if r.err == nil {
				// Close the loser should it connect after all.
				go func(n int) {
					for ; n > 0; n-- {
						if r := <-results; r.c != nil {
							r.c.Close()
						}
					}
				}(pending)
				return r.c, nil
			}
			if firstErr == nil {
				firstErr = r.err
			}
			if !fallbackStarted {
				start(fallbacks)
				pending++
				fallbackStarted = true
			} else if pending == 0 {
				return nil, firstErr
			}
		}
	}
}

// dialSerial tries ips in order until one connects.
func (f *Fetcher) dialSerial(ctx context.Context, network, port string, ips []net.IP, check bool) (net.Conn, error) {
	var lastErr error
	for _, ip := range ips {
		target := net.JoinHostPort(ip.String(), port)
		var c net.Conn
		var err error
		if f.dialHook != nil {
			c, err = f.dialHook(ctx, network, target)
		} else {
			d := net.Dialer{Timeout: ConnectTimeout, KeepAlive: 30 * time.Second}
			if check {
				d.Control = controlPublic
			}
			c, err = d.DialContext(ctx, network, target)
		}
		if err == nil {
			return c, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// controlPublic refuses, at socket level, to connect to a non-public
// address: the last line of defence whatever resolved the name.
func controlPublic(network, address string, _ syscall.RawConn) error {
	if netpolicy.CheckDial(address) != nil {
		return fmt.Errorf("dial %s: %w", address, ErrPrivateAddress)
	}
	return nil
}
