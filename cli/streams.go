package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// streams are the standard streams of one command line: every run function
// reads and writes through them, never through os.Stdin and friends, so
// that tests can run it in process.
type streams struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
}

// streamsOf returns the streams cobra gives the command (the process's,
// unless Run was given others).
func streamsOf(cmd *cobra.Command) streams {
	return streams{in: cmd.InOrStdin(), out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr()}
}

// isTerminal reports whether stdin is a terminal: the CLI only asks
// questions there (-y skips them).
func (s streams) isTerminal() bool {
	f, ok := s.in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// confirm asks a yes/no question on stderr and reads the answer from stdin,
// one byte at a time so that nothing past the answer's line is consumed.
func (s streams) confirm(question string) bool {
	fmt.Fprintf(s.errOut, "%s [y/N] ", question)
	var line string
	buf := make([]byte, 1)
	for {
		n, err := s.in.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			line += string(buf[0])
		}
		if err != nil {
			break
		}
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}
