package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/usersecrets/coder/server"
)

// parseProxyTrust reads --proxy-trusted-headers and --proxy-trusted-origins.
// Headers without origins would trust nobody and are refused, as is a
// header name that is not one or the RFC 7239 Forwarded header (its
// for= syntax is not read).
func parseProxyTrust(headers, origins []string) (server.ProxyTrust, error) {
	var p server.ProxyTrust
	for _, h := range headers {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if !validHeaderName(h) {
			return p, fmt.Errorf("--proxy-trusted-headers: %q is not a header name", h)
		}
		h = http.CanonicalHeaderKey(h)
		if h == "Forwarded" {
			return p, errors.New("--proxy-trusted-headers: the Forwarded header (RFC 7239) is not supported; use X-Forwarded-For or X-Real-IP")
		}
		p.Headers = append(p.Headers, h)
	}
	for _, o := range origins {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		pre, err := netip.ParsePrefix(o)
		if err != nil {
			a, aerr := netip.ParseAddr(o)
			if aerr != nil || a.Zone() != "" {
				return p, fmt.Errorf("--proxy-trusted-origins: %q is neither an IP address nor a CIDR range (10.0.0.0/8, 192.0.2.7, fd00::/8)", o)
			}
			pre = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if pre.Addr().Is4In6() && pre.Bits() >= 96 {
			pre = netip.PrefixFrom(pre.Addr().Unmap(), pre.Bits()-96)
		}
		p.Origins = append(p.Origins, pre.Masked())
	}
	switch {
	case len(p.Headers) > 0 && len(p.Origins) == 0:
		return p, errors.New("--proxy-trusted-headers needs --proxy-trusted-origins: the addresses of the proxies allowed to set them")
	case len(p.Origins) > 0 && len(p.Headers) == 0:
		return p, errors.New("--proxy-trusted-origins needs --proxy-trusted-headers: the headers those proxies set (X-Forwarded-For...)")
	}
	return p, nil
}

func validHeaderName(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return h != ""
}
