package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store/cryptstore"
)

// TestStateKeyRotation: workspace states are sealed like secret values. A
// server without the key of a stored state refuses to start, naming it;
// with a new primary key in front of the old one it re-seals every state.
func TestStateKeyRotation(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{Terraform: true})
	ctx := context.Background()
	pushTemplate(t, s.Admin, "buildcheck", "testdata/buildcheck")
	c := s.NewMember(t, "sam")
	if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "api-key", Value: "v", EnvName: "API_KEY"}); err != nil {
		t.Fatal(err)
	}
	ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "buildcheck"})
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, c, ws.LatestBuild)
	// Only the state is sealed now: the check of states must catch it.
	if err := c.DeleteSecret(ctx, sdk.Me, "api-key"); err != nil {
		t.Fatal(err)
	}
	before := stateOutputs(t, s, ws.ID)

	newKey, _ := secretcrypt.GenerateKey()
	_, err = cryptstore.Open(ctx, s.Store, cryptstore.Options{Keys: [][]byte{newKey}})
	if err == nil || !strings.Contains(err.Error(), "workspace state") || !strings.Contains(err.Error(), s.Crypt.PrimaryKeyID()) {
		t.Fatalf("start without the state's key: got %v, want a refusal naming the workspace state and key %s", err, s.Crypt.PrimaryKeyID())
	}

	rotated, err := cryptstore.Open(ctx, s.Store, cryptstore.Options{Keys: append([][]byte{newKey}, s.RawKeys...)})
	if err != nil {
		t.Fatalf("start with the new key first and the old one kept: %v", err)
	}
	ids, err := s.Store.WorkspaceStateKeyIDs(ctx)
	if err != nil || len(ids) != 1 || ids[rotated.PrimaryKeyID()] != 1 {
		t.Fatalf("state key ids after rotation: %v, %v; want only %s", ids, err, rotated.PrimaryKeyID())
	}
	// The re-sealed state opens with the new key alone and is unchanged.
	alone, err := cryptstore.New(s.Store, cryptstore.Options{Keys: [][]byte{newKey}})
	if err != nil {
		t.Fatal(err)
	}
	s.Crypt = alone
	after := stateOutputs(t, s, ws.ID)
	if after["api_key_sha256"] != before["api_key_sha256"] || after["transition"] != "start" {
		t.Fatalf("state outputs after rotation: %v, want %v", after, before)
	}
}
