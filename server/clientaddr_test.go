package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestProxyTrustClientAddr(t *testing.T) {
	trust := ProxyTrust{
		Headers: []string{"X-Real-Ip", "X-Forwarded-For"},
		Origins: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")},
	}
	cases := []struct {
		name, peer string
		hdr        map[string][]string
		trust      ProxyTrust
		want       string
	}{
		{"no trust: the peer", "203.0.113.1:5", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, ProxyTrust{}, "203.0.113.1"},
		{"untrusted peer: headers ignored", "203.0.113.1:5", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, trust, "203.0.113.1"},
		{"trusted peer, no header", "10.0.0.1:5", nil, trust, "10.0.0.1"},
		{"X-Forwarded-For", "10.0.0.1:5", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, trust, "198.51.100.1"},
		{"right-most untrusted hop", "10.0.0.1:5", map[string][]string{"X-Forwarded-For": {"1.1.1.1, 198.51.100.2", "10.9.9.9"}}, trust, "198.51.100.2"},
		{"all hops trusted: the left-most", "10.0.0.1:5", map[string][]string{"X-Forwarded-For": {"10.3.3.3, 10.2.2.2"}}, trust, "10.3.3.3"},
		{"a bad hop: the peer", "10.0.0.1:5", map[string][]string{"X-Forwarded-For": {"198.51.100.1, bogus"}}, trust, "10.0.0.1"},
		{"first header present wins", "10.0.0.1:5", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}, "X-Real-Ip": {"198.51.100.7"}}, trust, "198.51.100.7"},
		{"X-Real-IP twice: ignored, next header", "10.0.0.1:5", map[string][]string{"X-Real-Ip": {"198.51.100.7", "198.51.100.8"}, "X-Forwarded-For": {"198.51.100.1"}}, trust, "198.51.100.1"},
		{"port and brackets", "10.0.0.1:5", map[string][]string{"X-Forwarded-For": {"[2001:db8::5]:443"}}, trust, "2001:db8::/64"},
		{"v4-mapped peer", "[::ffff:10.0.0.1]:5", map[string][]string{"X-Forwarded-For": {"198.51.100.1:80"}}, trust, "198.51.100.1"},
		{"v6 proxy", "[fd00::1]:5", map[string][]string{"X-Forwarded-For": {"2001:db8:1:2:3::9"}}, trust, "2001:db8:1:2::/64"},
		{"not an address", "pipe", nil, trust, "pipe"},
	}
	for _, c := range cases {
		r := &http.Request{RemoteAddr: c.peer, Header: http.Header(c.hdr)}
		s := &Server{opts: Options{ProxyTrust: c.trust}}
		if got := s.clientAddress(r); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// FuzzClientAddr: any header gives the peer or an address the header
// holds, never a panic.
func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.1:5", "198.51.100.1, 10.2.2.2", "x")
	f.Add("[fd00::1]:1", "[::1]:2,,", "::ffff:1.2.3.4")
	trust := ProxyTrust{Headers: []string{"X-Real-Ip", "X-Forwarded-For"}, Origins: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	f.Fuzz(func(t *testing.T, peer, xff, real string) {
		r := &http.Request{RemoteAddr: peer, Header: http.Header{"X-Forwarded-For": {xff}, "X-Real-Ip": {real}}}
		a, raw, ok := trust.clientAddr(r)
		if !ok {
			if strings.Contains(peer, raw) {
				return
			}
			t.Fatalf("peer %q: raw %q is not from the peer", peer, raw)
		}
		if !a.IsValid() {
			t.Fatalf("an invalid address for peer %q", peer)
		}
		// The result is the peer or one of the headers' addresses, read
		// independently here (an address may be written in any form netip
		// accepts, such as "::ffff:0:0" for 0.0.0.0, so the text is not
		// compared).
		host, _, err := net.SplitHostPort(peer)
		if err != nil {
			host = peer
		}
		from := []string{host, real}
		from = append(from, strings.Split(xff, ",")...)
		for _, s := range from {
			if b, ok := parseForwardedAddr(s); ok && b == a {
				return
			}
		}
		t.Fatalf("address %s is not in the peer or the headers", a)
	})
}
