package server_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestAgentTokenWhileStarting: the agent of an earlier build (a coder_agent
// keeps its token) asking while a start build of its workspace runs in
// this process is held, not refused, and gets the new build's manifest as
// soon as that build is recorded. While a stop build runs it gets 403 at
// once, as before: nothing is coming.
func TestAgentTokenWhileStarting(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "gated", "testdata/gated")
		c := s.NewMember(t, "gail")
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "gated"})
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, ws.LatestBuild)
		agent := sdk.New(s.URL)
		agent.SessionToken = agentToken(t, s, ws.ID)
		if _, err := agent.AgentManifest(ctx); err != nil {
			t.Fatalf("manifest of the started workspace: %v", err)
		}
		hold := filepath.Join(s.DataDir, "workspaces", "hold")
		if err := os.MkdirAll(filepath.Dir(hold), 0o700); err != nil {
			t.Fatal(err)
		}
		for _, tr := range []string{sdk.TransitionStop, sdk.TransitionStart} {
			if err := os.WriteFile(hold, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			bld, err := c.CreateBuild(ctx, sdk.Me, "dev", tr)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for {
				got, err := c.Build(ctx, bld.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status == sdk.BuildRunning {
					break
				}
				if got.Status != sdk.BuildPending || time.Now().After(deadline) {
					t.Fatalf("%s build: status %s, want it running", tr, got.Status)
				}
				time.Sleep(50 * time.Millisecond)
			}
			type answer struct {
				m   sdk.AgentManifest
				err error
			}
			answered := make(chan answer, 1)
			go func() {
				m, err := agent.AgentManifest(ctx)
				answered <- answer{m, err}
			}()
			if tr == sdk.TransitionStop {
				got := <-answered
				if sdk.StatusCode(got.err) != http.StatusForbidden {
					t.Errorf("manifest while the stop build runs: %v, want 403", got.err)
				}
			} else {
				// Still unanswered while the build is held running.
				time.Sleep(300 * time.Millisecond)
				select {
				case got := <-answered:
					t.Fatalf("manifest answered while the start build runs: %v", got.err)
				default:
				}
			}
			if err := os.Remove(hold); err != nil {
				t.Fatal(err)
			}
			mustSucceed(t, c, bld)
			if tr == sdk.TransitionStart {
				got := <-answered
				if got.err != nil || got.m.BuildID != bld.ID {
					t.Fatalf("held manifest: build %s, %v; want the start build %s", got.m.BuildID, got.err, bld.ID)
				}
			}
		}
		m, err := agent.AgentManifest(ctx)
		if err != nil {
			t.Fatalf("manifest after the start build: %v", err)
		}
		if latest, _ := c.Workspace(ctx, sdk.Me, "dev"); m.BuildID != latest.LatestBuild.ID {
			t.Errorf("manifest of build %s, want the latest %s", m.BuildID, latest.LatestBuild.ID)
		}
	})
}

// TestNewAgentTokenHeld: a new agent's token, announced by the provider
// during its start build, is held by the agent API until that build is
// recorded: answered with the manifest when the build succeeds, 401 when
// it fails or is canceled. A token nobody announced is refused at once,
// while builds run.
func TestNewAgentTokenHeld(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "gated", "testdata/gated")
		c := s.NewMember(t, "nina")
		dir := filepath.Join(s.DataDir, "workspaces")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		touch := func(name string) {
			if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		for _, end := range []string{"succeed", "fail", "cancel"} {
			touch("hold")
			if end == "fail" {
				touch("fail")
			}
			ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: end, Template: "gated"})
			if err != nil {
				t.Fatal(err)
			}
			var token []byte
			for deadline := time.Now().Add(60 * time.Second); ; {
				if token, err = os.ReadFile(filepath.Join(dir, end+".token")); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: the build wrote no token", end)
				}
				time.Sleep(50 * time.Millisecond)
			}
			agent := sdk.New(s.URL)
			agent.SessionToken = string(token)
			type answer struct {
				m   sdk.AgentManifest
				err error
			}
			answered := make(chan answer, 1)
			go func() {
				m, err := agent.AgentManifest(ctx)
				answered <- answer{m, err}
			}()
			hostile := sdk.New(s.URL)
			hostile.SessionToken = uuid.NewString()
			if _, err := hostile.AgentManifest(ctx); sdk.StatusCode(err) != http.StatusUnauthorized {
				t.Errorf("%s: an unannounced token while the build runs: %v, want 401 at once", end, err)
			}
			time.Sleep(300 * time.Millisecond)
			select {
			case got := <-answered:
				t.Fatalf("%s: the new agent was answered while its build runs: %v", end, got.err)
			default:
			}
			if end == "cancel" {
				if _, err := c.CancelBuild(ctx, ws.LatestBuild.ID); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Remove(filepath.Join(dir, "hold")); err != nil {
				t.Fatal(err)
			}
			done, log := finish(t, c, ws.LatestBuild)
			got := <-answered
			switch end {
			case "succeed":
				if done.Status != sdk.BuildSucceeded || got.err != nil || got.m.BuildID != ws.LatestBuild.ID {
					t.Fatalf("succeed: build %s, held manifest of build %s, %v; want it answered\n%s", done.Status, got.m.BuildID, got.err, log)
				}
			case "fail", "cancel":
				want := map[string]string{"fail": sdk.BuildFailed, "cancel": sdk.BuildCanceled}[end]
				if done.Status != want || sdk.StatusCode(got.err) != http.StatusUnauthorized {
					t.Fatalf("%s: build %s (want %s), held request: %v, want 401\n%s", end, done.Status, want, got.err, log)
				}
			}
			_ = os.Remove(filepath.Join(dir, "hold"))
			_ = os.Remove(filepath.Join(dir, "fail"))
		}
	})
}
