// Package netpolicy is bantin's one private-address policy: which
// addresses a request that a feed, a redirect, a discovered link, a WebSub
// hub or a WebSub subscriber's callback led to may not reach unless the
// operator allowed it. The fetcher, the WebSub subscriber and the built-in
// hub all ask IsPrivate, so none of them is weaker than another.
package netpolicy

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// ErrPrivate: an address that is not public unicast.
var ErrPrivate = errors.New("non-public address")

// nonPublic lists the ranges that are not public unicast.
var nonPublic = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",      // "this network", unspecified
		"10.0.0.0/8",     // private (RFC 1918)
		"100.64.0.0/10",  // carrier-grade NAT
		"127.0.0.0/8",    // loopback
		"169.254.0.0/16", // link-local (cloud metadata)
		"172.16.0.0/12",  // private (RFC 1918)
		"192.0.0.0/24",   // IETF protocol assignments
		"192.168.0.0/16", // private (RFC 1918)
		"198.18.0.0/15",  // benchmarking
		"224.0.0.0/4",    // multicast
		"240.0.0.0/4",    // reserved, and 255.255.255.255 broadcast
		"::/96",          // unspecified, loopback, deprecated IPv4-compatible
		"64:ff9b:1::/48", // local-use NAT64 (RFC 8215)
		"100::/64",       // discard-only
		"fc00::/7",       // unique local (ULA)
		"fe80::/10",      // link-local
		"fec0::/10",      // site-local (deprecated)
		"ff00::/8",       // multicast
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// Prefixes of IPv6 addresses that embed an IPv4 address, judged by it.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052: the IPv4 address is the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // RFC 3056: the IPv4 address is bits 16-47
)

// IsPrivate reports whether a is not a public unicast address: loopback,
// private (RFC 1918), link-local, unspecified, "this network" (0/8),
// carrier-grade NAT (100.64/10), benchmarking (198.18/15), reserved
// (240/4) and broadcast, multicast, IPv6 unique-local (fc00::/7),
// site-local (fec0::/10) and discard (100::/64). An IPv4 address embedded
// in IPv6 (mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) is
// judged by its IPv4 part. The invalid Addr counts as private (fail
// closed); a zone is ignored.
func IsPrivate(a netip.Addr) bool {
	if !a.IsValid() {
		return true
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return IsPrivate(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return IsPrivate(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// IsPrivateIP is IsPrivate for a net.IP; nil or malformed counts as
// private.
func IsPrivateIP(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return true
	}
	return IsPrivate(a)
}

// IsLocalHost reports whether host, the host name of a URL (no port),
// names a machine on a non-public network: localhost, a name under
// .localhost, or a literal non-public address (brackets and a zone
// allowed). Other names are not resolved: false.
func IsLocalHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && IsPrivate(a)
}

// CheckDial checks the address a dialer is about to connect to
// ("ip:port", as a net.Dialer's Control function receives it): an error
// wrapping ErrPrivate when it is not public, or when it does not parse.
func CheckDial(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w: %v", address, ErrPrivate, err)
	}
	if IsPrivate(ap.Addr()) {
		return fmt.Errorf("dial %s: %w", address, ErrPrivate)
	}
	return nil
}

// Control is a net.Dialer Control function that refuses, at socket
// level, to connect to a non-public address (CheckDial): the last line of
// defence whatever resolved the name.
func Control(_, address string, _ syscall.RawConn) error { return CheckDial(address) }
