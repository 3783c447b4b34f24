package secretwrite

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/server/store"
)

func TestCheckUpdate(t *testing.T) {
	q := store.Quota{MaxSecrets: 1, MaxTotalBytes: 100, MaxEnvBytes: 50}
	tests := []struct {
		name          string
		q             store.Quota
		u             Usage
		before, after State
		want          *store.LimitError
	}{
		{"fits", q, Usage{TotalBytes: 50, EnvBytes: 20}, State{10, true}, State{30, true}, nil},
		{"total over", q, Usage{TotalBytes: 50}, State{10, false}, State{51, false}, &store.LimitError{Limit: store.LimitTotalBytes, Max: 100, Would: 101}},
		{"env over by adding a target", q, Usage{EnvBytes: 40}, State{11, false}, State{11, true}, &store.LimitError{Limit: store.LimitEnvBytes, Max: 50, Would: 51}},
		{"already over, shrinking", q, Usage{TotalBytes: 200, EnvBytes: 200}, State{10, true}, State{5, true}, nil},
		{"already over, unchanged", q, Usage{TotalBytes: 200, EnvBytes: 200}, State{10, true}, State{10, true}, nil},
		{"already over, growing", q, Usage{TotalBytes: 200}, State{10, false}, State{11, false}, &store.LimitError{Limit: store.LimitTotalBytes, Max: 100, Would: 211}},
		{"count is not checked", q, Usage{Count: 5}, State{1, false}, State{1, false}, nil},
		{"no bounds", store.Quota{}, Usage{TotalBytes: 1 << 30, EnvBytes: 1 << 30}, State{0, false}, State{1 << 20, true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLimit(t, CheckUpdate(tt.q, tt.u, tt.before, tt.after), tt.want)
		})
	}
}

func TestCheckInsert(t *testing.T) {
	q := store.Quota{MaxSecrets: 2, MaxTotalBytes: 100, MaxEnvBytes: 50}
	tests := []struct {
		name   string
		u      Usage
		size   int
		hasEnv bool
		want   *store.LimitError
	}{
		{"fits", Usage{Count: 1, TotalBytes: 50, EnvBytes: 30}, 20, true, nil},
		{"count", Usage{Count: 2}, 1, false, &store.LimitError{Limit: store.LimitSecrets, Max: 2, Would: 3}},
		{"total", Usage{Count: 1, TotalBytes: 90}, 11, false, &store.LimitError{Limit: store.LimitTotalBytes, Max: 100, Would: 101}},
		{"env", Usage{Count: 1, TotalBytes: 40, EnvBytes: 40}, 11, true, &store.LimitError{Limit: store.LimitEnvBytes, Max: 50, Would: 51}},
		{"env ignores untargeted", Usage{Count: 1, TotalBytes: 40, EnvBytes: 40}, 11, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLimit(t, CheckInsert(q, tt.u, tt.size, tt.hasEnv), tt.want)
		})
	}
}

func checkLimit(t *testing.T, err error, want *store.LimitError) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		return
	}
	le, ok := err.(*store.LimitError)
	if !ok {
		t.Fatalf("got %v, want %v", err, want)
	}
	if diff := cmp.Diff(want, le); diff != "" {
		t.Errorf("limit mismatch (-want +got):\n%s", diff)
	}
}

func TestFields(t *testing.T) {
	s := "x"
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"create bare", CreateFields(store.Secret{Name: "n"}), []string{"value"}},
		{"create all", CreateFields(store.Secret{Description: "d", EnvName: "E", FilePath: "/f"}), []string{"value", "description", "env_name", "file_path"}},
		{"update nothing", UpdateFields(store.UpdateSecretParams{}), nil},
		{"update env cleared", UpdateFields(store.UpdateSecretParams{EnvName: new(string)}), []string{"env_name"}},
		{"update value and file", UpdateFields(store.UpdateSecretParams{Ciphertext: []byte("c"), FilePath: &s}), []string{"value", "file_path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
