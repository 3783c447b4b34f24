package agent

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/usersecrets/coder/sdk"
)

const (
	// maxLineBuffer is how much of one line is held while waiting for its
	// end. The rest of a longer line is dropped.
	maxLineBuffer = 1 << 20
	// maxLogLine bounds one uploaded line, after redaction.
	maxLogLine = 16 << 10
)

// lineWriter splits what a process writes into lines and hands each line,
// without its "\n" or "\r\n", to emit; cut says the line went on past
// maxLineBuffer. It is safe for concurrent writes.
type lineWriter struct {
	mu       sync.Mutex
	buf      []byte
	dropping bool // inside a line longer than maxLineBuffer
	emit     func(line string, cut bool)
}

func newLineWriter(emit func(line string, cut bool)) *lineWriter { return &lineWriter{emit: emit} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !w.dropping {
			room := maxLineBuffer - len(w.buf)
			if len(chunk) > room {
				w.buf = append(w.buf, chunk[:room]...)
				w.flushLocked(true)
				w.dropping = true
			} else {
				w.buf = append(w.buf, chunk...)
			}
		}
		if i < 0 {
			break
		}
		if !w.dropping {
			w.flushLocked(false)
		}
		w.dropping = false
		p = p[i+1:]
	}
	return n, nil
}

// Close emits a last line that had no "\n".
func (w *lineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 && !w.dropping {
		w.flushLocked(false)
	}
	return nil
}

func (w *lineWriter) flushLocked(cut bool) {
	line := string(w.buf)
	if !cut {
		line = strings.TrimSuffix(line, "\r")
	}
	w.buf = w.buf[:0]
	w.emit(line, cut)
}

// logLine turns a line of script output, its values already masked, into
// what is uploaded: at most maxLogLine bytes. cut says lineWriter dropped
// the rest of the line; a value may then have begun in the last bytes kept,
// and the part of a value there is not masked (its rest is gone), so the
// last sdk.MaxValueBytes of the line (where such a part can only be) are
// dropped too.
func logLine(line string, cut bool) string {
	if cut {
		line = line[:max(0, len(line)-sdk.MaxValueBytes)]
	}
	if len(line) > maxLogLine {
		end := maxLogLine
		for end > 0 && !utf8.RuneStart(line[end]) {
			end--
		}
		line, cut = line[:end], true
	}
	if cut {
		line = strings.ToValidUTF8(line, "") + " [line truncated]"
	}
	return line
}
