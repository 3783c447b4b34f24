package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// checkOutput refuses an --output format the command does not have.
func checkOutput(got string, formats ...string) error {
	if slices.Contains(formats, got) {
		return nil
	}
	return fmt.Errorf("unknown output format %q: use %s", got, strings.Join(formats, " or "))
}

// writeJSON writes v as indented JSON, the -o json of every command.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
