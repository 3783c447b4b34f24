package cli

import (
	"bytes"
	"context"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

func TestParseProxyTrust(t *testing.T) {
	p, err := parseProxyTrust([]string{"x-forwarded-for", " X-Real-IP", ""}, []string{"10.0.0.0/8", "192.0.2.7", "fd00::/8", "::ffff:172.16.0.0/108", "10.1.2.3/8"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"X-Forwarded-For", "X-Real-Ip"}; !reflect.DeepEqual(p.Headers, want) {
		t.Errorf("headers: got %v, want %v", p.Headers, want)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("10.0.0.0/8"),
	}
	if !reflect.DeepEqual(p.Origins, want) {
		t.Errorf("origins: got %v, want %v", p.Origins, want)
	}
	if p, err := parseProxyTrust(nil, nil); err != nil || len(p.Headers)+len(p.Origins) != 0 {
		t.Errorf("nothing given: got %+v, %v; want no trust", p, err)
	}
	bad := []struct {
		headers, origins []string
		want             string
	}{
		{[]string{"X-Forwarded-For"}, nil, "needs --proxy-trusted-origins"},
		{nil, []string{"10.0.0.0/8"}, "needs --proxy-trusted-headers"},
		{[]string{"X Forwarded"}, []string{"10.0.0.0/8"}, "is not a header name"},
		{[]string{"forwarded"}, []string{"10.0.0.0/8"}, "Forwarded header (RFC 7239) is not supported"},
		{[]string{"X-Real-IP"}, []string{"10.0.0.0/33"}, "neither an IP address nor a CIDR range"},
		{[]string{"X-Real-IP"}, []string{"proxy.example.com"}, "neither an IP address nor a CIDR range"},
		{[]string{"X-Real-IP"}, []string{"fe80::1%eth0"}, "neither an IP address nor a CIDR range"},
	}
	for _, b := range bad {
		if _, err := parseProxyTrust(b.headers, b.origins); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v %v: got %v, want an error containing %q", b.headers, b.origins, err, b.want)
		}
	}
}

// TestProxyTrustFlags: the flags and their environment variables reach the
// options, and a bad setting stops the start with its error.
func TestProxyTrustFlags(t *testing.T) {
	newCmd := func(runF func(context.Context, *serverOptions) error) *cobra.Command {
		return newCmdServer(&globalOptions{}, runF)
	}
	cleanEnv(t)
	t.Setenv("CODER_PROXY_TRUSTED_HEADERS", "X-Real-IP,X-Forwarded-For")
	p := mustParse(t, newCmd, "", "--proxy-trusted-origins", "10.0.0.0/8", "--proxy-trusted-origins", "192.0.2.1")
	if got := p.opts.proxyTrustedHeaders; !reflect.DeepEqual(got, []string{"X-Real-IP", "X-Forwarded-For"}) {
		t.Errorf("headers from the environment: got %v", got)
	}
	if got := p.opts.proxyTrustedOrigins; !reflect.DeepEqual(got, []string{"10.0.0.0/8", "192.0.2.1"}) {
		t.Errorf("origins from the flags: got %v", got)
	}
	o := serverOptions{streams: streams{out: &bytes.Buffer{}, errOut: &bytes.Buffer{}}, limits: sdk.DefaultLimits, dataDir: t.TempDir(), httpAddress: "127.0.0.1:0",
		proxyTrustedHeaders: []string{"X-Forwarded-For"}}
	if err := o.serve(t.Context()); err == nil || !strings.Contains(err.Error(), "--proxy-trusted-headers needs --proxy-trusted-origins") {
		t.Errorf("headers without origins: got %v, want the start refused", err)
	}
}
