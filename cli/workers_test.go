package cli

import (
	"bytes"
	"context"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

// TestProvisionerWorkersFlag: --provisioner-workers and
// $CODER_PROVISIONER_WORKERS set the provisioner's workers, 0 (the default)
// means 8 per CPU, and a count out of range stops the start.
func TestProvisionerWorkersFlag(t *testing.T) {
	newCmd := func(runF func(context.Context, *serverOptions) error) *cobra.Command {
		return newCmdServer(&globalOptions{}, runF)
	}
	cleanEnv(t)
	if p := mustParse(t, newCmd, ""); p.opts.provisionerWorkers != 0 {
		t.Errorf("default: got %d, want 0 (8 per CPU at start)", p.opts.provisionerWorkers)
	}
	t.Setenv("CODER_PROVISIONER_WORKERS", "5")
	if p := mustParse(t, newCmd, ""); p.opts.provisionerWorkers != 5 {
		t.Errorf("$CODER_PROVISIONER_WORKERS=5: got %d", p.opts.provisionerWorkers)
	}
	if p := mustParse(t, newCmd, "", "--provisioner-workers", "3"); p.opts.provisionerWorkers != 3 {
		t.Errorf("--provisioner-workers 3 over the environment: got %d", p.opts.provisionerWorkers)
	}
	t.Setenv("CODER_PROVISIONER_WORKERS", "many")
	wantError(t, parse(t, newCmd, ""), `$CODER_PROVISIONER_WORKERS="many" is not a whole number`)
	t.Setenv("CODER_PROVISIONER_WORKERS", "")

	for _, n := range []int{-1, maxProvisionerWorkers + 1} {
		o := serverOptions{streams: streams{out: &bytes.Buffer{}, errOut: &bytes.Buffer{}}, limits: sdk.DefaultLimits, provisionerWorkers: n, dataDir: t.TempDir(), httpAddress: "127.0.0.1:0"}
		err := o.serve(t.Context())
		if err == nil || !strings.Contains(err.Error(), "--provisioner-workers must be between 1 and") {
			t.Errorf("--provisioner-workers %d: got %v, want the range error", n, err)
		}
	}

	// A real start: the provisioner runs the workers asked for, and by
	// default 8 per CPU. Without terraform the server runs no provisioner.
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("no terraform on PATH: the server would start no provisioner")
	}
	for _, tt := range []struct {
		flag int
		want int
	}{{3, 3}, {0, 8 * runtime.NumCPU()}} {
		var log syncBuffer
		o := serverOptions{
			streams:            streams{out: &bytes.Buffer{}, errOut: &log},
			limits:             sdk.DefaultLimits,
			provisionerWorkers: tt.flag,
			dataDir:            t.TempDir(),
			httpAddress:        "127.0.0.1:0",
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- o.serve(ctx) }()
		want := "msg=\"provisioner started\" component=provisioner workers=" + strconv.Itoa(tt.want)
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(log.String(), want) && time.Now().Before(deadline) {
			select {
			case err := <-done:
				t.Fatalf("server stopped: %v\n%s", err, log.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if !strings.Contains(log.String(), want) {
			t.Errorf("--provisioner-workers %d: the log has no %q:\n%s", tt.flag, want, log.String())
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
