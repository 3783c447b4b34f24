package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestSecretEnabled: enabled defaults to true; a disabled secret owns no
// target; enabling one whose target another enabled secret holds is a 409
// naming the field; an enabled secret keeps a target.
func TestSecretEnabled(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "enid")

		on, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "on", Value: "v", EnvName: "TOKEN", FilePath: "~/.token"})
		if err != nil {
			t.Fatal(err)
		}
		if !on.Enabled {
			t.Errorf("a secret created without enabled: got enabled false, want true")
		}
		off, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "off", Value: "v", EnvName: "TOKEN", FilePath: "~/.token", Enabled: ptr(false)})
		if err != nil {
			t.Fatalf("a disabled secret on an enabled one's targets: got %v, want success", err)
		}
		if off.Enabled {
			t.Errorf("created with enabled false: got enabled true")
		}

		// Enabling "off" now: 409 on env_name, and nothing changes.
		_, err = c.UpdateSecret(ctx, sdk.Me, "off", sdk.UpdateSecretRequest{Enabled: ptr(true)})
		var apiErr *sdk.Error
		if sdk.StatusCode(err) != http.StatusConflict || !strings.Contains(err.Error(), "enabled secret with this environment variable target") {
			t.Fatalf("enable onto a taken env: got %v, want 409 naming the env target", err)
		}
		if ok := errors.As(err, &apiErr); !ok || len(apiErr.Validations) != 1 || apiErr.Validations[0].Field != "env_name" {
			t.Errorf("enable onto a taken env: validations %+v, want one on env_name", apiErr)
		}
		if got, _ := c.Secret(ctx, sdk.Me, "off"); got.Enabled {
			t.Errorf("a refused enable left the secret enabled")
		}
		// With its env moved, the file still clashes.
		_, err = c.UpdateSecret(ctx, sdk.Me, "off", sdk.UpdateSecretRequest{EnvName: ptr("OTHER"), Enabled: ptr(true)})
		if sdk.StatusCode(err) != http.StatusConflict || !strings.Contains(err.Error(), "file target") {
			t.Fatalf("enable onto a taken file: got %v, want 409 naming the file target", err)
		}
		// Disabling "on" frees both targets.
		if got, err := c.UpdateSecret(ctx, sdk.Me, "on", sdk.UpdateSecretRequest{Enabled: ptr(false)}); err != nil || got.Enabled {
			t.Fatalf("disable: got %+v, %v", got, err)
		}
		if got, err := c.UpdateSecret(ctx, sdk.Me, "off", sdk.UpdateSecretRequest{Enabled: ptr(true)}); err != nil || !got.Enabled {
			t.Fatalf("enable once the targets are free: got %+v, %v", got, err)
		}

		// An enabled secret keeps a target.
		_, err = c.UpdateSecret(ctx, sdk.Me, "off", sdk.UpdateSecretRequest{EnvName: ptr(""), FilePath: ptr("")})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "coder secret disable off") {
			t.Fatalf("clearing both targets of an enabled secret: got %v, want 400 suggesting to disable it", err)
		}
		got, err := c.UpdateSecret(ctx, sdk.Me, "off", sdk.UpdateSecretRequest{EnvName: ptr(""), FilePath: ptr(""), Enabled: ptr(false)})
		if err != nil || got.Enabled || got.EnvName != "" || got.FilePath != "" {
			t.Fatalf("clearing the targets while disabling: got %+v, %v", got, err)
		}
		_, err = c.UpdateSecret(ctx, sdk.Me, "off", sdk.UpdateSecretRequest{Enabled: ptr(true)})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "needs an environment variable or file target") {
			t.Fatalf("enabling a secret with no target: got %v, want 400", err)
		}
		_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "bare", Value: "v"})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "needs a target") {
			t.Fatalf("creating an enabled secret with no target: got %v, want 400", err)
		}

		list, err := c.Secrets(ctx, sdk.Me)
		if err != nil {
			t.Fatal(err)
		}
		enabled := map[string]bool{}
		for _, sec := range list {
			enabled[sec.Name] = sec.Enabled
		}
		if len(enabled) != 2 || enabled["on"] || enabled["off"] {
			t.Errorf("list: got %v, want on and off, both disabled", enabled)
		}
	})
}

// TestDisabledSecretNotDelivered: a disabled secret reaches neither the
// agent's manifest nor the build's logs; enabled again, it is delivered.
func TestDisabledSecretNotDelivered(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true, OpenAPI: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "plain", "testdata/plain")
		c := s.NewMember(t, "dora")
		onValue, offValue := canary(t), canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "on", Value: sdk.SecretValue(onValue), EnvName: "ON"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "off", Value: sdk.SecretValue(offValue), EnvName: "OFF", FilePath: "~/.off", Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain"})
		if err != nil {
			t.Fatal(err)
		}
		log := mustSucceed(t, c, ws.LatestBuild)
		agentClient := sdk.New(s.URL)
		agentClient.SessionToken = agentToken(t, s, ws.ID)
		m, err := agentClient.AgentManifest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Secrets) != 1 || m.Secrets[0].Name != "on" {
			t.Errorf("manifest secrets: got %d, want only %q", len(m.Secrets), "on")
		}
		for _, sec := range m.Secrets {
			if sec.Value.Reveal() == offValue {
				t.Errorf("the disabled secret's value is in the manifest")
			}
		}
		if strings.Contains(log, offValue) || strings.Contains(s.Logs.String(), offValue) {
			t.Errorf("the disabled secret's value is in a build log or the server's log")
		}
		// Enabled again, it is delivered on the next fetch.
		if _, err := c.UpdateSecret(ctx, sdk.Me, "off", sdk.UpdateSecretRequest{Enabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		m, err = agentClient.AgentManifest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Secrets) != 2 {
			t.Errorf("manifest after enabling: got %d secrets, want 2", len(m.Secrets))
		}
	})
}
