package cli_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// TestSeveralServerProcesses runs two server processes on one PostgreSQL
// database. Twenty workspaces created at once through both are built
// exactly once each, all successfully; and a session opened through either
// process reaches a workspace whose agent is connected to only one of them.
func TestSeveralServerProcesses(t *testing.T) {
	requireTerraform(t)
	s1 := clitest.StartServer(t, "postgres")
	s2 := clitest.StartSecondServer(t, s1)
	u1 := clitest.NewUser(t)
	login(t, s1, u1)
	u2 := clitest.NewUser(t)
	u2.MustSh(t, "", `coder login "$URL" --username alice --password correct-horse-battery`, []string{"URL=" + s2.URL}, nil)
	value := canary(t)
	u1.MustSh(t, "", `echo -n "$V" | coder secret create api-key --env API_KEY`, []string{"V=" + value}, nil)
	u1.MustSh(t, "", `coder templates push buildcheck -d "$D"`, []string{"D=" + absPath(t, "../server/testdata/buildcheck")}, nil)
	u1.MustSh(t, "", `coder templates push local -d "$D"`, []string{"D=" + localTemplate(t)}, nil)

	const n = 20
	var wg sync.WaitGroup
	results := make([]clitest.Result, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := u1
			if i%2 == 1 {
				u = u2
			}
			results[i] = u.Sh(t, "", `coder create "ws-$I" --template buildcheck --wait-agent 0`, []string{fmt.Sprintf("I=%d", i)}, nil)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.ExitCode != 0 {
			t.Fatalf("create ws-%d: exit %d\n%s\n%s", i, r.ExitCode, r.Stdout, r.Stderr)
		}
	}
	// Every build id appears in exactly one "build started" line across
	// the two processes' logs.
	ws, err := u1.Client(t).Workspaces(context.Background(), sdk.Me)
	if err != nil || len(ws) != n {
		t.Fatalf("workspaces: %d, %v; want %d", len(ws), err, n)
	}
	started := regexp.MustCompile(`msg="build started".*? build_id=(\S+)`)
	count := map[string]int{}
	perServer := []int{0, 0}
	for i, s := range []*clitest.Server{s1, s2} {
		for _, m := range started.FindAllStringSubmatch(s.Output.String(), -1) {
			count[m[1]]++
			perServer[i]++
		}
	}
	for _, w := range ws {
		if w.LatestBuild.Status != sdk.BuildSucceeded {
			t.Fatalf("%s: build %s", w.Name, w.LatestBuild.Status)
		}
		if c := count[w.LatestBuild.ID.String()]; c != 1 {
			t.Fatalf("build of %s ran %d times, want exactly once", w.Name, c)
		}
	}
	t.Logf("builds run by each process: %v", perServer)

	// A local workspace: its agent connects to the process that built it.
	// Sessions through both processes reach it.
	e := &workspaceEnv{srv: s1, u: u1, c: u1.Client(t)}
	e.sh(t, `coder create dev --template local`)
	e.waitReady(t, "dev")
	for i, u := range []*clitest.User{u1, u2} {
		r := u.MustSh(t, "", `coder ssh dev -- printenv API_KEY`, nil, nil)
		if r.Stdout != value+"\n" {
			t.Fatalf("session through server process %d: output matches the secret %v", i+1, r.Stdout == value+"\n")
		}
	}
	relayed := strings.Contains(s1.Output.String(), "ssh session opened") && strings.Contains(s2.Output.String(), "ssh session opened")
	if !relayed {
		t.Fatal("both processes should have opened a session")
	}
}

func absPath(t *testing.T, p string) string {
	t.Helper()
	a, err := filepathAbs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
