package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ProxyTrust says which reverse proxies may name the client of a request:
// a request whose TCP peer is in Origins has its client address taken from
// the first of Headers it carries (X-Forwarded-For read from the right,
// past the trusted proxies' own addresses). Without it, or from any other
// peer, the client is the peer and those headers are ignored, so a client
// cannot pick the address its failed logins are counted against.
type ProxyTrust struct {
	// Headers are canonical header names, e.g. X-Forwarded-For, X-Real-Ip.
	Headers []string
	// Origins are the proxies' addresses.
	Origins []netip.Prefix
}

func (p ProxyTrust) trusts(a netip.Addr) bool {
	for _, o := range p.Origins {
		if o.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the request's client: the TCP peer, or the address a
// trusted proxy gives (ProxyTrust); ok is false when the peer is not an IP
// address (a test's RemoteAddr).
func (p ProxyTrust) clientAddr(r *http.Request) (netip.Addr, string, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, host, false
	}
	peer = peer.Unmap().WithZone("")
	if len(p.Headers) == 0 || !p.trusts(peer) {
		return peer, "", true
	}
	for _, h := range p.Headers {
		vals := r.Header.Values(h)
		if len(vals) == 0 {
			continue
		}
		if a, ok := p.fromHeader(h, vals); ok {
			return a, "", true
		}
	}
	return peer, "", true
}

// fromHeader reads a client address out of a header's values: for
// X-Forwarded-For (a list that each proxy appends its peer to), the
// right-most address that is not a trusted proxy, else the left-most; for
// any other header, its one value. A value that is not an address gives
// nothing (the peer stays the client).
func (p ProxyTrust) fromHeader(name string, vals []string) (netip.Addr, bool) {
	if name != "X-Forwarded-For" {
		if len(vals) != 1 {
			return netip.Addr{}, false
		}
		return parseForwardedAddr(vals[0])
	}
	var hops []string
	for _, v := range vals {
		hops = append(hops, strings.Split(v, ",")...)
	}
	if len(hops) > 64 {
		hops = hops[len(hops)-64:]
	}
	var left netip.Addr
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseForwardedAddr(hops[i])
		if !ok {
			return netip.Addr{}, false
		}
		if !p.trusts(a) {
			return a, true
		}
		left = a
	}
	return left, left.IsValid()
}

// parseForwardedAddr reads "1.2.3.4", "1.2.3.4:5", "2001:db8::1" or
// "[2001:db8::1]:5".
func parseForwardedAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// clientAddress is the throttle key of the request's client: its address
// (ProxyTrust), an IPv6 address as its /64.
func (s *Server) clientAddress(r *http.Request) string {
	a, raw, ok := s.opts.ProxyTrust.clientAddr(r)
	if !ok {
		return raw
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
