package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store/pgtest"
)

// rawDatabase is everything the store holds on disk: the SQLite file with
// its WAL, or a pg_dump of the PostgreSQL database.
func rawDatabase(t *testing.T, s *servertest.Server, b servertest.Backend) []byte {
	t.Helper()
	if b.Name != "sqlite" {
		return pgtest.PGDump(t, s.Where)
	}
	var raw []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(s.Where + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		raw = append(raw, data...)
	}
	return raw
}

// TestBuildMasksWrappedValue runs a real build whose plan fails on
// tonumber(nonsensitive(...)) of a long pass phrase: Terraform quotes the
// phrase in an error it word-wraps over lines. No word of the phrase may
// reach the build log, the build's error, the workspaces list, the server
// log or the database.
func TestBuildMasksWrappedValue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "wrap", "testdata/wrap")
		c := s.NewMember(t, "walt")
		// Ten canary words: 109 bytes, so Terraform wraps the phrase.
		var words []string
		for i := 0; i < 10; i++ {
			words = append(words, "w"+canary(t)[len("canary-"):][:9])
		}
		phrase := strings.Join(words, " ")
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "pass-phrase", Value: sdk.SecretValue(phrase), EnvName: "PASS_PHRASE"}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "wrap"})
		if err != nil {
			t.Fatal(err)
		}
		done, log := finish(t, c, ws.LatestBuild)
		if done.Status != sdk.BuildFailed {
			t.Fatalf("build status: got %s, want failed (tonumber of a phrase)", done.Status)
		}
		// The search cannot fail: the error that quotes the phrase is there.
		if !strings.Contains(done.Error, "to number") || !strings.Contains(log, "to number") {
			t.Fatalf("build error and log: got no tonumber error, want one (error %d bytes)", len(done.Error))
		}
		if !strings.Contains(done.Error, sdk.Redacted) || !strings.Contains(log, sdk.Redacted) {
			t.Errorf("build error and log: got no %s, want the quoted phrase masked", sdk.Redacted)
		}
		list, err := c.Workspaces(ctx, sdk.Me)
		if err != nil {
			t.Fatal(err)
		}
		listJSON, _ := json.Marshal(list)
		if !bytes.Contains(listJSON, []byte("to number")) {
			t.Fatal("the search cannot fail: the workspaces list shows no build error")
		}
		raw := rawDatabase(t, s, b)
		if !bytes.Contains(raw, []byte("to number")) {
			t.Fatal("the search cannot fail: the database holds no build error")
		}
		places := []struct {
			name string
			data []byte
		}{
			{"the build log", []byte(log)},
			{"the build's error", []byte(done.Error)},
			{"the workspaces list", listJSON},
			{"the server log", []byte(s.Logs.String())},
			{"the database", raw},
		}
		for _, p := range places {
			for i, w := range words {
				if bytes.Contains(p.data, []byte(w)) {
					t.Errorf("canary word %d of the phrase found in %s", i+1, p.name)
				}
			}
		}
	})
}

// TestShortValueKeptFromTerraform gives a start build a one-character
// secret, too short to be masked: Terraform must never see it (the template
// prints "" where it reads the value, with a warning), the log is not
// masked where the character appears, and the agent still gets the secret.
func TestShortValueKeptFromTerraform(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "short", "testdata/short")
		c := s.NewMember(t, "shirley")
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "pin", Value: "7", EnvName: "PIN"}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "short"})
		if err != nil {
			t.Fatal(err)
		}
		log := mustSucceed(t, c, ws.LatestBuild)
		if !strings.Contains(printed(log), "pin=[] env=[]") {
			t.Errorf("build log: got no line %q, want it (the value kept from Terraform)", "pin=[] env=[]")
		}
		if !strings.Contains(log, "Secret value withheld from Terraform") {
			t.Errorf("build log: got no warning that the value was withheld, want one")
		}
		// A short value masks nothing (it would mask every 7 of the log).
		if strings.Contains(log, sdk.Redacted) {
			t.Errorf("build log: got %s in it, want no masking of a short value", sdk.Redacted)
		}
		agentClient := sdk.New(s.URL)
		agentClient.SessionToken = agentToken(t, s, ws.ID)
		m, err := agentClient.AgentManifest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Secrets) != 1 || m.Secrets[0].Value.Reveal() != "7" {
			t.Errorf("manifest: got %d secrets, want the pin with its value", len(m.Secrets))
		}
	})
}

// TestAgentConfigSealedAtRest copies a secret value into each agent field
// the server records from the state (agent dir, motd file, env, startup
// script, a coder_env, a coder_script): the manifest must carry them, and
// neither the SQLite file nor a pg_dump may hold them in plaintext, while
// the workspace runs or after it is deleted.
func TestAgentConfigSealedAtRest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "sealed", "testdata/sealed")
		c := s.NewMember(t, "selma")
		value := canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "canary", Value: sdk.SecretValue(value), EnvName: "CANARY"}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "sealed"})
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, ws.LatestBuild)
		agentClient := sdk.New(s.URL)
		agentClient.SessionToken = agentToken(t, s, ws.ID)
		m, err := agentClient.AgentManifest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		env := map[string]string{}
		for _, e := range m.Env {
			env[e.Name] = e.Value
		}
		var scripts []string
		for _, sc := range m.Scripts {
			scripts = append(scripts, sc.Script)
		}
		got := map[string]bool{
			"dir":      m.Directory == "/tmp/dir-"+value,
			"motd":     m.MOTDFile == "/tmp/motd-"+value,
			"agentenv": env["FROM_AGENT"] == "agentenv-"+value,
			"coderenv": env["FROM_CODER_ENV"] == "coderenv-"+value,
			"startup":  slices.Contains(scripts, "echo startup-"+value),
			"script":   slices.Contains(scripts, "echo script-"+value),
		}
		for path, ok := range got {
			if !ok {
				t.Errorf("manifest: got no %s field with the value, want it", path)
			}
		}
		// Script output the agent uploads is masked over the stream too: a
		// value split over two lines of one script.
		var words []string
		for i := 0; i < 3; i++ {
			words = append(words, "w"+canary(t)[len("canary-"):][:9])
		}
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "phrase", Value: sdk.SecretValue(strings.Join(words, " ")), EnvName: "PHRASE"}); err != nil {
			t.Fatal(err)
		}
		if err := agentClient.PostLogs(ctx, sdk.AgentLogsRequest{AgentID: m.AgentID, Logs: []sdk.AgentLog{
			{Source: "Script", Level: "info", Output: "say " + words[0]},
			{Source: "Other", Level: "info", Output: "other"},
			{Source: "Script", Level: "info", Output: "  " + words[1] + " " + words[2] + " done"},
		}}); err != nil {
			t.Fatal(err)
		}
		agentLogs, err := c.WorkspaceAgentLogs(ctx, sdk.Me, "dev")
		if err != nil {
			t.Fatal(err)
		}
		var outputs []string
		for _, l := range agentLogs {
			outputs = append(outputs, l.Output)
		}
		wantLogs := []string{"say ********", "other", "******** done"}
		if len(outputs) != len(wantLogs) {
			t.Fatalf("agent logs: got %d lines, want %d", len(outputs), len(wantLogs))
		}
		for i := range wantLogs {
			if outputs[i] != wantLogs[i] {
				t.Errorf("agent log line %d: got %d other bytes (not shown), want %q", i+1, len(outputs[i]), wantLogs[i])
			}
		}
		check := func(when string) {
			raw := rawDatabase(t, s, b)
			for i, w := range words {
				if bytes.Contains(raw, []byte(w)) {
					t.Errorf("canary word %d of an uploaded log found in the database %s", i+1, when)
				}
			}
			if !bytes.Contains(raw, []byte("FROM_CODER_ENV")) && !bytes.Contains(raw, []byte("selma")) {
				t.Fatalf("the search cannot fail: the database %s holds neither the user nor the env name", when)
			}
			for path := range got {
				if bytes.Contains(raw, []byte(path+"-"+value)) {
					t.Errorf("canary of the %s field found in the database %s", path, when)
				}
			}
			if bytes.Contains(raw, []byte(value)) {
				t.Errorf("canary found in the database %s", when)
			}
		}
		check("while the workspace runs")
		del, err := c.CreateBuild(ctx, sdk.Me, "dev", sdk.TransitionDelete)
		if err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, c, del)
		check("after the workspace is deleted")
	})
}

// TestBuildMasksSplitProvisionerOutput runs a real build whose local-exec
// writes a secret value in two parts: Terraform prints them as two lines.
// Each part is masked, the lines keep their prefix, and the value reaches
// neither the log, read as the command printed it, nor the server log nor
// the database.
func TestBuildMasksSplitProvisionerOutput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Terraform: true})
		ctx := context.Background()
		pushTemplate(t, s.Admin, "splitexec", "testdata/splitexec")
		c := s.NewMember(t, "sven")
		value := canary(t)
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "canary", Value: sdk.SecretValue(value), EnvName: "CANARY"}); err != nil {
			t.Fatal(err)
		}
		ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "splitexec"})
		if err != nil {
			t.Fatal(err)
		}
		log := mustSucceed(t, c, ws.LatestBuild)
		// The search cannot fail: both parts are there, masked, each on a
		// line of its own after the resource's prefix.
		const prefix = "terraform_data.print (local-exec): "
		if !strings.Contains(log, prefix+"value="+sdk.Redacted+"\n") || !strings.Contains(log, prefix+sdk.Redacted+" end") {
			t.Errorf("build log: got no two masked parts after %q, want them; log (parts of the value replaced):\n%s", prefix, strings.NewReplacer(value[:11], "<part 1>", value[11:], "<part 2>").Replace(log))
		}
		raw := rawDatabase(t, s, b)
		for _, p := range []struct{ name, data string }{
			{"the build log", log},
			{"the build log, its parts joined", redact.JoinProvisionerOutput(log)},
			{"the server log", s.Logs.String()},
			{"the database", string(raw)},
		} {
			for _, part := range []string{value, value[:11], value[11:]} {
				if strings.Contains(p.data, part) {
					t.Errorf("%q of the value found in %s", part, p.name)
				}
			}
		}
	})
}
