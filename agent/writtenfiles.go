package agent

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/agent/secretfiles"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
)

// The agent keeps, per workspace, the list of the files it wrote for
// secrets (paths and secret names, never contents) in
// <StateDir>/secret-files-<workspace id>.json, so that a later start
// (a new agent process) can tell which of them no current secret targets
// any more: those are reported as stale, never deleted (the guide's rule).
// A recorded file that no longer exists (the user removed it) is dropped
// from the list.

// writtenFile is one entry of the list.
type writtenFile struct {
	Path   string `json:"path"`
	Secret string `json:"secret"`
}

func writtenListPath(stateDir string, workspaceID uuid.UUID) string {
	return filepath.Join(stateDir, "secret-files-"+workspaceID.String()+".json")
}

// trackWritten records res's written files in the workspace's list and
// returns the recorded files that no file of plan is at, sorted
// by path. Errors reading or writing the list are logged: they only cost
// the stale report.
func (a *Agent) trackWritten(workspaceID uuid.UUID, plan placement.Plan, res secretfiles.Result) []sdk.StaleFile {
	file := writtenListPath(a.o.StateDir, workspaceID)
	var list []writtenFile
	if b, err := os.ReadFile(file); err == nil {
		if err := json.Unmarshal(b, &list); err != nil {
			a.log.Warn("the list of written secret files does not parse; starting a new one", "path", file, "err", err)
			list = nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		a.log.Warn("read the list of written secret files", "path", file, "err", err)
	}
	byPath := map[string]string{}
	for _, w := range list {
		if w.Path != "" {
			byPath[w.Path] = w.Secret
		}
	}
	for _, w := range res.Written {
		byPath[w.Path] = w.Secret
	}
	targeted := map[string]bool{}
	for _, f := range plan.Files {
		targeted[foldPath(f.Resolved)] = true
	}
	for _, w := range plan.Warnings {
		targeted[foldPath(w.Path)] = true
	}
	stale := []sdk.StaleFile{}
	keep := make([]writtenFile, 0, len(byPath))
	for p, sec := range byPath {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		keep = append(keep, writtenFile{Path: p, Secret: sec})
		if !targeted[foldPath(p)] {
			stale = append(stale, sdk.StaleFile{Path: p, Secret: sec})
		}
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].Path < keep[j].Path })
	sort.Slice(stale, func(i, j int) bool { return stale[i].Path < stale[j].Path })
	if len(stale) > sdk.MaxStaleFiles {
		stale = stale[:sdk.MaxStaleFiles]
	}
	if err := saveWritten(file, keep); err != nil {
		a.log.Warn("save the list of written secret files", "path", file, "err", err)
	}
	return stale
}

// foldPath is the key paths compare by: case-folded where file systems
// usually ignore case (as placement.PlanFiles does).
func foldPath(p string) string {
	if caseInsensitiveFS {
		return strings.ToLower(p)
	}
	return p
}

// saveWritten replaces the list atomically (a temporary file renamed over
// it), mode 0600 in a 0700 folder.
func saveWritten(file string, list []writtenFile) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".secret-files-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
