package cli

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The server's default soft memory limit (docs/operator.md, "Memory").
// Go's collector lets the heap grow to twice what is live (GOGC=100):
// under 1,000 agent connections a small server held about 45 MiB live
// (stacks and connection buffers) and grew past 120 MiB. Unless the
// operator set GOMEMLIMIT or GOGC, the server keeps a soft limit of
// memoryFloor, raised to a third more than what is live (live heap and
// goroutine stacks, plus the runtime's own memory) when that is more: a
// small server stays small, and a large one keeps a third of headroom, so
// the collector never runs back to back (it costs more CPU than GOGC=100,
// which an operator can set to turn this off).
const (
	memoryFloor    = 64 << 20
	memoryInterval = time.Second
)

var memorySamples = []metrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/memory/classes/total:bytes"},
	{Name: "/memory/classes/heap/free:bytes"},
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/heap/released:bytes"},
	{Name: "/memory/classes/heap/stacks:bytes"},
	{Name: "/memory/classes/heap/unused:bytes"},
}

// startMemoryLimit keeps the default soft memory limit until ctx is done
// (then restores the previous one), unless GOMEMLIMIT or GOGC is set.
func startMemoryLimit(ctx context.Context, logger *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" || os.Getenv("GOGC") != "" {
		return
	}
	prev := debug.SetMemoryLimit(memoryLimit())
	logger.Debug("soft memory limit", "floor_bytes", memoryFloor)
	go func() {
		t := time.NewTicker(memoryInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				debug.SetMemoryLimit(prev)
				return
			case <-t.C:
				debug.SetMemoryLimit(memoryLimit())
			}
		}
	}()
}

// memoryLimit is max(memoryFloor, 4/3 × (live heap + stacks) + the rest
// of the runtime's memory).
func memoryLimit() int64 {
	s := make([]metrics.Sample, len(memorySamples))
	copy(s, memorySamples)
	metrics.Read(s)
	v := func(i int) int64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(s[i].Value.Uint64())
	}
	live, total, stacks := v(0), v(1), v(5)
	runtimeOwn := total - v(2) - v(3) - v(4) - stacks - v(6)
	return max(memoryFloor, runtimeOwn+(live+stacks)*4/3)
}
