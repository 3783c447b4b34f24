package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestAlteredSecretRow alters the stored ciphertext of one secret, the one
// the start check of old opened, and the agent's sealed config: the server
// still starts, the manifest delivers the other secret and names what it
// left out, and start, stop and delete builds run, each build's log naming
// the secret left out.
func TestAlteredSecretRow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "plain", "testdata/plain")
		c := s.NewMember(t, "berta")
		values := map[string]string{"one": canary(t), "two": canary(t)}
		for name, v := range values {
			if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: name, Value: sdk.SecretValue(v), EnvName: strings.ToUpper(name)}); err != nil {
				t.Fatal(err)
			}
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain"})
		if err != nil {
			t.Fatal(err)
		}
		logs := []string{mustSucceed(t, c, ws.LatestBuild)}

		// Alter the row a start check that opens one row per key reads.
		rows, err := s.Store.ListSecretsByKeyID(ctx, s.Crypt.PrimaryKeyID(), 1)
		if err != nil || len(rows) != 1 {
			t.Fatalf("ListSecretsByKeyID: got %d rows, %v, want 1", len(rows), err)
		}
		bad := rows[0]
		good := "one"
		if bad.Name == "one" {
			good = "two"
		}
		altered := append([]byte(nil), bad.Ciphertext...)
		altered[len(altered)-1] ^= 0xff
		if err := s.Store.ReplaceSecretCiphertext(ctx, bad.ID, bad.KeyID, altered, bad.KeyID); err != nil {
			t.Fatal(err)
		}

		// And the agent's sealed config.
		agents, err := s.Store.ListAgentsByConfigKeyID(ctx, s.Crypt.PrimaryKeyID(), 0)
		if err != nil || len(agents) != 1 {
			t.Fatalf("ListAgentsByConfigKeyID: got %d agents, %v, want 1", len(agents), err)
		}
		alteredConfig := append([]byte(nil), agents[0].ConfigCiphertext...)
		alteredConfig[len(alteredConfig)-1] ^= 0xff
		if err := s.Store.ReplaceAgentConfig(ctx, agents[0].ID, agents[0].ConfigKeyID, alteredConfig, agents[0].ConfigKeyID); err != nil {
			t.Fatal(err)
		}

		// The server starts.
		servertest.New(t, b, servertest.Options{Store: s.Store, RawKeys: s.RawKeys})

		// The manifest: the good secret, and a problem naming the bad one.
		agentClient := sdk.New(s.URL)
		agentClient.SessionToken = agentToken(t, s, ws.ID)
		m, err := agentClient.AgentManifest(ctx)
		if err != nil {
			t.Fatalf("manifest with one altered secret: got %v, want the other secrets", err)
		}
		if len(m.Secrets) != 1 || m.Secrets[0].Name != good || m.Secrets[0].Value.Reveal() != values[good] {
			t.Errorf("manifest secrets: got %d, want only %q with its value", len(m.Secrets), good)
		}
		if len(m.Problems) != 2 || !strings.Contains(m.Problems[0], "settings for this agent") || !strings.Contains(m.Problems[1], `"`+bad.Name+`"`) {
			t.Errorf("manifest problems: got %q, want one for the agent's config and one naming secret %q", m.Problems, bad.Name)
		}

		// Stop, start and delete all run.
		for _, tr := range []string{sdk.TransitionStop, sdk.TransitionStart, sdk.TransitionStop, sdk.TransitionDelete} {
			bld, err := c.CreateBuild(ctx, sdk.Me, "dev", tr)
			if err != nil {
				t.Fatalf("%s build: %v", tr, err)
			}
			log := mustSucceed(t, c, bld)
			if !strings.Contains(log, `secret "`+bad.Name+`" cannot be opened`) {
				t.Errorf("%s build log: got no line naming secret %q, want one", tr, bad.Name)
			}
			logs = append(logs, log)
		}
		for _, l := range append(logs, m.Problems...) {
			for name, v := range values {
				if strings.Contains(l, v) {
					t.Errorf("canary of secret %s found in a build log or problem", name)
				}
			}
		}
	})
}
