package placement_test

import (
	"reflect"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
)

func TestMergeBuildSecretsBeatUserSecretsPerTarget(t *testing.T) {
	t.Parallel()
	user := []placement.Candidate{
		{Name: "both", Enabled: true, EnvName: "TOKEN", FilePath: "~/.config/tool/token", Value: "user-both"},
		{Name: "envonly", Enabled: true, EnvName: "OTHER", Value: "user-other"},
		{Name: "file-dotted", Enabled: true, FilePath: "~/a/./b/../key", Value: "user-key"},
		{Name: "untouched", Enabled: true, EnvName: "KEEP", Value: "user-keep"},
		{Name: "disabled", Enabled: false, EnvName: "TOKEN", Value: "user-off"},
	}
	build := []placement.Candidate{
		{Name: "tok", Enabled: true, EnvName: "TOKEN", Value: "build-tok"},
		{Name: "key", Enabled: true, FilePath: "~/a/key", Value: "build-key"},
		{Name: "other", Enabled: true, EnvName: "other", Value: "build-other"}, // env names compare exactly
	}
	d := placement.Merge(placement.Policy{}, "", user, build)
	want := []sdk.WorkspaceSecret{
		{Name: "both", FilePath: "~/.config/tool/token", Value: "user-both", Source: "user"},
		{Name: "envonly", EnvName: "OTHER", Value: "user-other", Source: "user"},
		{Name: "untouched", EnvName: "KEEP", Value: "user-keep", Source: "user"},
		{Name: "key", FilePath: "~/a/key", Value: "build-key", Source: "build"},
		{Name: "other", EnvName: "other", Value: "build-other", Source: "build"},
		{Name: "tok", EnvName: "TOKEN", Value: "build-tok", Source: "build"},
	}
	if !reflect.DeepEqual(d.Secrets, want) {
		t.Errorf("Secrets:\n got %+v\nwant %+v", d.Secrets, want)
	}
	wantRepl := []placement.Replacement{
		{Build: "key", User: "file-dotted", Target: "file", FilePath: "~/a/./b/../key"},
		{Build: "tok", User: "both", Target: "env", EnvName: "TOKEN"},
	}
	if !reflect.DeepEqual(d.Replaced, wantRepl) {
		t.Errorf("Replaced:\n got %+v\nwant %+v", d.Replaced, wantRepl)
	}
}

func TestMergeFileDeliveryDisabled(t *testing.T) {
	t.Parallel()
	user := []placement.Candidate{
		{Name: "dual", Enabled: true, EnvName: "DUAL", FilePath: "~/dual", Value: "v1"},
		{Name: "fileonly", Enabled: true, FilePath: "~/f", Value: "v2"},
	}
	build := []placement.Candidate{
		// Its file target is not delivered, so it replaces nothing.
		{Name: "bfile", Enabled: true, FilePath: "~/dual", Value: "v3"},
	}
	d := placement.Merge(placement.Policy{FileDeliveryDisabled: true}, "", user, build)
	want := []sdk.WorkspaceSecret{{Name: "dual", EnvName: "DUAL", Value: "v1", Source: "user"}}
	if !reflect.DeepEqual(d.Secrets, want) || len(d.Replaced) != 0 {
		t.Errorf("got %+v, %+v; want %+v and no replacement", d.Secrets, d.Replaced, want)
	}
}
