//go:build unix

package agent

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScriptCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script string
		want         []string
	}{
		{"plain", "echo hi", []string{"/bin/sh", "/f"}},
		{"bash", "#!/bin/bash\necho hi", []string{"/bin/bash", "/f"}},
		{"env with arg", "#!/usr/bin/env python3\nprint(1)", []string{"/usr/bin/env", "python3", "/f"}},
		{"one argument as linux does", "#! /bin/bash -e -u \r\n", []string{"/bin/bash", "-e -u", "/f"}},
		{"empty shebang", "#!\necho", []string{"/bin/sh", "/f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name, args := scriptCommand("/f", tt.script)
			if diff := cmp.Diff(tt.want, append([]string{name}, args...)); diff != "" {
				t.Errorf("scriptCommand: got -want +got:\n%s", diff)
			}
		})
	}
}
