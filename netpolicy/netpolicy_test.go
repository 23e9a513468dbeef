package netpolicy

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

// TestIsPrivate covers every range: an address inside (at both ends where
// the edge matters) and a public neighbour just outside.
func TestIsPrivate(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
		why  string
	}{
		{"93.184.216.34", false, "public IPv4"},
		{"203.0.113.10", false, "documentation TEST-NET-3 is not refused"},
		{"2606:4700::1111", false, "public IPv6"},

		{"0.0.0.0", true, "0/8 unspecified"},
		{"0.255.255.255", true, "0/8 top"},
		{"1.0.0.1", false, "just above 0/8"},
		{"10.0.0.0", true, "10/8"},
		{"10.255.255.255", true, "10/8 top"},
		{"11.0.0.1", false, "just above 10/8"},
		{"100.64.0.1", true, "100.64/10 carrier-grade NAT"},
		{"100.127.255.255", true, "100.64/10 top"},
		{"100.128.0.1", false, "just above 100.64/10"},
		{"100.63.255.255", false, "just below 100.64/10"},
		{"127.0.0.1", true, "loopback"},
		{"127.8.9.10", true, "anywhere in 127/8"},
		{"169.254.169.254", true, "169.254/16 link-local (cloud metadata)"},
		{"169.255.0.1", false, "just above 169.254/16"},
		{"172.16.0.1", true, "172.16/12"},
		{"172.31.255.255", true, "172.16/12 top"},
		{"172.32.0.1", false, "just above 172.16/12"},
		{"172.15.255.255", false, "just below 172.16/12"},
		{"192.0.0.8", true, "192.0.0/24 IETF protocol assignments"},
		{"192.0.1.1", false, "just above 192.0.0/24"},
		{"192.168.1.1", true, "192.168/16"},
		{"192.169.0.1", false, "just above 192.168/16"},
		{"198.18.0.1", true, "198.18/15 benchmarking"},
		{"198.19.255.255", true, "198.18/15 top"},
		{"198.20.0.1", false, "just above 198.18/15"},
		{"198.17.255.255", false, "just below 198.18/15"},
		{"224.0.0.1", true, "224/4 multicast"},
		{"239.255.255.255", true, "224/4 top"},
		{"223.255.255.255", false, "just below 224/4"},
		{"240.0.0.1", true, "240/4 reserved"},
		{"255.255.255.255", true, "broadcast"},

		{"::", true, "IPv6 unspecified"},
		{"::1", true, "IPv6 loopback"},
		{"::a00:1", true, "deprecated IPv4-compatible ::10.0.0.1"},
		{"::ffff:127.0.0.1", true, "IPv4-mapped loopback"},
		{"::ffff:198.18.0.1", true, "IPv4-mapped benchmarking"},
		{"::ffff:93.184.216.34", false, "IPv4-mapped public"},
		{"64:ff9b::a00:1", true, "NAT64 of 10.0.0.1"},
		{"64:ff9b::7f00:1", true, "NAT64 of 127.0.0.1"},
		{"64:ff9b::a9fe:a9fe", true, "NAT64 of 169.254.169.254"},
		{"64:ff9b::5db8:d822", false, "NAT64 of public 93.184.216.34"},
		{"64:ff9b:1::1", true, "local-use NAT64 64:ff9b:1::/48"},
		{"2002:7f00:1::", true, "6to4 of 127.0.0.1"},
		{"2002:a00:1::1", true, "6to4 of 10.0.0.1"},
		{"2002:c0a8:101::1", true, "6to4 of 192.168.1.1"},
		{"2002:5db8:d822::1", false, "6to4 of public 93.184.216.34"},
		{"100::1", true, "100::/64 discard-only"},
		{"100:0:0:1::1", false, "just above 100::/64"},
		{"fd12:3456::1", true, "fc00::/7 unique local"},
		{"fc00::1", true, "fc00::/7 bottom"},
		{"fe80::1", true, "fe80::/10 link-local"},
		{"febf:ffff::1", true, "fe80::/10 top"},
		{"fec0::1", true, "fec0::/10 site-local"},
		{"feff:ffff::1", true, "fec0::/10 top"},
		{"ff02::1", true, "ff00::/8 multicast"},
		{"fe80::1%eth0", true, "link-local with a zone"},
	}
	for _, tc := range tests {
		a, err := netip.ParseAddr(tc.ip)
		if err != nil {
			t.Fatalf("bad test address %q: %v", tc.ip, err)
		}
		if got := IsPrivate(a); got != tc.want {
			t.Errorf("IsPrivate(%s) = %v, want %v (%s)", tc.ip, got, tc.want, tc.why)
		}
		if ip := net.ParseIP(a.WithZone("").String()); IsPrivateIP(ip) != tc.want {
			t.Errorf("IsPrivateIP(%s) = %v, want %v (%s)", ip, !tc.want, tc.want, tc.why)
		}
	}
	if !IsPrivate(netip.Addr{}) || !IsPrivateIP(nil) || !IsPrivateIP(net.IP{1, 2, 3}) {
		t.Error("an invalid address must count as private (fail closed)")
	}
}

func TestIsLocalHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST.": true, "feeds.localhost": true, "127.0.0.1": true,
		"[::1]": true, "10.1.2.3": true, "[64:ff9b::a00:1]": true, "198.18.0.5": true,
		"vnexpress.net": false, "localhost.example.com": false, "93.184.216.34": false, "": false,
	} {
		if got := IsLocalHost(host); got != want {
			t.Errorf("IsLocalHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestCheckDial(t *testing.T) {
	for addr, private := range map[string]bool{
		"93.184.216.34:443": false, "[2606:4700::1111]:443": false,
		"127.0.0.1:80": true, "[64:ff9b::7f00:1]:80": true, "[2002:a00:1::1]:80": true,
		"0.0.0.0:80": true, "[fec0::1]:80": true, "not an address": true,
	} {
		err := CheckDial(addr)
		if got := errors.Is(err, ErrPrivate); got != private {
			t.Errorf("CheckDial(%q) = %v; refused %v, want %v", addr, err, got, private)
		}
	}
}
