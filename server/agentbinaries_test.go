package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// crossCompile builds the coder binary for goos/goarch into dir, named as
// the server serves it.
func crossCompile(t *testing.T, dir, goos, goarch string) string {
	t.Helper()
	name := "coder-" + goos + "-" + goarch
	if goos == "windows" {
		name += ".exe"
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s/%s: %v\n%s", goos, goarch, err, b)
	}
	return out
}

// agentScripts reads each coder_agent's init_script from the workspace's
// sealed state, by agent name.
func agentScripts(t *testing.T, s *servertest.Server, workspaceID [16]byte) map[string]string {
	t.Helper()
	pt, _, err := s.Crypt.GetWorkspaceState(context.Background(), workspaceID)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type      string `json:"type"`
			Name      string `json:"name"`
			Instances []struct {
				Attributes struct {
					InitScript string `json:"init_script"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(pt, &st); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range st.Resources {
		if r.Type == "coder_agent" && len(r.Instances) > 0 {
			out[r.Name] = r.Instances[0].Attributes.InitScript
		}
	}
	return out
}

// TestAgentBinariesForEveryPlatform cross-compiles the agent for
// windows/amd64 and linux/arm64 into the server's agent binaries folder:
// the server serves each at /bin/coder-<os>-<arch>[.exe] with a checksum
// (a .sha256 file and a header) that matches its bytes, and the bootstrap
// script the provider renders for each platform fetches that file and
// checks that checksum (the linux/arm64 one is run with sh: it downloads
// and verifies the binary before the exec fails on this amd64 machine).
func TestAgentBinariesForEveryPlatform(t *testing.T) {
	dir := t.TempDir()
	// darwin/arm64 gets a stand-in (its sh script is the linux one's; a
	// third cross-compile would only cost time): the server serves what
	// the folder holds.
	darwin := filepath.Join(dir, "coder-darwin-arm64")
	if err := os.WriteFile(darwin, []byte("a stand-in for the darwin/arm64 agent\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"coder-windows-amd64.exe": crossCompile(t, dir, "windows", "amd64"),
		"coder-linux-arm64":       crossCompile(t, dir, "linux", "arm64"),
		"coder-darwin-arm64":      darwin,
	}
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{Terraform: true, AgentBinariesDir: dir})
	sums := map[string]string{}
	for name, path := range files {
		want := fileDigest(t, path)
		sums[name] = want
		res, err := http.Get(s.URL.String() + "/bin/" + name)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got := sha256.Sum256(body)
		if res.StatusCode != 200 || hex.EncodeToString(got[:]) != want {
			t.Errorf("GET /bin/%s: %d, %d bytes, sha256 %x; want 200 and the file's bytes (%s)", name, res.StatusCode, len(body), got, want)
		}
		if h := res.Header.Get("X-Checksum-Sha256"); h != want {
			t.Errorf("GET /bin/%s: X-Checksum-Sha256 %q, want %s", name, h, want)
		}
		res, err = http.Get(s.URL.String() + "/bin/" + name + ".sha256")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != want+"  "+name+"\n" {
			t.Errorf("GET /bin/%s.sha256: %d %q, want %q", name, res.StatusCode, body, want+"  "+name+"\n")
		}
	}
	// A platform without a binary is a 404 that lists those there are.
	res, err := http.Get(s.URL.String() + "/bin/coder-darwin-amd64")
	if err != nil {
		t.Fatal(err)
	}
	var e sdk.Response
	_ = json.NewDecoder(res.Body).Decode(&e)
	res.Body.Close()
	if res.StatusCode != 404 || !strings.Contains(e.Message, "/bin/coder-windows-amd64.exe") || !strings.Contains(e.Message, "/bin/coder-linux-arm64") {
		t.Errorf("GET /bin/coder-darwin-amd64: %d %q, want 404 listing the binaries", res.StatusCode, e.Message)
	}

	// The bootstrap scripts the provider renders for each platform.
	ctx := context.Background()
	pushTemplate(t, s.Admin, "platforms", "testdata/platforms")
	c := s.NewMember(t, "pia")
	ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "platforms"})
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, c, ws.LatestBuild)
	scripts := agentScripts(t, s, ws.ID)
	win := scripts["win"]
	for _, want := range []string{"$BinarySHA256 = '" + sums["coder-windows-amd64.exe"] + "'", `"/bin/coder-windows-amd64.exe"`,
		"$AccessURL = '" + s.URL.String() + "'", "Get-FileHash -Algorithm SHA256", "if ($Got -ne $BinarySHA256)", "& $Binary agent"} {
		if !strings.Contains(win, want) {
			t.Errorf("windows/amd64 init_script: %q is not in it:\n%s", want, win)
		}
	}
	if strings.HasPrefix(win, "#!/bin/sh") {
		t.Error("the windows init_script is a sh script")
	}
	arm := scripts["arm"]
	if !strings.Contains(arm, `BINARY_SHA256="`+sums["coder-linux-arm64"]+`"`) || !strings.Contains(arm, "/bin/coder-linux-arm64\"") {
		t.Fatalf("linux/arm64 init_script does not fetch and check coder-linux-arm64:\n%s", arm)
	}
	if mac := scripts["mac"]; !strings.Contains(mac, `BINARY_SHA256="`+sums["coder-darwin-arm64"]+`"`) || !strings.Contains(mac, "/bin/coder-darwin-arm64\"") {
		t.Errorf("darwin/arm64 init_script does not fetch and check coder-darwin-arm64:\n%s", mac)
	}

	tmp := t.TempDir()
	file := filepath.Join(tmp, "bootstrap.sh")
	if err := os.WriteFile(file, []byte(arm), 0o600); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "sh", file)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "TMPDIR=" + tmp, "CODER_AGENT_TOKEN=unused"}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("an arm64 binary ran on this machine?\n%s", out)
	}
	if strings.Contains(string(out), "checksum") {
		t.Fatalf("the linux/arm64 bootstrap refused the server's binary:\n%s", out)
	}
	found, _ := filepath.Glob(filepath.Join(tmp, "coder-agent.*", "coder-"+sums["coder-linux-arm64"]))
	if len(found) != 1 || fileDigest(t, found[0]) != sums["coder-linux-arm64"] {
		t.Fatalf("the bootstrap left %v, want the verified linux/arm64 binary", found)
	}
}
