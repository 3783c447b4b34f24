package provisioner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
	"github.com/usersecrets/coder/server/store"
)

func outputs(logs []store.BuildLog) []string {
	var out []string
	for _, l := range logs {
		out = append(out, l.Stage+": "+l.Output)
	}
	return out
}

func TestLogWriter(t *testing.T) {
	t.Parallel()
	const value = "hunter2-correct-horse"
	j := &job{p: &Provisioner{}, redactor: redact.New([]sdk.SecretValue{sdk.SecretValue(value)})}
	// Keep the batch under the flush size: the job has no store.
	w := j.newLogWriter("plan")
	for _, chunk := range []string{"one\r\n", "tw", "o " + value + "\n", "\n", "three"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	tail := w.close()
	want := []string{"plan: one", "plan: two ********", "plan: ", "plan: three"}
	if diff := cmp.Diff(want, outputs(j.logs)); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"one", "two ********", "three"}, tail); diff != "" {
		t.Errorf("tail (-want +got):\n%s", diff)
	}
}

func TestLogWriterDropsLockNotesOfInit(t *testing.T) {
	t.Parallel()
	j := &job{p: &Provisioner{}, redactor: redact.New(nil)}
	w := j.newLogWriter("init")
	fmt.Fprint(w, strings.Join([]string{
		"Initializing provider plugins...",
		"Terraform has created a lock file .terraform.lock.hcl to record the provider",
		"selections it made above. Include this file in your version control repository",
		"so that Terraform can guarantee to make the same selections by default when",
		"you run \"terraform init\" in the future.",
		"",
		"Terraform has been successfully initialized!",
	}, "\n")+"\n")
	w.close()
	want := []string{"init: Initializing provider plugins...", "init: Terraform has been successfully initialized!"}
	if diff := cmp.Diff(want, outputs(j.logs)); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

// TestLogWriterStreamsMaskedApart: a value Terraform wraps over two lines
// of stderr is masked although a line of stdout came between them (each
// stream is written from its own goroutine).
func TestLogWriterStreamsMaskedApart(t *testing.T) {
	t.Parallel()
	const value = "alpha-one bravo-two charlie-three delta-four"
	j := &job{p: &Provisioner{}, redactor: redact.New([]sdk.SecretValue{sdk.SecretValue(value)})}
	w := j.newLogWriter("plan")
	fmt.Fprint(w.Stderr(), "Error: cannot convert \"alpha-one bravo-two\n")
	fmt.Fprint(w, "data.coder_workspace.me: Reading...\n")
	fmt.Fprint(w.Stderr(), "charlie-three delta-four\" to number\n")
	fmt.Fprint(w, "data.coder_workspace.me: Read complete\n")
	w.close()
	got := strings.Join(outputs(j.logs), "\n")
	for _, word := range strings.Fields(value) {
		if strings.Contains(got, word) {
			t.Errorf("word %q of the value is in the log:\n%s", word, got)
		}
	}
	for _, want := range []string{"Reading...", "Read complete", "to number", "Error: cannot convert"} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lost %q:\n%s", want, got)
		}
	}
}
