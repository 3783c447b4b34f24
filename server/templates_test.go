package server_test

import (
	"archive/tar"
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

func tarWith(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tarFilesServer makes an archive of regular files holding "# x".
func tarFilesServer(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: 4}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte("# x\n")); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTemplatePushRefusesBadArchives checks the upload's limits and path
// rules, and that only admins push.
func TestTemplatePushRefusesBadArchives(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{})
	ctx := context.Background()
	cases := []struct {
		name    string
		archive []byte
		status  int
		want    string
	}{
		{"escaping path", tarWith(t, "../outside.tf", []byte("x")), 400, "escapes the template folder"},
		{"absolute path", tarWith(t, "/etc/cron.d/x", []byte("x")), 400, "absolute path"},
		{"not a tar", []byte("garbage"), 400, "not a valid tar"},
		{"too large", tarWith(t, "big.tf", bytes.Repeat([]byte("#"), sdk.MaxTemplateArchiveBytes)), 413, "too large"},
		{"bad HCL", tarWith(t, "main.tf", []byte(`data "coder_secret" {`)), 400, "main.tf"},
		// Issue 19: these crashed the whole server (stack overflow) or were
		// accepted and failed only at build time.
		{"HCL nested 100,000 deep", tarWith(t, "main.tf", []byte("x = "+strings.Repeat("[", 100_000)+"\n")), 400, "nest deeper than"},
		{"JSON nested 500,000 deep", tarWith(t, "main.tf.json", []byte(strings.Repeat("[", 500_000)+strings.Repeat("]", 500_000))), 400, "nest deeper than"},
		{"JSON nested a million deep", tarWith(t, "main.tf.json", []byte(strings.Repeat("[", 1_000_000)+strings.Repeat("]", 1_000_000))), 400, "at most"},
		{"file and folder clash", tarFilesServer(t, "main.tf", "x", "x/y"), 400, `"x" is a file`},
		{"bad requirement", tarWith(t, "main.tf", []byte("data \"coder_secret\" \"x\" {\n  env = \"PATH\"\n  help_message = \"h\"\n}\n")), 400, "reserved"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Admin.PushTemplate(ctx, "tmpl", tc.archive)
			if sdk.StatusCode(err) != tc.status || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %d mentioning %q", err, tc.status, tc.want)
			}
			// The server is still up.
			if _, err := s.Admin.BuildInfo(ctx); err != nil {
				t.Fatalf("after the push: got %v, want the server still answering", err)
			}
		})
	}
	if ts, err := s.Admin.Templates(ctx); err != nil || len(ts) != 0 {
		t.Fatalf("templates after refused pushes: %d, %v", len(ts), err)
	}
	member := s.NewMember(t, "mia")
	if _, err := member.PushTemplate(ctx, "tmpl", tarWith(t, "main.tf", []byte("# ok\n"))); sdk.StatusCode(err) != http.StatusForbidden {
		t.Fatalf("member push: got %v, want 403", err)
	}
	tmpl, err := s.Admin.PushTemplate(ctx, "tmpl", tarWith(t, "main.tf", []byte("# ok\n")))
	if err != nil || tmpl.ActiveVersion != 1 {
		t.Fatalf("valid push: %+v, %v", tmpl, err)
	}
	tmpl, err = s.Admin.PushTemplate(ctx, "tmpl", tarWith(t, "main.tf", []byte("# ok again\n")))
	if err != nil || tmpl.ActiveVersion != 2 {
		t.Fatalf("second push: %+v, %v; want version 2", tmpl, err)
	}
	// Without terraform, creating a workspace says what to do.
	_, err = member.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "w", Template: "tmpl"})
	if sdk.StatusCode(err) != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "make terraform") {
		t.Fatalf("create without terraform: got %v, want 503 naming make terraform", err)
	}
}
