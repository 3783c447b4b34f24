package placement_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
)

func TestResolvePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		path      string
		home      string
		goos      string
		cwdVolume string
		want      string
		wantErr   string
	}{
		{name: "home", path: "~/.config/tool/config.json", home: "/home/coder", goos: "linux", want: "/home/coder/.config/tool/config.json"},
		{name: "home trailing slash", path: "~/x", home: "/home/coder/", goos: "linux", want: "/home/coder/x"},
		{name: "absolute", path: "/etc/tool/key", home: "/home/coder", goos: "linux", want: "/etc/tool/key"},
		{name: "cleaned", path: "/a//b/./c/../d", home: "/h", goos: "linux", want: "/a/b/d"},
		{name: "dotdot leaves home", path: "~/../other/f", home: "/home/coder", goos: "linux", want: "/home/other/f"},
		{name: "dotdot above root", path: "/../../f", home: "/h", goos: "linux", want: "/f"},
		{name: "darwin", path: "~/f", home: "/Users/coder", goos: "darwin", want: "/Users/coder/f"},
		{name: "backslash is a name on linux", path: `~/a\b`, home: "/h", goos: "linux", want: `/h/a\b`},
		{name: "relative", path: "config", home: "/h", goos: "linux", wantErr: "must start with ~/ or /"},
		{name: "tilde user", path: "~coder/f", home: "/h", goos: "linux", wantErr: "must start with ~/ or /"},
		{name: "empty", path: "", home: "/h", goos: "linux", wantErr: "must start with ~/ or /"},
		{name: "NUL", path: "/a\x00b", home: "/h", goos: "linux", wantErr: "NUL"},
		{name: "home itself", path: "~/", home: "/h", goos: "linux", wantErr: "names a directory"},
		{name: "root", path: "/", home: "/h", goos: "linux", wantErr: "names a directory"},
		{name: "dir slash", path: "~/.config/", home: "/h", goos: "linux", wantErr: "names a directory"},
		{name: "dot", path: "~/a/.", home: "/h", goos: "linux", wantErr: "names a directory"},
		{name: "dotdot end", path: "~/a/..", home: "/h", goos: "linux", wantErr: "names a directory"},
		{name: "back to home", path: "~/a/../", home: "/h", goos: "linux", wantErr: "names a directory"},
		{name: "relative home", path: "~/f", home: "h", goos: "linux", wantErr: "not an absolute path"},

		{name: "windows profile", path: "~/.config/tool/config.json", home: `C:\Users\coder`, goos: "windows", cwdVolume: "D:", want: `C:\Users\coder\.config\tool\config.json`},
		{name: "windows backslashes", path: `~\.ssh\id`, home: `C:\Users\coder`, goos: "windows", want: `C:\Users\coder\.ssh\id`},
		{name: "windows mixed", path: `~/a\b/../c`, home: `C:\Users\coder\`, goos: "windows", want: `C:\Users\coder\a\c`},
		{name: "windows root of current drive", path: "/tools/key", home: `C:\Users\coder`, goos: "windows", cwdVolume: "D:", want: `D:\tools\key`},
		{name: "windows unc drive", path: "/tools/key", home: `C:\Users\coder`, goos: "windows", cwdVolume: `\\srv\share`, want: `\\srv\share\tools\key`},
		{name: "windows unc profile", path: "~/k", home: `\\srv\home\coder`, goos: "windows", want: `\\srv\home\coder\k`},
		{name: "windows no drive", path: "/k", home: `C:\Users\coder`, goos: "windows", cwdVolume: "", wantErr: "not a volume name"},
		{name: "windows relative profile", path: "~/k", home: `Users\coder`, goos: "windows", wantErr: "not an absolute path"},
		{name: "windows drive relative profile", path: "~/k", home: `C:Users`, goos: "windows", wantErr: "not an absolute path"},
		{name: "windows root", path: "/", home: `C:\Users\coder`, goos: "windows", cwdVolume: "C:", wantErr: "names a directory"},
		{name: "windows dir", path: `~/a\`, home: `C:\Users\coder`, goos: "windows", wantErr: "names a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := placement.ResolvePath(tt.path, tt.home, tt.goos, tt.cwdVolume)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ResolvePath(%q) error: got %v (path %q), want one containing %q", tt.path, err, got, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ResolvePath(%q): got error %v, want %q", tt.path, err, tt.want)
			}
			if got != tt.want {
				t.Errorf("ResolvePath(%q): got %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestPlanFiles(t *testing.T) {
	t.Parallel()
	s := func(name, env, file, value string) sdk.WorkspaceSecret {
		return sdk.WorkspaceSecret{Name: name, EnvName: env, FilePath: file, Value: sdk.SecretValue(value)}
	}
	tests := []struct {
		name    string
		goos    string
		home    string
		secrets []sdk.WorkspaceSecret
		want    placement.Plan
	}{
		{
			name: "no file targets",
			goos: "linux", home: "/home/coder",
			secrets: []sdk.WorkspaceSecret{s("a", "A", "", "v")},
			want:    placement.Plan{},
		},
		{
			name: "sorted by name",
			goos: "linux", home: "/home/coder",
			secrets: []sdk.WorkspaceSecret{s("b", "", "~/b", "vb"), s("a", "A", "/etc/a", "va")},
			want: placement.Plan{Files: []placement.File{
				{Secret: "a", Path: "/etc/a", Resolved: "/etc/a", Value: "va"},
				{Secret: "b", Path: "~/b", Resolved: "/home/coder/b", Value: "vb"},
			}},
		},
		{
			name: "collision home and absolute",
			goos: "linux", home: "/home/coder",
			secrets: []sdk.WorkspaceSecret{s("zeta", "", "~/config", "vz"), s("alpha", "", "/home/coder/config", "va")},
			want: placement.Plan{
				Files:    []placement.File{{Secret: "alpha", Path: "/home/coder/config", Resolved: "/home/coder/config", Value: "va"}},
				Warnings: []placement.Warning{{Path: "/home/coder/config", Kept: "alpha", Skipped: "zeta"}},
			},
		},
		{
			name: "three way collision",
			goos: "linux", home: "/home/coder",
			secrets: []sdk.WorkspaceSecret{s("c", "", "~/./x", "3"), s("b", "", "~/d/../x", "2"), s("a", "", "/home/coder/x", "1")},
			want: placement.Plan{
				Files: []placement.File{{Secret: "a", Path: "/home/coder/x", Resolved: "/home/coder/x", Value: "1"}},
				Warnings: []placement.Warning{
					{Path: "/home/coder/x", Kept: "a", Skipped: "b"},
					{Path: "/home/coder/x", Kept: "a", Skipped: "c"},
				},
			},
		},
		{
			name: "case differs on linux",
			goos: "linux", home: "/home/coder",
			secrets: []sdk.WorkspaceSecret{s("a", "", "~/Key", "1"), s("b", "", "~/key", "2")},
			want: placement.Plan{Files: []placement.File{
				{Secret: "a", Path: "~/Key", Resolved: "/home/coder/Key", Value: "1"},
				{Secret: "b", Path: "~/key", Resolved: "/home/coder/key", Value: "2"},
			}},
		},
		{
			name: "case differs on windows",
			goos: "windows", home: `C:\Users\coder`,
			secrets: []sdk.WorkspaceSecret{s("b", "", "~/key", "2"), s("a", "", "/users/CODER/Key", "1")},
			want: placement.Plan{
				Files:    []placement.File{{Secret: "a", Path: "/users/CODER/Key", Resolved: `C:\users\CODER\Key`, Value: "1"}},
				Warnings: []placement.Warning{{Path: `C:\Users\coder\key`, Kept: "a", Skipped: "b"}},
			},
		},
		{
			name: "unresolvable path is skipped",
			goos: "linux", home: "/home/coder",
			secrets: []sdk.WorkspaceSecret{s("a", "", "rel", "1"), s("b", "", "~/b", "2")},
			want: placement.Plan{
				Files:   []placement.File{{Secret: "b", Path: "~/b", Resolved: "/home/coder/b", Value: "2"}},
				Skipped: []placement.Skip{{Secret: "a", Path: "rel"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := placement.PlanFiles(tt.secrets, tt.home, tt.goos, "C:")
			// Compare errors by presence only.
			for i := range got.Skipped {
				if got.Skipped[i].Err == nil {
					t.Errorf("skip %q has no error", got.Skipped[i].Secret)
				}
				got.Skipped[i].Err = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PlanFiles: got -want +got:\n%s", diff)
			}
			// Deterministic: reversed input gives the same plan.
			rev := make([]sdk.WorkspaceSecret, len(tt.secrets))
			for i, s := range tt.secrets {
				rev[len(rev)-1-i] = s
			}
			again := placement.PlanFiles(rev, tt.home, tt.goos, "C:")
			for i := range again.Skipped {
				again.Skipped[i].Err = nil
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("PlanFiles of the reversed input differs (-first +reversed):\n%s", diff)
			}
		})
	}
}

func TestWarningString(t *testing.T) {
	t.Parallel()
	w := placement.Warning{Path: "/home/coder/config", Kept: "alpha", Skipped: "zeta"}
	got := w.String()
	for _, want := range []string{`"alpha"`, `"zeta"`, "/home/coder/config"} {
		if !strings.Contains(got, want) {
			t.Errorf("Warning.String() = %q: got no %s, want it", got, want)
		}
	}
}

func TestShips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		enabled, noFiles bool
		env, file        string
		want             bool
		wantTarget       placement.Target
	}{
		{true, false, "", "", false, placement.Target{}},
		{true, false, "API_KEY", "", true, placement.Target{EnvName: "API_KEY"}},
		{true, false, "", "~/.api-key", true, placement.Target{FilePath: "~/.api-key"}},
		{true, false, "API_KEY", "~/.api-key", true, placement.Target{EnvName: "API_KEY", FilePath: "~/.api-key"}},
		// A disabled secret never ships, whatever its targets.
		{false, false, "", "", false, placement.Target{}},
		{false, false, "API_KEY", "", false, placement.Target{}},
		{false, false, "", "~/.api-key", false, placement.Target{}},
		{false, false, "API_KEY", "~/.api-key", false, placement.Target{}},
		// File delivery disabled: env only; a file-only secret ships nowhere.
		{true, true, "API_KEY", "~/.api-key", true, placement.Target{EnvName: "API_KEY"}},
		{true, true, "", "~/.api-key", false, placement.Target{}},
		{true, true, "API_KEY", "", true, placement.Target{EnvName: "API_KEY"}},
		{false, true, "API_KEY", "~/.api-key", false, placement.Target{}},
	}
	for _, tt := range tests {
		got, ok := placement.Ships(placement.Policy{FileDeliveryDisabled: tt.noFiles}, tt.enabled, tt.env, tt.file)
		if ok != tt.want || got != tt.wantTarget {
			t.Errorf("Ships(files off %v, %v, %q, %q): got %+v %v, want %+v %v", tt.noFiles, tt.enabled, tt.env, tt.file, got, ok, tt.wantTarget, tt.want)
		}
	}
}
