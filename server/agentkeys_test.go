package server_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to plant old rows

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store/cryptstore"
)

// rawSQL opens the test server's database with database/sql, for changes
// no store method makes (rows as an older server left them).
func rawSQL(t *testing.T, s *servertest.Server, b servertest.Backend) (*sql.DB, func(string) string) {
	t.Helper()
	driver, dsn := "pgx", s.Where
	bind := func(q string) string { return q }
	if b.Name == "sqlite" {
		driver, dsn = "sqlite", "file:"+s.Where+"?_pragma=busy_timeout(5000)"
		bind = func(q string) string {
			for i := 1; i <= 9; i++ {
				q = strings.ReplaceAll(q, "$"+string(rune('0'+i)), "?")
			}
			return q
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, bind
}

// TestAgentConfigKeys: an agent recorded in plaintext by an older server is
// sealed at the next start, configs sealed by an old key are re-sealed with
// the new primary one, and a server without the key of a sealed config
// refuses to start, naming it.
func TestAgentConfigKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "sealed", "testdata/sealed")
		c := s.NewMember(t, "otto")
		value := canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "canary", Value: sdk.SecretValue(value), EnvName: "CANARY"}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "sealed"})
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, ws.LatestBuild)
		token := agentToken(t, s, ws.ID)
		ids, err := s.Store.AgentConfigKeyIDs(ctx)
		if err != nil || len(ids) != 1 || ids[s.Crypt.PrimaryKeyID()] != 1 {
			t.Fatalf("agent config key ids after the build: got %v, %v, want only %s: 1", ids, err, s.Crypt.PrimaryKeyID())
		}

		// A second agent row of an older server, in plaintext.
		db, bind := rawSQL(t, s, b)
		if _, err := db.ExecContext(ctx, bind(`INSERT INTO workspace_agents
			(id, build_id, workspace_id, name, token_hash, os, arch, directory, motd_file, env, scripts, lifecycle_state, created_at)
			SELECT $1, build_id, workspace_id, 'old', $2, os, arch, '/old/dir', '', $3, $4, lifecycle_state, created_at
			FROM workspace_agents`), "0b0b0b0b-0000-4000-8000-000000000001", []byte("old hash"),
			[]byte(`[{"name":"OLD","value":"old-env-value","merge_strategy":"replace","source":"coder_env"}]`), []byte(`[]`)); err != nil {
			t.Fatalf("plant an old agent row: %v", err)
		}

		newKey, _ := secretcrypt.GenerateKey()
		if _, err := cryptstore.Open(ctx, s.Store, cryptstore.Options{Keys: [][]byte{newKey}}); err == nil {
			t.Fatal("start without the keys: got no error, want a refusal")
		}
		// Secrets and states are re-sealed first, then agent configs: a
		// refusal for the configs alone needs the others to pass.
		rotatedRaw := append([][]byte{newKey}, s.RawKeys...)
		s2 := servertest.New(t, b, servertest.Options{Store: s.Store, RawKeys: rotatedRaw})
		ids, err = s.Store.AgentConfigKeyIDs(ctx)
		if err != nil || len(ids) != 1 || ids[s2.Crypt.PrimaryKeyID()] != 2 {
			t.Fatalf("agent config key ids after the start: got %v, %v, want only %s: 2", ids, err, s2.Crypt.PrimaryKeyID())
		}
		var plain int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspace_agents WHERE length(env) > 0 OR length(scripts) > 0 OR directory <> ''`).Scan(&plain); err != nil {
			t.Fatal(err)
		}
		if plain != 0 {
			t.Errorf("agents with plaintext columns after the start: got %d, want 0", plain)
		}
		// The re-sealed config opens with the new key alone.
		alone := servertest.New(t, b, servertest.Options{Store: s.Store, RawKeys: [][]byte{newKey}})
		agentClient := sdk.New(alone.URL)
		agentClient.SessionToken = token
		m, err := agentClient.AgentManifest(ctx)
		if err != nil {
			t.Fatalf("manifest after rotation: %v", err)
		}
		found := false
		for _, e := range m.Env {
			found = found || (e.Name == "FROM_CODER_ENV" && e.Value == "coderenv-"+value)
		}
		if !found {
			t.Error("manifest after rotation: got no FROM_CODER_ENV with the value, want it")
		}

		// A config sealed by a key the server lacks: refused, named.
		other, _ := secretcrypt.GenerateKey()
		otherID := secretcrypt.KeyID(other)
		if _, err := db.ExecContext(ctx, bind(`UPDATE workspace_agents SET config_key_id = $1 WHERE name = 'old'`), otherID); err != nil {
			t.Fatal(err)
		}
		_, err = cryptstore.Open(ctx, s.Store, cryptstore.Options{Keys: s2.RawKeys})
		if err == nil || !strings.Contains(err.Error(), "agent config") || !strings.Contains(err.Error(), otherID) {
			t.Errorf("start without an agent config's key: got %v, want a refusal naming the agent config and key %s", err, otherID)
		}
	})
}
