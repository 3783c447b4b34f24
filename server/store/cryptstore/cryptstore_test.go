package cryptstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/cryptstore"
	"github.com/usersecrets/coder/server/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.RunMain(m) }

// canary is a random value that appears nowhere unless this test put it
// there.
func canary(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "canary-" + hex.EncodeToString(b)
}

func newKey(t *testing.T) []byte {
	t.Helper()
	k, err := secretcrypt.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// world is what one owner has: a secret, and a workspace whose start build
// recorded a state and an agent, all through an encrypted store.
type world struct {
	owner  store.User
	secret store.Secret
	ws     store.Workspace
	build  store.WorkspaceBuild
	agent  store.WorkspaceAgent
	// values are the canaries planted: the secret's value (as created and
	// as updated), in the state, and in the agent's env and directory.
	value, updated, inState, inEnv, inDir string
	// inApp is in the command of one of the agent's apps.
	inApp string
}

// plant stores a world through cs.
func plant(t *testing.T, cs *cryptstore.Store) world {
	t.Helper()
	ctx := context.Background()
	w := world{value: canary(t), updated: canary(t), inState: canary(t), inEnv: canary(t), inDir: canary(t), inApp: canary(t)}
	now := time.Now().UTC()
	w.owner = store.User{ID: uuid.New(), Username: "u" + uuid.NewString()[:8], Email: uuid.NewString() + "@example.com", Role: "member", HashedPassword: []byte("x"), CreatedAt: now, UpdatedAt: now}
	if err := cs.InsertUser(ctx, w.owner); err != nil {
		t.Fatal(err)
	}
	sec, err := cs.InsertSecret(ctx, store.InsertSecretParams{
		Secret:  store.Secret{OwnerID: w.owner.ID, Name: "api-key", EnvName: "API_KEY_MARKER", Value: sdk.SecretValue(w.value), CreatedAt: now, UpdatedAt: now},
		ActorID: w.owner.ID,
	})
	if err != nil {
		t.Fatalf("InsertSecret: %v", err)
	}
	upd := sdk.SecretValue(w.updated)
	if w.secret, err = cs.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: w.owner.ID, Name: sec.Name, Value: &upd, ActorID: w.owner.ID}); err != nil {
		t.Fatalf("UpdateSecret: %v", err)
	}
	if w.secret.ValueSize != len(w.updated) {
		t.Errorf("ValueSize after update: got %d, want %d", w.secret.ValueSize, len(w.updated))
	}
	tmpl, ver, err := cs.InsertTemplateVersion(ctx, "t"+uuid.NewString()[:8], store.TemplateVersion{Archive: []byte("archive"), Requirements: []byte("[]"), CreatedBy: w.owner.ID, CreatedAt: now})
	if err != nil {
		t.Fatalf("InsertTemplateVersion: %v", err)
	}
	w.ws, _, err = cs.InsertWorkspace(ctx, store.Workspace{Name: "dev", OwnerID: w.owner.ID, TemplateID: tmpl.ID},
		store.WorkspaceBuild{Transition: sdk.TransitionStart, TemplateVersionID: ver.ID, InitiatorID: w.owner.ID})
	if err != nil {
		t.Fatalf("InsertWorkspace: %v", err)
	}
	worker := "worker-" + uuid.NewString()
	if w.build, err = cs.ClaimBuild(ctx, worker, now); err != nil {
		t.Fatalf("ClaimBuild: %v", err)
	}
	w.agent = store.WorkspaceAgent{
		ID: uuid.New(), BuildID: w.build.ID, WorkspaceID: w.ws.ID, Name: "main", TokenHash: []byte("hash-" + w.ws.ID.String()),
		OS: "linux", Arch: "amd64", Directory: "/home/" + w.inDir, MOTDFile: "/etc/motd",
		Env:            []byte(`[{"name":"E","value":"` + w.inEnv + `","merge_strategy":"replace","source":"coder_env"}]`),
		Scripts:        []byte(`[]`),
		Apps:           []byte(`[{"slug":"run","command":"echo ` + w.inApp + `"}]`),
		LifecycleState: sdk.LifecycleCreated, CreatedAt: now,
	}
	err = cs.CompleteBuild(ctx, store.CompleteBuildParams{
		BuildID: w.build.ID, WorkerID: worker, Status: sdk.BuildSucceeded,
		State:  []byte(`{"outputs":{"v":"` + w.inState + `"}}`),
		Agents: []store.WorkspaceAgent{w.agent},
	})
	if err != nil {
		t.Fatalf("CompleteBuild: %v", err)
	}
	return w
}

// checkPlaintext reads w back through cs and finds every value as it was
// planted.
func checkPlaintext(t *testing.T, cs *cryptstore.Store, w world) {
	t.Helper()
	ctx := context.Background()
	rows, err := cs.ListSecretsWithValues(ctx, w.owner.ID)
	if err != nil || len(rows) != 1 {
		t.Fatalf("ListSecretsWithValues: got %d rows, %v, want 1", len(rows), err)
	}
	if rows[0].ValueErr != nil || rows[0].Value.Reveal() != w.updated || rows[0].Ciphertext != nil {
		t.Errorf("secret through the decorator: got err %v, value matches %v, ciphertext %d bytes; want the updated value and no ciphertext",
			rows[0].ValueErr, rows[0].Value.Reveal() == w.updated, len(rows[0].Ciphertext))
	}
	state, _, err := cs.GetWorkspaceState(ctx, w.ws.ID)
	if err != nil || !bytes.Contains(state, []byte(w.inState)) {
		t.Errorf("state through the decorator: got err %v, holds the planted value %v; want it", err, bytes.Contains(state, []byte(w.inState)))
	}
	a, err := cs.GetAgentByTokenHash(ctx, w.agent.TokenHash)
	if err != nil || a.ConfigErr != nil || a.Directory != w.agent.Directory || !bytes.Contains(a.Env, []byte(w.inEnv)) || string(a.Scripts) != "[]" ||
		!bytes.Contains(a.Apps, []byte(w.inApp)) {
		t.Errorf("agent through the decorator: got err %v, config err %v, directory matches %v, env holds the value %v; want them all",
			err, a.ConfigErr, a.Directory == w.agent.Directory, bytes.Contains(a.Env, []byte(w.inEnv)))
	}
	// GetAgentAuth opens the config; GetAgentAuthSealed leaves it sealed
	// (no config field, the ciphertext kept) until OpenAgentConfig, which
	// then gives the same agent.
	auth, err := cs.GetAgentAuth(ctx, w.agent.TokenHash)
	if err != nil || auth.Agent.ConfigErr != nil || auth.Agent.Directory != w.agent.Directory || !bytes.Contains(auth.Agent.Env, []byte(w.inEnv)) {
		t.Errorf("GetAgentAuth through the decorator: got err %v, config err %v, directory matches %v; want the opened config", err, auth.Agent.ConfigErr, auth.Agent.Directory == w.agent.Directory)
	}
	sealed, err := cs.GetAgentAuthSealed(ctx, w.agent.TokenHash)
	if err != nil {
		t.Fatalf("GetAgentAuthSealed: %v", err)
	}
	if sa := sealed.Agent; sa.ConfigKeyID == "" || len(sa.ConfigCiphertext) == 0 || sa.Directory != "" || sa.Env != nil || sa.Apps != nil ||
		bytes.Contains(sa.ConfigCiphertext, []byte(w.inEnv)) {
		t.Errorf("GetAgentAuthSealed: key id set %v, %d ciphertext bytes, directory %d bytes, env %d bytes; want the config sealed", sa.ConfigKeyID != "", len(sa.ConfigCiphertext), len(sa.Directory), len(sa.Env))
	}
	cs.OpenAgentConfig(&sealed.Agent)
	if auth != nil && !reflect.DeepEqual(*sealed, *auth) {
		t.Errorf("GetAgentAuthSealed then OpenAgentConfig differs from GetAgentAuth")
	}
	agents, err := cs.ListAgentsByBuild(ctx, w.build.ID)
	if err != nil || len(agents) != 1 || agents[0].Directory != w.agent.Directory {
		t.Errorf("ListAgentsByBuild through the decorator: got %d agents, %v, want the one with its directory", len(agents), err)
	}
}

// TestOnlyCiphertextRests plants canaries through the decorator (a secret
// value, created and updated; a Terraform state; an agent's env and
// directory), reads the rows below it and the database's bytes, and finds
// only ciphertext; through the decorator they read back as planted.
func TestOnlyCiphertextRests(t *testing.T) {
	for _, b := range servertest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			raw, where := b.Open(t)
			key := newKey(t)
			cs, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key}})
			if err != nil {
				t.Fatal(err)
			}
			w := plant(t, cs)
			canaries := []string{w.value, w.updated, w.inState, w.inEnv, w.inDir, w.inApp}

			// The rows below the decorator.
			var rawBytes [][]byte
			rows, err := raw.ListSecretsWithValues(ctx, w.owner.ID)
			if err != nil || len(rows) != 1 {
				t.Fatalf("raw ListSecretsWithValues: got %d rows, %v, want 1", len(rows), err)
			}
			if rows[0].KeyID != secretcrypt.KeyID(key) || len(rows[0].Ciphertext) == 0 || rows[0].Value != "" {
				t.Errorf("raw secret row: got key id %q, %d bytes of ciphertext, a value %v; want the key's id, a ciphertext, no value",
					rows[0].KeyID, len(rows[0].Ciphertext), rows[0].Value != "")
			}
			rawBytes = append(rawBytes, rows[0].Ciphertext)
			ct, keyID, err := raw.GetWorkspaceState(ctx, w.ws.ID)
			if err != nil || keyID != secretcrypt.KeyID(key) || len(ct) == 0 {
				t.Errorf("raw state: got key id %q, %d bytes, %v; want the key's id and a ciphertext", keyID, len(ct), err)
			}
			rawBytes = append(rawBytes, ct)
			a, err := raw.GetAgentByTokenHash(ctx, w.agent.TokenHash)
			if err != nil {
				t.Fatal(err)
			}
			if a.ConfigKeyID != secretcrypt.KeyID(key) || a.Directory != "" || len(a.Env) != 0 || len(a.Scripts) != 0 || len(a.Apps) != 0 || len(a.ConfigCiphertext) == 0 {
				t.Errorf("raw agent row: got key id %q, directory %d bytes, env %d bytes, scripts %d bytes, apps %d bytes; want only a sealed config",
					a.ConfigKeyID, len(a.Directory), len(a.Env), len(a.Scripts), len(a.Apps))
			}
			rawBytes = append(rawBytes, a.ConfigCiphertext)

			// The database's bytes.
			var db []byte
			switch b.Name {
			case "sqlite":
				for _, suffix := range []string{"", "-wal", "-shm"} {
					data, err := os.ReadFile(where + suffix)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					db = append(db, data...)
				}
			case "postgres":
				db = pgtest.PGDump(t, where)
			}
			if !bytes.Contains(db, []byte("API_KEY_MARKER")) {
				t.Fatal("the search cannot fail: the env name API_KEY_MARKER is not in the database's bytes either")
			}
			rawBytes = append(rawBytes, db)
			for _, data := range rawBytes {
				for _, c := range canaries {
					if bytes.Contains(data, []byte(c)) {
						t.Fatalf("%s holds a planted value in plaintext", b.Name)
					}
				}
			}

			checkPlaintext(t, cs, w)
		})
	}
}

// TestRotation: a decorator without the key of what the database holds
// refuses, naming the key id and the kind of row; with a new primary key
// in front of the old one it re-seals every row; then the new key alone
// opens them. An altered row is left as it is and fails alone.
func TestRotation(t *testing.T) {
	for _, b := range servertest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			raw, _ := b.Open(t)
			oldKey, key := newKey(t), newKey(t)
			cs, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{oldKey}})
			if err != nil {
				t.Fatal(err)
			}
			w := plant(t, cs)
			// A second owner's secret, altered below the decorator.
			v := plant(t, cs)
			rows, err := raw.ListSecretsWithValues(ctx, v.owner.ID)
			if err != nil || len(rows) != 1 {
				t.Fatalf("raw ListSecretsWithValues: got %d rows, %v, want 1", len(rows), err)
			}
			altered := append([]byte(nil), rows[0].Ciphertext...)
			altered[len(altered)-1] ^= 0xff
			if err := raw.ReplaceSecretCiphertext(ctx, rows[0].ID, rows[0].KeyID, altered, rows[0].KeyID); err != nil {
				t.Fatal(err)
			}

			_, err = cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key}})
			if err == nil || !strings.Contains(err.Error(), secretcrypt.KeyID(oldKey)) || !strings.Contains(err.Error(), "not among the configured keys") {
				t.Fatalf("open without the old key: got %v, want a refusal naming key id %s", err, secretcrypt.KeyID(oldKey))
			}

			rotated, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key, oldKey}})
			if err != nil {
				t.Fatalf("open with a new primary key and the old one: %v", err)
			}
			if got, want := rotated.PrimaryKeyID(), secretcrypt.KeyID(key); got != want {
				t.Errorf("PrimaryKeyID: got %s, want %s", got, want)
			}
			newID := secretcrypt.KeyID(key)
			secretIDs, err := raw.SecretKeyIDs(ctx)
			if err != nil || secretIDs[newID] != 1 || secretIDs[secretcrypt.KeyID(oldKey)] != 1 {
				t.Errorf("secret key ids after rotation: got %v, %v, want the new key's 1 and the altered row left with the old key", secretIDs, err)
			}
			for name, f := range map[string]func(context.Context) (map[string]int, error){
				"state": raw.WorkspaceStateKeyIDs, "agent config": raw.AgentConfigKeyIDs,
			} {
				ids, err := f(ctx)
				if err != nil || len(ids) != 1 || ids[newID] != 2 {
					t.Errorf("%s key ids after rotation: got %v, %v, want only %s: 2", name, ids, err, newID)
				}
			}

			// The new key alone: everything but the altered row opens.
			alone, err := cryptstore.New(raw, cryptstore.Options{Keys: [][]byte{key}})
			if err != nil {
				t.Fatal(err)
			}
			checkPlaintext(t, alone, w)
			bad, err := rotated.ListSecretsWithValues(ctx, v.owner.ID)
			if err != nil || len(bad) != 1 || !errors.Is(bad[0].ValueErr, secretcrypt.ErrDecrypt) || bad[0].Value != "" {
				t.Fatalf("altered secret: got %d rows, %v, value err %v; want one with ErrDecrypt and no value", len(bad), err, bad[0].ValueErr)
			}
			if p := cryptstore.ValueProblem(bad[0]); !strings.Contains(p, `"api-key"`) || strings.Contains(p, v.updated) {
				t.Errorf("ValueProblem: got %q, want it to name the secret and hold no value", p)
			}
		})
	}
}

// TestUnreadableStateAndConfig: a state or agent config altered below the
// decorator does not open: the state read is an *UnreadableError, the
// agent is still found with ConfigErr set and its config empty.
func TestUnreadableStateAndConfig(t *testing.T) {
	b := servertest.Backends()[0]
	ctx := context.Background()
	raw, _ := b.Open(t)
	key := newKey(t)
	cs, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key}})
	if err != nil {
		t.Fatal(err)
	}
	w := plant(t, cs)
	ct, keyID, err := raw.GetWorkspaceState(ctx, w.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	ct[len(ct)-1] ^= 0xff
	if err := raw.ReplaceWorkspaceState(ctx, w.ws.ID, keyID, ct, keyID); err != nil {
		t.Fatal(err)
	}
	a, err := raw.GetAgentByTokenHash(ctx, w.agent.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	a.ConfigCiphertext[len(a.ConfigCiphertext)-1] ^= 0xff
	if err := raw.ReplaceAgentConfig(ctx, a.ID, a.ConfigKeyID, a.ConfigCiphertext, a.ConfigKeyID); err != nil {
		t.Fatal(err)
	}

	var unreadable *cryptstore.UnreadableError
	if _, _, err := cs.GetWorkspaceState(ctx, w.ws.ID); !errors.As(err, &unreadable) || !errors.Is(err, secretcrypt.ErrDecrypt) {
		t.Errorf("altered state: got %v, want an *UnreadableError wrapping ErrDecrypt", err)
	}
	got, err := cs.GetAgentByTokenHash(ctx, w.agent.TokenHash)
	if err != nil || !errors.Is(got.ConfigErr, secretcrypt.ErrDecrypt) || got.Directory != "" || got.Env != nil || got.ID != w.agent.ID {
		t.Errorf("altered agent config: got %v, config err %v, directory %d bytes; want the agent with ConfigErr and an empty config", err, got.ConfigErr, len(got.Directory))
	}
	// The start still passes: altered rows fail alone.
	if _, err := cryptstore.Open(ctx, raw, cryptstore.Options{Keys: [][]byte{key}}); err != nil {
		t.Errorf("open with altered rows: got %v, want no error", err)
	}
}
