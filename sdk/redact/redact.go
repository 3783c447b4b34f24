// Package redact masks secret values in text that leaves a trusted place:
// build logs, the build's error, script logs. It is the one definition of
// what is masked, used by the server's provisioner, the server's agent log
// endpoint and the agent.
//
// The rules:
//
//   - A value is masked only if it holds at least MinBytes bytes once its
//     leading and trailing white space is trimmed. Masking shorter values
//     would blank out ordinary words and characters of every log line (a
//     one-character value would mask that character everywhere), so short
//     values are instead kept away from the places that print text: the
//     provisioner does not hand them to Terraform (see Maskable).
//   - Any run of white space in a value matches any run of white space in
//     the text of up to 256 bytes and two line breaks (more when the value
//     itself holds a longer run: a value as it is always matches), including a line
//     break followed by indentation or by the "│" of a Terraform diagnostic
//     box: Terraform word-wraps long error messages, and a quoted value then
//     spans lines. A "|" after a line break is also tried as a character of
//     the text, so a value that holds or starts with one still matches.
//   - A value also matches where the text holds it quoted with backslash
//     escapes, as JSON, Go or Terraform print strings (\" \\ \n \t \u00e9
//     \U0001F600 \a ...), also quoted twice (JSON in a JSON string).
//   - Each line of a multi-line value that is itself at least MinBytes long
//     is masked on its own, since programs print such values line by line
//     with a prefix (Terraform's local-exec does).
//
// Masking is over the whole text, not line by line: String masks a whole
// message, and a Stream masks lines as they come, holding back a line while
// a value may be continuing on the next one.
package redact

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/usersecrets/coder/sdk"
)

// MinBytes is the shortest value (in bytes, without leading and trailing
// white space) that is masked.
const MinBytes = 6

// Maskable reports whether v is long enough to be masked. A value that is
// not must never be given to a program whose output is logged.
func Maskable(v string) bool { return len(strings.TrimSpace(v)) >= MinBytes }

// Redactor masks a fixed set of values. It is safe for concurrent use; the
// nil Redactor masks nothing.
type Redactor struct {
	needles [][]rune
	ac      *automaton
	// gapBytes and gapBreaks bound a run of white space that may stand
	// for one in a value: maxGapBytes and maxGapBreaks, or more when a
	// value itself holds a longer run (a value as it is always matches).
	gapBytes, gapBreaks int
}

// Source gives the Redactor to use now; a Stream asks it for every line,
// so a Source that learns new values (the agent's) masks them from then on.
type Source interface {
	Redactor() *Redactor
}

// Redactor implements Source.
func (r *Redactor) Redactor() *Redactor { return r }

// New returns a Redactor for values. Values shorter than MinBytes are left
// out (see the package documentation).
func New(values []sdk.SecretValue) *Redactor {
	r := &Redactor{gapBytes: maxGapBytes, gapBreaks: maxGapBreaks}
	seen := map[string]bool{}
	add := func(s string) {
		if !Maskable(s) {
			return
		}
		gapBytes, gapBreaks := widestGap(strings.TrimSpace(s))
		r.gapBytes, r.gapBreaks = max(r.gapBytes, gapBytes), max(r.gapBreaks, gapBreaks)
		n := canonical(s)
		key := string(n)
		if seen[key] {
			return
		}
		seen[key] = true
		r.needles = append(r.needles, n)
	}
	for _, v := range values {
		s := v.Reveal()
		add(s)
		if strings.ContainsAny(s, "\r\n") {
			for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
				add(line)
			}
		}
	}
	r.ac = newAutomaton(r.needles)
	return r
}

// empty reports whether r masks nothing.
func (r *Redactor) empty() bool { return r == nil || len(r.needles) == 0 }

// String returns s with every value masked; a value that spans lines of s
// is masked as one, line breaks included.
func (r *Redactor) String(s string) string {
	if r.empty() {
		return s
	}
	full, _ := r.scan(s)
	return apply(s, full)
}

// span is a byte range of the text.
type span struct{ start, end int }

// partial is the start of a value at the end of the text: it may go on in
// text not seen yet. matched is how many bytes of the text it covers.
type partial struct{ start, matched int }

// unit is one character of a view of the text, with the bytes of the text
// it stands for: a character, an escape sequence, or a run of white space
// (r is ' ').
type unit struct {
	r          rune
	start, end int
}

// scan finds the values in text: each whole one, and each start of a value
// that runs to the end of text.
func (r *Redactor) scan(text string) ([]span, []partial) {
	raw := rawUnits(text)
	full, parts := r.scanView(raw)
	if joints := provisionerJoints(text, true); joints != nil {
		units, cut := joinedUnits(text, joints)
		f, p := r.scanView(units)
		for _, sp := range f {
			full = append(full, cutJoints(sp, joints)...)
		}
		for _, pt := range p {
			pt.matched -= jointBytes(span{pt.start, pt.start + pt.matched}, joints)
			parts = append(parts, pt)
		}
		if cut != nil {
			parts = append(parts, *cut)
		}
	}
	return full, parts
}

// scanView finds the values in one view of the text.
func (r *Redactor) scanView(view []unit) ([]span, []partial) {
	var full []span
	var parts []partial
	for level := 0; ; level++ {
		// A "|" after a line break is read both ways: as the border of a
		// Terraform diagnostic (part of the gap) and as a character of
		// the text (a value may hold one, or start with one).
		for _, bars := range []bool{true, false} {
			c, swallowed := collapse(view, r.gapBytes, r.gapBreaks, bars)
			f, at := r.ac.find(c)
			full = append(full, f...)
			if at >= 0 {
				last := len(c) - 1
				if c[last].r == ' ' && last > at {
					last-- // a value starts with no gap, so it ends with none
				}
				parts = append(parts, partial{c[at].start, c[last].end - c[at].start})
			}
			if !swallowed {
				break
			}
		}
		// Text quoted once or twice (JSON in a JSON string) is decoded;
		// deeper quoting is not looked at.
		if level == 2 {
			break
		}
		next, changed := decode(view)
		if !changed {
			break
		}
		view = next
	}
	return full, parts
}

// Terraform reads the output of a provisioner's command (local-exec,
// remote-exec) byte by byte and prints what it has read as a line of its
// own, "<address> (local-exec): <text>", whenever no byte has come for
// 100 ms: a command that writes a line in two parts, or a busy machine,
// splits one line of the command's output anywhere, in a value too. So the
// text is also read with each such continuation joined to the line before
// it: a line break followed by the same prefix as the line before stands
// for nothing (a joint). Masks found in that view leave the joints out.
var provisionerMarks = []string{" (local-exec): ", " (remote-exec): "}

// provisionerPrefix returns the "<address> (local-exec): " that begins
// line, indentation included, or "".
func provisionerPrefix(line string) string {
	end := -1
	for _, m := range provisionerMarks {
		if i := strings.Index(line, m); i > 0 && (end < 0 || i+len(m) < end) {
			end = i + len(m)
		}
	}
	if end < 0 {
		return ""
	}
	return line[:end]
}

// provisionerJoints returns the joints of text in order: each line break
// before a line with the same provisioner prefix as the line before it,
// with that prefix. With open, the line break that ends text after a
// provisioner's line is a joint too (the next line may go on with it).
func provisionerJoints(text string, open bool) []span {
	var joints []span
	prev := ""
	for start := 0; start < len(text); {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		p := provisionerPrefix(text[start:end])
		if p != "" && p == prev {
			joints = append(joints, span{start - 1, start + len(p)})
		}
		if open && p != "" && end == len(text)-1 {
			joints = append(joints, span{end, end + 1})
		}
		prev = p
		start = end + 1
	}
	return joints
}

// joinedUnits is the text character by character with the joints left
// out. Characters are read across a joint: Terraform cuts between bytes,
// so a joint may fall inside a character. A character whose first bytes
// end the text is left out and returned as the partial it may begin (at
// the end of a Stream's text the next line may bring the rest).
func joinedUnits(text string, joints []span) ([]unit, *partial) {
	buf := make([]byte, 0, len(text))
	pos := make([]int, 0, len(text)) // the offset in text of each byte of buf
	prev := 0
	for _, j := range joints {
		for i := prev; i < j.start; i++ {
			buf, pos = append(buf, text[i]), append(pos, i)
		}
		prev = j.end
	}
	for i := prev; i < len(text); i++ {
		buf, pos = append(buf, text[i]), append(pos, i)
	}
	out := make([]unit, 0, len(buf))
	for i := 0; i < len(buf); {
		if !utf8.FullRune(buf[i:]) {
			return out, &partial{pos[i], len(buf) - i}
		}
		c, size := utf8.DecodeRune(buf[i:])
		if c == utf8.RuneError && size == 1 {
			c = -1
		}
		out = append(out, unit{c, pos[i], pos[i+size-1] + 1})
		i += size
	}
	return out, nil
}

// cutJoints returns sp without the joints in it.
func cutJoints(sp span, joints []span) []span {
	var out []span
	for _, j := range joints {
		if j.end <= sp.start || j.start >= sp.end {
			continue
		}
		if j.start > sp.start {
			out = append(out, span{sp.start, j.start})
		}
		sp.start = j.end
	}
	if sp.start < sp.end {
		out = append(out, sp)
	}
	return out
}

// jointBytes returns how many bytes of sp the joints take.
func jointBytes(sp span, joints []span) int {
	n := 0
	for _, j := range joints {
		if lo, hi := max(sp.start, j.start), min(sp.end, j.end); lo < hi {
			n += hi - lo
		}
	}
	return n
}

// JoinProvisionerOutput returns text with each line of a provisioner's
// output that Terraform split (see provisionerMarks) joined to the line
// before it: what the provisioner's command printed, as masking reads it.
// Lines of one command's output cannot be told from the parts of one line,
// so real line breaks in it are joined too.
func JoinProvisionerOutput(text string) string {
	joints := provisionerJoints(text, false)
	if joints == nil {
		return text
	}
	var b strings.Builder
	prev := 0
	for _, j := range joints {
		b.WriteString(text[prev:j.start])
		prev = j.end
	}
	b.WriteString(text[prev:])
	return b.String()
}

// canonical is how a value is compared: its characters, every run of white
// space as one ' ', without leading or trailing white space.
func canonical(s string) []rune {
	var out []rune
	gap := false
	for _, c := range strings.TrimSpace(s) {
		if unicode.IsSpace(c) {
			gap = true
			continue
		}
		if gap {
			out = append(out, ' ')
			gap = false
		}
		out = append(out, c)
	}
	return out
}

// rawUnits is the text character by character. An invalid byte is a unit
// of its own that matches no value character.
func rawUnits(s string) []unit {
	out := make([]unit, 0, len(s))
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			c = -1
		}
		out = append(out, unit{c, i, i + size})
		i += size
	}
	return out
}

// A run of white space longer than maxGapBytes, or with more than
// maxGapBreaks line breaks, is not where a value went on: no wrap makes one.
// (Without the bound, the first word of a value followed by blank lines
// would hold back every line after it.)
const (
	maxGapBytes  = 256
	maxGapBreaks = 2
)

// collapse turns every run of white space into one ' ' unit. With bars,
// after a line break the run also takes in the "│" or "|" that Terraform
// draws at the start of each line of a diagnostic; swallowed says whether
// it took any. A run past the bounds above becomes two ' ' units, which no
// value matches.
func collapse(us []unit, gapBytes, gapBreaks int, bars bool) (out []unit, swallowed bool) {
	out = make([]unit, 0, len(us))
	for i := 0; i < len(us); {
		if !unicode.IsSpace(us[i].r) {
			out = append(out, us[i])
			i++
			continue
		}
		start, newline, breaks := i, false, 0
		for i < len(us) {
			c := us[i].r
			if c == '\n' || c == '\r' {
				newline = true
				if c == '\n' {
					breaks++
				}
			} else if !unicode.IsSpace(c) {
				if !bars || !newline || (c != '│' && c != '|') {
					break
				}
				swallowed = true
			}
			i++
		}
		first, last := us[start], us[i-1]
		if breaks > gapBreaks || last.end-first.start > gapBytes {
			out = append(out, unit{' ', first.start, first.end}, unit{' ', us[start+1].start, last.end})
			continue
		}
		out = append(out, unit{' ', first.start, last.end})
	}
	return out, swallowed
}

// widestGap returns the most bytes and the most line breaks of a run of
// white space in s.
func widestGap(s string) (bytes, breaks int) {
	runBytes, runBreaks := 0, 0
	for _, c := range s {
		if !unicode.IsSpace(c) {
			runBytes, runBreaks = 0, 0
			continue
		}
		runBytes += utf8.RuneLen(c)
		if c == '\n' {
			runBreaks++
		}
		bytes, breaks = max(bytes, runBytes), max(breaks, runBreaks)
	}
	return bytes, breaks
}

var simpleEscapes = map[rune]rune{
	'"': '"', '\\': '\\', '/': '/', '\'': '\'',
	'n': '\n', 'r': '\r', 't': '\t', 'a': '\a', 'b': '\b', 'f': '\f', 'v': '\v',
}

// decode reads backslash escapes: each escape sequence becomes one unit of
// the character it stands for. changed says the text held an escape.
func decode(us []unit) ([]unit, bool) {
	out := make([]unit, 0, len(us))
	changed := false
	for i := 0; i < len(us); {
		if us[i].r != '\\' || i+1 == len(us) {
			out = append(out, us[i])
			i++
			continue
		}
		next := us[i+1].r
		if c, ok := simpleEscapes[next]; ok {
			out = append(out, unit{c, us[i].start, us[i+1].end})
			i += 2
			changed = true
			continue
		}
		digits := map[rune]int{'x': 2, 'u': 4, 'U': 8}[next]
		c, ok := hexAt(us, i+2, digits)
		if digits == 0 || !ok {
			out = append(out, us[i])
			i++
			continue
		}
		end := i + 2 + digits
		// A UTF-16 surrogate pair, as JSON writes characters above U+FFFF.
		if next == 'u' && c >= 0xD800 && c < 0xDC00 && end+1 < len(us) && us[end].r == '\\' && us[end+1].r == 'u' {
			if lo, ok := hexAt(us, end+2, 4); ok && lo >= 0xDC00 && lo < 0xE000 {
				c = 0x10000 + (c-0xD800)<<10 + (lo - 0xDC00)
				end += 6
			}
		}
		if next == 'x' && c >= 0x80 {
			// \x escapes above 0x7f are bytes of an invalid string: no value
			// holds them.
			c = -1
		}
		out = append(out, unit{c, us[i].start, us[end-1].end})
		i = end
		changed = true
	}
	return out, changed
}

// hexAt reads n hex digits at us[i:].
func hexAt(us []unit, i, n int) (rune, bool) {
	if n == 0 || i+n > len(us) {
		return 0, false
	}
	var v rune
	for _, u := range us[i : i+n] {
		var d rune
		switch c := u.r; {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | d
	}
	return v, true
}

// merge sorts spans and joins the overlapping ones (touching spans stay
// apart: two values side by side show as two masks).
func merge(spans []span) []span {
	if len(spans) < 2 {
		return spans
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	out := spans[:1]
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.start < last.end {
			last.end = max(last.end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// apply replaces each span of s with sdk.Redacted.
func apply(s string, spans []span) string {
	spans = merge(spans)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	prev := 0
	for _, sp := range spans {
		b.WriteString(s[prev:sp.start])
		b.WriteString(sdk.Redacted)
		prev = sp.end
	}
	b.WriteString(s[prev:])
	return b.String()
}
