package secretimport

import "strings"

// readDotenv reads a .env file:
//
//   - blank lines and lines whose first non-blank character is # are skipped;
//   - a line may start with "export " (the shell's syntax);
//   - the first "=" splits the key from the value; blanks around the key and
//     before the value are dropped;
//   - an unquoted value runs to the end of the line, trailing blanks dropped;
//     a # in it is part of the value;
//   - a value in double quotes may hold \n, \t, \r, \\ and \" (any other
//     backslash stays as it is) and may span lines;
//   - a value in single quotes is taken literally and may span lines;
//   - after a closing quote only blanks and a # comment may follow.
//
// CRLF line ends are read as LF. The byte order mark is already gone.
func readDotenv(text string, p *problems) []entry {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	var out []entry
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := strings.TrimLeft(lines[i], " \t")
		if line == "" || line[0] == '#' {
			continue
		}
		if rest, ok := cutExport(line); ok {
			line = rest
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			p.add(lineNo, "expected KEY=VALUE")
			continue
		}
		key := strings.TrimRight(line[:eq], " \t")
		if key == "" {
			p.add(lineNo, "the key before = is empty")
			continue
		}
		rest := strings.TrimLeft(line[eq+1:], " \t")
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			out = append(out, entry{line: lineNo, key: key, value: strings.TrimRight(rest, " \t")})
			continue
		}
		quote := rest[0]
		// The quoted value may go on over the next lines.
		body := rest[1:]
		var value strings.Builder
		closed, after := false, ""
		for {
			if tail, ok := scanQuoted(body, quote, &value); ok {
				closed, after = true, tail
				break
			}
			if i+1 >= len(lines) {
				break
			}
			value.WriteByte('\n')
			i++
			body = lines[i]
		}
		if !closed {
			p.add(lineNo, "key %q: the value's %c quote is never closed", key, quote)
			return out
		}
		if tail := strings.TrimLeft(after, " \t"); tail != "" && tail[0] != '#' {
			p.add(i+1, "key %q: unexpected text after the closing quote (a comment starts with #)", key)
			continue
		}
		out = append(out, entry{line: lineNo, key: key, value: value.String()})
	}
	return out
}

// cutExport drops a leading "export" keyword followed by blanks.
func cutExport(line string) (string, bool) {
	const kw = "export"
	if len(line) > len(kw) && line[:len(kw)] == kw && (line[len(kw)] == ' ' || line[len(kw)] == '\t') {
		return strings.TrimLeft(line[len(kw):], " \t"), true
	}
	return line, false
}

// scanQuoted reads s up to the closing quote into value, decoding escapes
// in double quotes. It returns what follows the quote, or ok false when s
// ends before it (value then holds all of s).
func scanQuoted(s string, quote byte, value *strings.Builder) (string, bool) {
	for j := 0; j < len(s); j++ {
		c := s[j]
		switch {
		case c == quote:
			return s[j+1:], true
		case c == '\\' && quote == '"' && j+1 < len(s):
			switch s[j+1] {
			case 'n':
				value.WriteByte('\n')
			case 't':
				value.WriteByte('\t')
			case 'r':
				value.WriteByte('\r')
			case '\\':
				value.WriteByte('\\')
			case '"':
				value.WriteByte('"')
			default:
				value.WriteByte('\\')
				value.WriteByte(s[j+1])
			}
			j++
		default:
			value.WriteByte(c)
		}
	}
	return "", false
}
