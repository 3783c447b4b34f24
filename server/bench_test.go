package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// Benchmarks of the secrets API through HTTP, on both backends. Figures are
// kept in BENCHMARKS.md; there are no targets yet.

func BenchmarkCreateSecret(b *testing.B) {
	for _, be := range servertest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			s := servertest.New(b, be, servertest.Options{Limits: sdk.Limits{MaxSecrets: 1 << 30, MaxTotalValueBytes: 1 << 40, MaxEnvValueBytes: 1 << 40}})
			ctx := context.Background()
			c := s.NewMember(b, "bench")
			value := sdk.SecretValue("a-secret-value-of-a-typical-size-0123456789abcdef")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: fmt.Sprintf("s-%d", i), Value: value, EnvName: fmt.Sprintf("S_%d", i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGetSecret(b *testing.B) {
	for _, be := range servertest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			s := servertest.New(b, be, servertest.Options{})
			ctx := context.Background()
			c := s.NewMember(b, "bench")
			if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "api-key", Value: "v", EnvName: "API_KEY"}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.Secret(ctx, sdk.Me, "api-key"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkList50Secrets(b *testing.B) {
	for _, be := range servertest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			s := servertest.New(b, be, servertest.Options{})
			ctx := context.Background()
			c := s.NewMember(b, "bench")
			for i := 0; i < 50; i++ {
				if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: fmt.Sprintf("secret-%02d", i), Value: "v", FilePath: fmt.Sprintf("~/s/%d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				list, err := c.Secrets(ctx, sdk.Me)
				if err != nil || len(list) != 50 {
					b.Fatalf("list: %d, %v", len(list), err)
				}
			}
		})
	}
}

// BenchmarkAgentManifest fetches an agent's manifest (50 user secrets,
// each with an env target, 48-byte values) with its agent token, nothing
// changing in between: what every agent does at start and on reconnect.
func BenchmarkAgentManifest(b *testing.B) {
	for _, be := range servertest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			s := servertest.New(b, be, servertest.Options{Terraform: true})
			ctx := context.Background()
			pushTemplate(b, s.Admin, "plain", "testdata/plain")
			c := s.NewMember(b, "bench")
			value := sdk.SecretValue("a-secret-value-of-a-typical-size-0123456789abcdef")
			for i := 0; i < 50; i++ {
				if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: fmt.Sprintf("secret-%02d", i), Value: value, EnvName: fmt.Sprintf("S_%02d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain"})
			if err != nil {
				b.Fatal(err)
			}
			mustSucceed(b, c, ws.LatestBuild)
			agent := sdk.New(s.URL)
			agent.SessionToken = agentToken(b, s, ws.ID)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m, err := agent.AgentManifest(ctx)
				if err != nil || len(m.Secrets) != 50 {
					b.Fatalf("manifest: %d secrets, %v", len(m.Secrets), err)
				}
			}
		})
	}
}
