package provisioner

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/usersecrets/coder/sdk/redact"
)

// maxLogLine bounds a line of Terraform output: longer ones are cut into
// pieces of this size.
const maxLogLine = 4 << 20

// logWriter takes a command's stdout (Write) and stderr (Stderr) and
// appends them to the build log under one stage, line by line. Values are
// masked over each stream: Terraform word-wraps messages that quote a
// value, which then spans lines. terraform-exec writes each stream from its
// own goroutine, whole lines at a time, so the lines of one stream can come
// between those of the other: each has its own masking stream, or a line of
// stdout between two lines of a wrapped error on stderr would hide the
// value from the match. The lock file notes of init are dropped after
// masking.
type logWriter struct {
	mu     sync.Mutex
	out    logStream
	err    logStream
	noise  *lockNoise
	tail   []string // the last non-blank lines, for the error message
	last   time.Time
	emitf  func(line string, at time.Time)
	stderr stderrWriter
}

// logStream is one stream's partial line and masking.
type logStream struct {
	buf []byte
	rs  *redact.Stream[time.Time]
}

// stderrWriter is the io.Writer of a logWriter's stderr.
type stderrWriter struct{ w *logWriter }

func (e stderrWriter) Write(p []byte) (int, error) { return e.w.write(&e.w.err, p) }

// Stderr is the writer of the command's stderr.
func (w *logWriter) Stderr() io.Writer { return w.stderr }

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
	emit := func(line string, at time.Time) {
		w.last = at
		if w.noise == nil {
			w.emitf(line, at)
			return
		}
		for _, l := range w.noise.line(line) {
			w.emitf(l, at)
		}
	}
	w.out.rs = redact.NewStream(j.redactor, emit)
	w.err.rs = redact.NewStream(j.redactor, emit)
	w.stderr = stderrWriter{w}
	return w
}

// Write implements io.Writer: the command's stdout.
func (w *logWriter) Write(p []byte) (int, error) { return w.write(&w.out, p) }

func (w *logWriter) write(st *logStream, p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	st.buf = append(st.buf, p...)
	for {
		i := bytes.IndexByte(st.buf, '\n')
		if i < 0 {
			if len(st.buf) >= maxLogLine {
				st.line(st.buf[:maxLogLine])
				st.buf = append(st.buf[:0], st.buf[maxLogLine:]...)
				continue
			}
			return len(p), nil
		}
		st.line(st.buf[:i])
		st.buf = st.buf[i+1:]
	}
}

func (st *logStream) line(b []byte) {
	st.rs.Line(string(bytes.TrimSuffix(b, []byte{'\r'})), time.Now().UTC())
}

func (st *logStream) close() {
	if len(st.buf) > 0 {
		st.line(st.buf)
		st.buf = nil
	}
	st.rs.Close()
}

// close logs what is left and returns the last lines.
func (w *logWriter) close() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.close()
	w.err.close()
	if w.noise != nil {
		for _, l := range w.noise.flush() {
			w.emitf(l, w.last)
		}
	}
	return w.tail
}
