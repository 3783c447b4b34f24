package redact

import "strings"

// MaxHeld bounds the bytes of the lines a Stream holds back while a value
// may be continuing. Past it the oldest line goes out with everything from
// the start of the possible value to its end masked.
const MaxHeld = 256 << 10

// Stream masks values in a sequence of lines (without their line breaks),
// so a value that spans lines is masked on each of them. Every line given
// to Line is handed to emit exactly once, in order, masked, with its meta
// (a time stamp, a log level); a line is held back while the text from
// some point of it to the last line seen could be the beginning of a value.
// Close hands out the rest. A Stream is not safe for concurrent use.
type Stream[T any] struct {
	src     Source
	emit    func(line string, meta T)
	pending []heldLine[T]
	size    int
}

type heldLine[T any] struct {
	text  string
	meta  T
	masks []span // in line offsets
}

// NewStream returns a Stream that masks the values of src's Redactor (asked
// for at every line) and hands lines to emit.
func NewStream[T any](src Source, emit func(line string, meta T)) *Stream[T] {
	return &Stream[T]{src: src, emit: emit}
}

// Line adds one line of text.
func (s *Stream[T]) Line(line string, meta T) {
	s.pending = append(s.pending, heldLine[T]{text: line, meta: meta})
	s.size += len(line) + 1
	s.process(false)
}

// Close hands out every line still held. A value begun at the end of the
// text is masked from its beginning when at least MinBytes of it show.
func (s *Stream[T]) Close() {
	s.process(true)
}

func (s *Stream[T]) process(final bool) {
	var r *Redactor
	if s.src != nil {
		r = s.src.Redactor()
	}
	if r.empty() {
		s.release(len(s.pending))
		return
	}
	// The held lines as one text, each line followed by "\n".
	var b strings.Builder
	starts := make([]int, len(s.pending))
	for i, l := range s.pending {
		starts[i] = b.Len()
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	text := b.String()
	full, parts := r.scan(text)
	for _, sp := range full {
		s.mask(starts, sp)
	}
	hold := len(s.pending)
	earliest := len(text)
	for _, p := range parts {
		if final {
			if p.matched >= MinBytes {
				s.mask(starts, span{p.start, len(text)})
			}
			continue
		}
		earliest = min(earliest, p.start)
		hold = min(hold, lineAt(starts, p.start))
	}
	if final {
		hold = len(s.pending)
	}
	if hold == 0 && s.size > MaxHeld {
		// Too much held: the oldest line goes out, masked from where the
		// possible value begins.
		s.mask(starts, span{earliest, starts[0] + len(s.pending[0].text)})
		hold = 1
	}
	s.release(hold)
}

// mask records sp (in text offsets) on the lines it covers.
func (s *Stream[T]) mask(starts []int, sp span) {
	for i := lineAt(starts, sp.start); i < len(s.pending) && starts[i] < sp.end; i++ {
		l := &s.pending[i]
		from := max(sp.start-starts[i], 0)
		to := min(sp.end-starts[i], len(l.text))
		if from < to {
			l.masks = append(l.masks, span{from, to})
		}
	}
}

// release emits the first n held lines.
func (s *Stream[T]) release(n int) {
	for _, l := range s.pending[:n] {
		s.size -= len(l.text) + 1
		s.emit(apply(l.text, l.masks), l.meta)
	}
	s.pending = append(s.pending[:0], s.pending[n:]...)
}

// lineAt returns the index of the line that holds text offset off.
func lineAt(starts []int, off int) int {
	i := len(starts) - 1
	for i > 0 && starts[i] > off {
		i--
	}
	return i
}
