package cli

import (
	"strconv"
	"strings"
	"testing"
)

func TestParsePortForward(t *testing.T) {
	for _, tc := range []struct {
		in            string
		local, remote int
		err           string
	}{
		{in: "8080", local: 8080, remote: 8080},
		{in: "9000:8080", local: 9000, remote: 8080},
		{in: "1:65535", local: 1, remote: 65535},
		{in: "", err: `"" is not a port`},
		{in: "0:80", err: `"0" is not a port`},
		{in: "80:65536", err: `"65536" is not a port`},
		{in: "080:80", err: `"080" is not a port`},
		{in: "+80", err: `"+80" is not a port`},
		{in: "a:b", err: `"a" is not a port`},
		{in: "1:2:3", err: `"2:3" is not a port`},
		{in: "localhost:80", err: `"localhost" is not a port`},
	} {
		l, r, err := parsePortForward(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "LOCAL:REMOTE") {
				t.Errorf("parsePortForward(%q): got %d, %d, %v; want an error with %s", tc.in, l, r, err, tc.err)
			}
			continue
		}
		if err != nil || l != tc.local || r != tc.remote {
			t.Errorf("parsePortForward(%q): got %d, %d, %v; want %d, %d", tc.in, l, r, err, tc.local, tc.remote)
		}
	}
}

// FuzzParsePortForward: a spec either gives two ports in range that print
// back as the spec, or an error; it never panics.
func FuzzParsePortForward(f *testing.F) {
	for _, s := range []string{"8080", "9000:8080", "0:1", ":", "65536", "1:2:3", "-1", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, r, err := parsePortForward(s)
		if err != nil {
			return
		}
		if l < 1 || l > 65535 || r < 1 || r > 65535 {
			t.Fatalf("%q: ports %d, %d out of range", s, l, r)
		}
		if back := strconv.Itoa(l) + ":" + strconv.Itoa(r); back != s && (l != r || strconv.Itoa(l) != s) {
			t.Fatalf("%q: parsed as %s", s, back)
		}
	})
}
