package provisioner

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/usersecrets/coder/sdk/redact"
)

// maxLogLine bounds a line of Terraform output: longer ones are cut into
// pieces of this size.
const maxLogLine = 4 << 20

// logWriter takes a command's stdout and stderr (terraform-exec writes
// each from its own goroutine, whole lines at a time) and appends them to
// the build log under one stage, line by line. Values are masked over the
// stream: Terraform word-wraps messages that quote a value, which then
// spans lines. The lock file notes of init are dropped after masking.
type logWriter struct {
	mu    sync.Mutex
	buf   []byte
	rs    *redact.Stream[time.Time]
	noise *lockNoise
	tail  []string // the last non-blank lines, for the error message
	last  time.Time
	emitf func(line string, at time.Time)
}

// stagePlanApply is the stage of a `terraform apply` that plans too: its
// lines go under "plan" up to the plan's summary (planEnded), then under
// "apply".
const stagePlanApply = "plan+apply"

// planEnd says where a line of `terraform apply` output stands against
// the end of its plan: summary is the plan's last line ("Plan: 1 to add,
// ...", "No changes. ..."); applying is a line of the apply itself (a
// change starting), which ends the plan should Terraform print no summary.
func planEnd(line string) (summary, applying bool) {
	l := strings.TrimSpace(line)
	if strings.HasPrefix(l, "Plan: ") || strings.HasPrefix(l, "No changes.") {
		return true, false
	}
	for _, s := range []string{": Creating...", ": Destroying...", ": Modifying..."} {
		if strings.Contains(l, s) {
			return false, true
		}
	}
	return false, false
}

func (j *job) newLogWriter(stage string) *logWriter {
	w := &logWriter{}
	if stage == "init" {
		w.noise = &lockNoise{}
	}
	split := stage == stagePlanApply
	if split {
		stage = "plan"
	}
	w.emitf = func(line string, at time.Time) {
		summary, applying := false, false
		if split {
			summary, applying = planEnd(line)
		}
		if applying {
			stage, split = "apply", false
		}
		j.logAt(at, stage, "info", line)
		if summary {
			stage, split = "apply", false
		}
		if strings.TrimSpace(line) != "" {
			w.tail = append(w.tail, line)
			if len(w.tail) > 20 {
				w.tail = w.tail[1:]
			}
		}
	}
	w.rs = redact.NewStream(j.redactor, func(line string, at time.Time) {
		w.last = at
		if w.noise == nil {
			w.emitf(line, at)
			return
		}
		for _, l := range w.noise.line(line) {
			w.emitf(l, at)
		}
	})
	return w
}

// Write implements io.Writer.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) >= maxLogLine {
				w.line(w.buf[:maxLogLine])
				w.buf = append(w.buf[:0], w.buf[maxLogLine:]...)
				continue
			}
			return len(p), nil
		}
		w.line(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

func (w *logWriter) line(b []byte) {
	w.rs.Line(string(bytes.TrimSuffix(b, []byte{'\r'})), time.Now().UTC())
}

// close logs what is left and returns the last lines.
func (w *logWriter) close() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.line(w.buf)
		w.buf = nil
	}
	w.rs.Close()
	if w.noise != nil {
		for _, l := range w.noise.flush() {
			w.emitf(l, w.last)
		}
	}
	return w.tail
}
