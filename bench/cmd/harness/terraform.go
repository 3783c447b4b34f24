package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk/buildenv"
)

// bareFolder is a copy of the local example template that the harness
// runs Terraform on directly, the way the server's provisioner does: the
// same provider mirror (the server's CLI configuration), the variables of
// SPEC.md section 5 and TF_VAR_coder_workspaces_dir. Its agent script is a
// plain sleep (no server knows the agent's token), which the template's
// destroy provisioner ends like an agent.
type bareFolder struct {
	dir      string
	name     string
	wsDir    string
	mirrorRC string
	agentURL string
	wsID     string
}

func newBareFolder(cfg *config, parent, name string, srv *coderServer) (*bareFolder, error) {
	dir := filepath.Join(parent, "bare-"+name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	src, err := os.ReadFile(filepath.Join(cfg.localTemplate, "main.tf"))
	if err != nil {
		return nil, fmt.Errorf("read the local example template: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o600); err != nil {
		return nil, err
	}
	return &bareFolder{
		dir:      dir,
		name:     name,
		wsDir:    filepath.Join(parent, "bare-workspaces"),
		mirrorRC: filepath.Join(srv.dataDir, "terraform", "terraform.tfrc"),
		agentURL: srv.url,
		wsID:     uuid.NewString(),
	}, nil
}

func (b *bareFolder) env(transition string) []string {
	return append(cleanEnv(),
		"TF_CLI_CONFIG_FILE="+b.mirrorRC,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"TF_VAR_coder_workspaces_dir="+b.wsDir,
		buildenv.AgentURL+"="+b.agentURL,
		buildenv.Transition+"="+transition,
		buildenv.BuildID+"="+uuid.NewString(),
		buildenv.WorkspaceID+"="+b.wsID,
		buildenv.WorkspaceName+"="+b.name,
		buildenv.Owner+"="+benchUser,
		buildenv.OwnerID+"="+uuid.Nil.String(),
		buildenv.OwnerEmail+"="+benchUser+"@example.com",
		buildenv.OwnerName+"="+benchUser,
		buildenv.TemplateID+"="+uuid.Nil.String(),
		buildenv.TemplateName+"=local",
		buildenv.TemplateVersion+"=1",
		buildenv.AgentScript("linux_amd64")+"=exec sleep 600",
	)
}

// tf runs one terraform command in the folder.
func (b *bareFolder) tf(ctx context.Context, cfg *config, transition string, args ...string) error {
	cmd := exec.CommandContext(ctx, cfg.terraform, args...)
	cmd.Dir = b.dir
	cmd.Env = b.env(transition)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("terraform %s in %s: %w\n%s", strings.Join(args, " "), b.dir, err, tailString(out.String(), 2000))
	}
	return nil
}

// initApply is the limit of a create: `terraform init && terraform apply`.
func (b *bareFolder) initApply(ctx context.Context, cfg *config) (time.Duration, error) {
	begin := time.Now()
	if err := b.tf(ctx, cfg, "start", "init", "-input=false", "-no-color"); err != nil {
		return 0, err
	}
	if err := b.tf(ctx, cfg, "start", "apply", "-input=false", "-no-color", "-auto-approve"); err != nil {
		return 0, err
	}
	return time.Since(begin), nil
}

// stopStart is the limit of a restart: an apply of the stop transition,
// then one of the start transition, in the folder initApply set up.
func (b *bareFolder) stopStart(ctx context.Context, cfg *config) (time.Duration, error) {
	begin := time.Now()
	if err := b.tf(ctx, cfg, "stop", "apply", "-input=false", "-no-color", "-auto-approve"); err != nil {
		return 0, err
	}
	if err := b.tf(ctx, cfg, "start", "apply", "-input=false", "-no-color", "-auto-approve"); err != nil {
		return 0, err
	}
	return time.Since(begin), nil
}

// destroy removes what the folder created (not timed).
func (b *bareFolder) destroy(ctx context.Context, cfg *config) error {
	err := b.tf(ctx, cfg, "delete", "destroy", "-input=false", "-no-color", "-auto-approve")
	_ = os.RemoveAll(b.dir)
	return err
}
