package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// appsTemplate is the local example with apps, a web server and metadata
// added: a command app, a URL app on webPort with a healthcheck, an app
// whose healthcheck port nothing serves, an external app, and
// coder_metadata with a sensitive item.
func appsTemplate(t *testing.T, webPort, deadPort int, marker, sensitive string) string {
	t.Helper()
	dir := t.TempDir()
	main, err := os.ReadFile(filepath.Join(localTemplate(t), "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), main, 0o600); err != nil {
		t.Fatal(err)
	}
	apps := fmt.Sprintf(`
resource "coder_app" "hello" {
  agent_id     = coder_agent.main.id
  slug         = "hello"
  display_name = "Hello"
  command      = "echo \"app sees $API_KEY in $PWD\""
  order        = 1
}

resource "coder_app" "web" {
  agent_id     = coder_agent.main.id
  slug         = "web"
  display_name = "Web"
  url          = "http://127.0.0.1:%[1]d/"
  group        = "dev"
  order        = 2
  healthcheck {
    url       = "http://127.0.0.1:%[1]d/marker.txt"
    interval  = 1
    threshold = 2
  }
}

resource "coder_app" "dead" {
  agent_id = coder_agent.main.id
  slug     = "dead"
  url      = "http://127.0.0.1:%[2]d/"
  order    = 3
  healthcheck {
    url       = "http://127.0.0.1:%[2]d/"
    interval  = 1
    threshold = 2
  }
}

resource "coder_app" "docs" {
  agent_id = coder_agent.main.id
  slug     = "docs"
  url      = "https://example.com/docs"
  external = true
  hidden   = true
  order    = 4
}

resource "coder_script" "web" {
  agent_id     = coder_agent.main.id
  display_name = "Web server"
  run_on_start = true
  script       = <<-EOT
    mkdir -p "$HOME/www"
    printf '%%s' '%[3]s' > "$HOME/www/marker.txt"
    cd "$HOME/www"
    setsid python3 -m http.server %[1]d --bind 127.0.0.1 > /dev/null 2>&1 < /dev/null &
    echo $! > "$HOME/web.pid"
  EOT
}

resource "coder_metadata" "agent" {
  count       = data.coder_workspace.me.start_count
  resource_id = terraform_data.agent[0].id
  daily_cost  = 3
  item {
    key   = "kind"
    value = "local process"
  }
  item {
    key       = "password"
    value     = "%[4]s"
    sensitive = true
  }
}
`, webPort, deadPort, marker, sensitive)
	if err := os.WriteFile(filepath.Join(dir, "apps.tf"), []byte(apps), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// showJSON is the part of `coder show -o json` this test reads.
type showJSON struct {
	Resources  []sdk.WorkspaceResource     `json:"resources"`
	Agents     []sdk.WorkspaceAgentDetail  `json:"agents"`
	Parameters []sdk.WorkspaceParameter    `json:"parameters"`
	Secrets    []sdk.WorkspaceSecretTarget `json:"secrets"`
}

func appByslug(d showJSON, slug string) (sdk.WorkspaceApp, bool) {
	for _, a := range d.Agents {
		for _, app := range a.Apps {
			if app.Slug == slug {
				return app, true
			}
		}
	}
	return sdk.WorkspaceApp{}, false
}

// TestWorkspaceApps builds a workspace with real terraform and a real
// agent from a template with coder_app and coder_metadata: `coder show`
// lists them with the apps' health, a command app sees the owner's env
// secret, and port-forward reaches the URL app the workspace serves.
func TestWorkspaceApps(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			apiKey, marker, sensitive := canary(t), canary(t), canary(t)
			webPort, deadPort := freePort(t), freePort(t)
			dir := appsTemplate(t, webPort, deadPort, marker, sensitive)
			e.sh(t, `coder templates push apps -d "$DIR"`, "DIR="+dir)
			e.sh(t, `echo -n "$V" | coder secret create api-key --env API_KEY`, "V="+apiKey)
			e.sh(t, `echo -n x | coder secret create cfg --file ~/.cfg/x`)
			e.sh(t, `coder create dev --template apps`)
			home := e.home("dev")
			t.Cleanup(func() {
				if b, err := os.ReadFile(filepath.Join(home, "web.pid")); err == nil {
					var pid int
					fmt.Sscan(strings.TrimSpace(string(b)), &pid)
					killGroup(pid)
				}
			})
			e.waitReady(t, "dev")

			// Health: web healthy, dead unhealthy (two failures in a row),
			// apps without a healthcheck disabled.
			var d showJSON
			deadline := time.Now().Add(time.Minute)
			for {
				out := e.sh(t, `coder show dev -o json`)
				d = showJSON{}
				if err := json.Unmarshal([]byte(out), &d); err != nil {
					t.Fatalf("show -o json: %v\n%s", err, out)
				}
				web, _ := appByslug(d, "web")
				dead, _ := appByslug(d, "dead")
				if web.Health == sdk.AppHealthy && dead.Health == sdk.AppUnhealthy {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("app health after 1m: web %q, dead %q\n%s", web.Health, dead.Health, out)
				}
				time.Sleep(300 * time.Millisecond)
			}
			hello, ok := appByslug(d, "hello")
			if !ok || hello.Command == "" || hello.Health != sdk.AppHealthDisabled || hello.DisplayName != "Hello" {
				t.Errorf("app hello: got %+v, ok %v", hello, ok)
			}
			web, _ := appByslug(d, "web")
			if web.URL != fmt.Sprintf("http://127.0.0.1:%d/", webPort) || web.Group != "dev" || web.Share != "owner" ||
				web.Healthcheck == nil || web.Healthcheck.Interval != 1 || web.Healthcheck.Threshold != 2 {
				t.Errorf("app web: got %+v", web)
			}
			docs, _ := appByslug(d, "docs")
			if !docs.External || !docs.Hidden || docs.Health != sdk.AppHealthDisabled {
				t.Errorf("app docs: got %+v", docs)
			}
			if len(d.Agents) != 1 || d.Agents[0].Name != "main" || !d.Agents[0].Connected || d.Agents[0].LifecycleState != sdk.LifecycleReady {
				t.Errorf("agents: got %+v", d.Agents)
			}
			var vm *sdk.WorkspaceResource
			for i := range d.Resources {
				if d.Resources[i].Address == "terraform_data.agent[0]" {
					vm = &d.Resources[i]
				}
				if strings.HasPrefix(d.Resources[i].Type, "coder_") {
					t.Errorf("resource %s is the provider's own", d.Resources[i].Address)
				}
			}
			if vm == nil {
				t.Fatalf("no terraform_data.agent[0] in %+v", d.Resources)
			}
			wantMeta := []sdk.ResourceMetadata{{Key: "kind", Value: "local process"}, {Key: "password", Sensitive: true}}
			if vm.DailyCost != 3 || fmt.Sprint(vm.Metadata) != fmt.Sprint(wantMeta) {
				t.Errorf("metadata: got cost %d, %+v, want 3, %+v", vm.DailyCost, vm.Metadata, wantMeta)
			}
			wantSecrets := []sdk.WorkspaceSecretTarget{{Name: "api-key", EnvName: "API_KEY", Source: "user"}, {Name: "cfg", FilePath: "~/.cfg/x", Source: "user"}}
			if fmt.Sprint(d.Secrets) != fmt.Sprint(wantSecrets) || d.Parameters == nil {
				t.Errorf("secrets: got %+v, want %+v (parameters %v)", d.Secrets, wantSecrets, d.Parameters)
			}

			text := e.sh(t, `coder show dev`)
			for _, want := range []string{"terraform_data.agent[0]", "kind:", "local process", "password:", "(sensitive)",
				"Agent main:", "connected, ready", "hello", "command", "web", "healthy", "dead", "unhealthy",
				"external (hidden)", "api-key", "env API_KEY", "file ~/.cfg/x"} {
				if !strings.Contains(text, want) {
					t.Errorf("coder show: no %q in\n%s", want, text)
				}
			}

			// A command app runs in a new session with the workspace's
			// environment: the owner's env secret is there.
			for _, script := range []string{`coder ssh dev --app hello`, `coder open app dev hello`} {
				r := e.u.MustSh(t, "", script, nil, nil)
				if want := "app sees " + apiKey + " in " + home + "\n"; r.Stdout != want {
					t.Errorf("%s: got %q, want %q (stderr %s)", script, r.Stdout, want, r.Stderr)
				}
				e.outputs = append(e.outputs, r.Stderr)
			}
			// On a terminal too (a pty session for the app).
			if tty, code := onTerminalAnswers(t, e.u, nil, "ssh", "dev", "--app", "hello"); code != 0 || !strings.Contains(tty, "app sees "+apiKey+" in "+home) {
				t.Errorf("ssh --app on a terminal: exit %d, output %q", code, tty)
			}
			r := e.u.Sh(t, "", `coder ssh dev --app web`, nil, nil)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, "URL app") || !strings.Contains(r.Stderr, "port-forward") {
				t.Errorf("ssh --app of a URL app: exit %d, stderr %q; want a refusal naming port-forward", r.ExitCode, r.Stderr)
			}
			r = e.u.Sh(t, "", `coder open app dev nope`, nil, nil)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, `no app "nope"`) || !strings.Contains(r.Stderr, "hello, web, dead, docs") {
				t.Errorf("open app of an unknown slug: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}
			if out := e.sh(t, `coder open app dev docs`); out != "https://example.com/docs\n" {
				t.Errorf("open app of an external app: got %q", out)
			}

			// port-forward reaches the URL app through the server.
			local := freePort(t)
			body := portForwardGet(t, e, "dev", fmt.Sprintf("%d:%d", local, webPort), fmt.Sprintf("http://127.0.0.1:%d/marker.txt", local))
			if body != marker {
				t.Errorf("port-forward: got %q, want the marker", body)
			}

			// The sensitive metadata value is in no output and in no
			// recorded resource row.
			for _, out := range append(e.outputs, text) {
				if strings.Contains(out, sensitive) {
					t.Fatalf("the sensitive metadata value is in a CLI output")
				}
			}
			raw, _ := e.srv.OpenStore(t)
			ws, err := e.c.Workspace(context.Background(), sdk.Me, "dev")
			if err != nil {
				t.Fatal(err)
			}
			rows, err := raw.ListResourcesByBuild(context.Background(), ws.LatestBuild.ID)
			if err != nil || len(rows) == 0 {
				t.Fatalf("ListResourcesByBuild: %v, %d rows", err, len(rows))
			}
			for _, row := range rows {
				if strings.Contains(string(row.Metadata), sensitive) {
					t.Fatalf("the sensitive metadata value is stored in resource %s", row.Address)
				}
			}
			agents, err := raw.ListAgentsByBuild(context.Background(), ws.LatestBuild.ID)
			if err != nil || len(agents) != 1 || len(agents[0].Apps) != 0 || len(agents[0].ConfigCiphertext) == 0 {
				t.Fatalf("raw agent row: %v, %d agents; want the apps only in the sealed config", err, len(agents))
			}
		})
	}
}

// portForwardGet runs `coder port-forward ws --tcp spec`, GETs url once it
// listens, stops it and returns the body.
func portForwardGet(t *testing.T, e *workspaceEnv, ws, spec, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, clitest.Binary(t), "port-forward", ws, "--tcp", spec)
	cmd.Env = e.u.Env
	cmd.Dir = e.u.Home
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	sc := bufio.NewScanner(stderr)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.HasPrefix(sc.Text(), "Forwarding ") {
			break
		}
	}
	if len(seen) == 0 || !strings.HasPrefix(seen[len(seen)-1], "Forwarding ") {
		t.Fatalf("port-forward did not start: %q", seen)
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s through port-forward: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", url, res.StatusCode, err)
	}
	return string(b)
}
