package sqlstore

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
		u             usage
		before, after quotaState
		want          *store.LimitError
	}{
		{"fits", q, usage{TotalBytes: 50, EnvBytes: 20}, quotaState{10, true}, quotaState{30, true}, nil},
		{"total over", q, usage{TotalBytes: 50}, quotaState{10, false}, quotaState{51, false}, &store.LimitError{Limit: store.LimitTotalBytes, Max: 100, Would: 101}},
		{"env over by adding a target", q, usage{EnvBytes: 40}, quotaState{11, false}, quotaState{11, true}, &store.LimitError{Limit: store.LimitEnvBytes, Max: 50, Would: 51}},
		{"already over, shrinking", q, usage{TotalBytes: 200, EnvBytes: 200}, quotaState{10, true}, quotaState{5, true}, nil},
		{"already over, unchanged", q, usage{TotalBytes: 200, EnvBytes: 200}, quotaState{10, true}, quotaState{10, true}, nil},
		{"already over, growing", q, usage{TotalBytes: 200}, quotaState{10, false}, quotaState{11, false}, &store.LimitError{Limit: store.LimitTotalBytes, Max: 100, Would: 211}},
		{"count is not checked", q, usage{Count: 5}, quotaState{1, false}, quotaState{1, false}, nil},
		{"no bounds", store.Quota{}, usage{TotalBytes: 1 << 30, EnvBytes: 1 << 30}, quotaState{0, false}, quotaState{1 << 20, true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLimit(t, checkUpdate(tt.q, tt.u, tt.before, tt.after), tt.want)
		})
	}
}

func TestCheckInsert(t *testing.T) {
	q := store.Quota{MaxSecrets: 2, MaxTotalBytes: 100, MaxEnvBytes: 50}
	tests := []struct {
		name   string
		u      usage
		size   int
		hasEnv bool
		want   *store.LimitError
	}{
		{"fits", usage{Count: 1, TotalBytes: 50, EnvBytes: 30}, 20, true, nil},
		{"count", usage{Count: 2}, 1, false, &store.LimitError{Limit: store.LimitSecrets, Max: 2, Would: 3}},
		{"total", usage{Count: 1, TotalBytes: 90}, 11, false, &store.LimitError{Limit: store.LimitTotalBytes, Max: 100, Would: 101}},
		{"env", usage{Count: 1, TotalBytes: 40, EnvBytes: 40}, 11, true, &store.LimitError{Limit: store.LimitEnvBytes, Max: 50, Would: 51}},
		{"env ignores untargeted", usage{Count: 1, TotalBytes: 40, EnvBytes: 40}, 11, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLimit(t, checkInsert(q, tt.u, tt.size, tt.hasEnv), tt.want)
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
		{"create bare", createFields(store.Secret{Name: "n"}), []string{"value"}},
		{"create all", createFields(store.Secret{Description: "d", EnvName: "E", FilePath: "/f"}), []string{"value", "description", "env_name", "file_path"}},
		{"update nothing", updateFields(store.UpdateSecretParams{}), nil},
		{"update env cleared", updateFields(store.UpdateSecretParams{EnvName: new(string)}), []string{"env_name"}},
		{"update value and file", updateFields(store.UpdateSecretParams{Ciphertext: []byte("c"), FilePath: &s}), []string{"value", "file_path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
