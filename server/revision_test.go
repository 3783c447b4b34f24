package server_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

func wantCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	if got := sdk.StatusCode(err); got != code {
		t.Fatalf("%s: status %d (%v), want %d", what, got, err, code)
	}
}

// TestManifestRevision: a manifest carries a revision that holds no value;
// the agent's report of it is checked (a revision never served is 400,
// another agent's 409, too many stale files 400); once reported, the
// workspace is flagged when a delivered secret changes, and the report of
// a fresh manifest clears it. A secret scoped to another template is not
// in the manifest.
func TestManifestRevision(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "plain", "testdata/plain")
		c := s.NewMember(t, "erin")
		v1, v2, scoped := canary(t), canary(t), canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "k", Value: sdk.SecretValue(v1), EnvName: "K"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "elsewhere", Value: sdk.SecretValue(scoped), EnvName: "ELSEWHERE", Templates: []string{"other"}}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain"})
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, ws.LatestBuild)
		agent := sdk.New(s.URL)
		agent.SessionToken = agentToken(t, s, ws.ID)
		m, err := agent.AgentManifest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Secrets) != 1 || m.Secrets[0].Name != "k" {
			t.Fatalf("manifest secrets %d, want only k (elsewhere is scoped to another template)", len(m.Secrets))
		}
		if len(m.Revision) != 32 || strings.Contains(m.Revision, v1) {
			t.Fatalf("revision %q", m.Revision)
		}
		again, err := agent.AgentManifest(ctx)
		if err != nil || again.Revision != m.Revision {
			t.Fatalf("the same secrets give another revision: %q, %q (%v)", again.Revision, m.Revision, err)
		}
		wantCode(t, "a revision never served", agent.PostManifestApplied(ctx, sdk.AgentManifestAppliedRequest{Revision: "0123"}), http.StatusBadRequest)
		wantCode(t, "no revision", agent.PostManifestApplied(ctx, sdk.AgentManifestAppliedRequest{}), http.StatusBadRequest)
		wantCode(t, "another agent", agent.PostManifestApplied(ctx, sdk.AgentManifestAppliedRequest{AgentID: uuid.New(), Revision: m.Revision}), http.StatusConflict)
		many := make([]sdk.StaleFile, sdk.MaxStaleFiles+1)
		for i := range many {
			many[i] = sdk.StaleFile{Path: "/x", Secret: "s"}
		}
		wantCode(t, "too many stale files", agent.PostManifestApplied(ctx, sdk.AgentManifestAppliedRequest{Revision: m.Revision, StaleFiles: many}), http.StatusBadRequest)
		wantCode(t, "a stale file without a path", agent.PostManifestApplied(ctx, sdk.AgentManifestAppliedRequest{Revision: m.Revision, StaleFiles: []sdk.StaleFile{{Secret: "s"}}}), http.StatusBadRequest)

		w, err := c.Workspace(ctx, sdk.Me, "dev")
		if err != nil || w.RestartNeeded || w.RestartNeededSecrets == nil || w.StaleFiles == nil {
			t.Fatalf("before a report: %+v, %v", w, err)
		}
		if err := agent.PostManifestApplied(ctx, sdk.AgentManifestAppliedRequest{Revision: m.Revision, StaleFiles: []sdk.StaleFile{{Path: "/h/old", Secret: "gone"}}, Home: "/h"}); err != nil {
			t.Fatal(err)
		}
		w, _ = c.Workspace(ctx, sdk.Me, "dev")
		if w.RestartNeeded || !reflect.DeepEqual(w.StaleFiles, []sdk.StaleFile{{Path: "/h/old", Secret: "gone"}}) {
			t.Fatalf("after the report: %+v", w)
		}
		// Scoping the other secret here, then updating k: both changed.
		if _, err := c.UpdateSecret(ctx, sdk.Me, "elsewhere", sdk.UpdateSecretRequest{Templates: &[]string{}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateSecret(ctx, sdk.Me, "k", sdk.UpdateSecretRequest{Value: ptr(sdk.SecretValue(v2))}); err != nil {
			t.Fatal(err)
		}
		w, _ = c.Workspace(ctx, sdk.Me, "dev")
		if !w.RestartNeeded || !reflect.DeepEqual(w.RestartNeededSecrets, []string{"elsewhere", "k"}) {
			t.Fatalf("after the updates: restart_needed %v %q", w.RestartNeeded, w.RestartNeededSecrets)
		}
		m2, err := agent.AgentManifest(ctx)
		if err != nil || m2.Revision == m.Revision || len(m2.Secrets) != 2 {
			t.Fatalf("manifest after the updates: revision %q (was %q), %d secrets, %v", m2.Revision, m.Revision, len(m2.Secrets), err)
		}
		if err := agent.PostManifestApplied(ctx, sdk.AgentManifestAppliedRequest{Revision: m2.Revision}); err != nil {
			t.Fatal(err)
		}
		w, _ = c.Workspace(ctx, sdk.Me, "dev")
		if w.RestartNeeded || len(w.StaleFiles) != 0 {
			t.Fatalf("after reporting the new manifest: %+v", w)
		}
		for _, v := range []string{v1, v2, scoped} {
			if strings.Contains(s.Logs.String(), v) {
				t.Fatal("a value reached the server's log")
			}
		}
	})
}

// TestPreviewAndScopingBadInput: the preview and the new secret fields
// answer bad input with 4xx.
func TestPreviewAndScopingBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "plain", "testdata/plain")
		c := s.NewMember(t, "fred")
		_, err := c.SecretPreview(ctx, sdk.Me, sdk.SecretPreviewQuery{})
		wantCode(t, "preview of nothing", err, http.StatusBadRequest)
		_, err = c.SecretPreview(ctx, sdk.Me, sdk.SecretPreviewQuery{Template: "plain", Workspace: "dev"})
		wantCode(t, "preview of both", err, http.StatusBadRequest)
		_, err = c.SecretPreview(ctx, sdk.Me, sdk.SecretPreviewQuery{Template: "nope"})
		wantCode(t, "unknown template", err, http.StatusNotFound)
		_, err = c.SecretPreview(ctx, sdk.Me, sdk.SecretPreviewQuery{Workspace: "nope"})
		wantCode(t, "unknown workspace", err, http.StatusNotFound)
		_, err = c.SecretPreview(ctx, sdk.Me, sdk.SecretPreviewQuery{Template: "plain", Home: "relative/home"})
		wantCode(t, "relative home", err, http.StatusBadRequest)
		p, err := c.SecretPreview(ctx, sdk.Me, sdk.SecretPreviewQuery{Template: "plain", Home: "/home/u"})
		if err != nil || p.Template != "plain" || p.Env == nil || p.Files == nil {
			t.Fatalf("preview: %+v, %v", p, err)
		}
		_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "a", Value: "v", EnvName: "A", Templates: []string{"Not A Name"}})
		wantCode(t, "bad template name", err, http.StatusBadRequest)
		_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "a", Value: "v", EnvName: "A", Templates: []string{"x", "x"}})
		wantCode(t, "template twice", err, http.StatusBadRequest)
		_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "a", Value: "v", EnvName: "A", Refresh: "sometimes"})
		wantCode(t, "bad refresh", err, http.StatusBadRequest)
		sec, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "a", Value: "v", EnvName: "A"})
		if err != nil || sec.Refresh != sdk.RefreshRestart || sec.Templates == nil || len(sec.Templates) != 0 {
			t.Fatalf("defaults: refresh %q, templates %v (%v)", sec.Refresh, sec.Templates, err)
		}
		_, err = c.UpdateSecret(ctx, sdk.Me, "a", sdk.UpdateSecretRequest{Refresh: ptr("never")})
		wantCode(t, "bad refresh update", err, http.StatusBadRequest)
		sec, err = c.UpdateSecret(ctx, sdk.Me, "a", sdk.UpdateSecretRequest{Refresh: ptr(sdk.RefreshLive), Templates: &[]string{"plain"}})
		if err != nil || sec.Refresh != sdk.RefreshLive || !reflect.DeepEqual(sec.Templates, []string{"plain"}) {
			t.Fatalf("update: %+v, %v", sec, err)
		}
	})
}
