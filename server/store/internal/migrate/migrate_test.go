package migrate

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{
			name: "gap in the numbers",
			files: fstest.MapFS{
				"m/0002_b.up.sql": {Data: []byte("B")},
				"m/0001_a.up.sql": {Data: []byte("A")},
				"m/0010_j.up.sql": {Data: []byte("J")},
				"m/README.md":     {Data: []byte("ignored")},
			},
			wantErr: "got version 10, want 3",
		},
		{
			name: "ok",
			files: fstest.MapFS{
				"m/0002_b.up.sql":   {Data: []byte("B")},
				"m/0001_a.up.sql":   {Data: []byte("A")},
				"m/0001_a.down.sql": {Data: []byte("ignored")},
			},
			want: []int{1, 2},
		},
		{
			name:    "duplicate",
			files:   fstest.MapFS{"m/0001_a.up.sql": {}, "m/1_b.up.sql": {}},
			wantErr: "want 2",
		},
		{
			name:    "not numbered",
			files:   fstest.MapFS{"m/init.up.sql": {}},
			wantErr: "NNNN_description",
		},
		{
			name:    "none",
			files:   fstest.MapFS{"m/x.txt": {}},
			wantErr: "no *.up.sql",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(tt.files, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var versions []int
			for _, m := range got {
				versions = append(versions, m.Version)
			}
			if diff := cmp.Diff(tt.want, versions); diff != "" {
				t.Errorf("versions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPending(t *testing.T) {
	all := []Migration{{Version: 1}, {Version: 2}, {Version: 3}}
	tests := []struct {
		name    string
		applied map[int]bool
		want    []int
		wantErr bool
	}{
		{"fresh", map[int]bool{}, []int{1, 2, 3}, false},
		{"partly", map[int]bool{1: true, 2: true}, []int{3}, false},
		{"all", map[int]bool{1: true, 2: true, 3: true}, nil, false},
		{"newer database", map[int]bool{1: true, 2: true, 3: true, 4: true}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Pending(all, tt.applied)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			var versions []int
			for _, m := range got {
				versions = append(versions, m.Version)
			}
			if diff := cmp.Diff(tt.want, versions); diff != "" {
				t.Errorf("pending mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
