package cli

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestMemoryLimit: without GOMEMLIMIT and GOGC the server sets a soft
// limit of at least memoryFloor and restores the previous one when it
// stops; with either set it leaves the runtime alone.
func TestMemoryLimit(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })

	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	ctx, cancel := context.WithCancel(t.Context())
	startMemoryLimit(ctx, logger)
	if got := debug.SetMemoryLimit(-1); got < memoryFloor || got == before {
		t.Errorf("limit while serving: %d, want at least %d", got, memoryFloor)
	}
	if got := memoryLimit(); got < memoryFloor {
		t.Errorf("memoryLimit() = %d, below the floor %d", got, memoryFloor)
	}
	// 256 MiB live raises it above the floor.
	live := make([]byte, 256<<20)
	runtime.GC()
	if got := memoryLimit(); got < 256<<20*4/3 {
		t.Errorf("memoryLimit() with 256 MiB live = %d, want at least 4/3 of it", got)
	}
	runtime.KeepAlive(live)
	cancel()
	for range 1000 {
		if debug.SetMemoryLimit(-1) == before {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after the server stopped: %d, want the previous %d", got, before)
	}

	for _, env := range []string{"GOMEMLIMIT", "GOGC"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", "")
			t.Setenv("GOGC", "")
			t.Setenv(env, map[string]string{"GOMEMLIMIT": "1GiB", "GOGC": "100"}[env])
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			startMemoryLimit(ctx, logger)
			if got := debug.SetMemoryLimit(-1); got != before {
				t.Errorf("with %s set the limit changed to %d", env, got)
			}
		})
	}
}
