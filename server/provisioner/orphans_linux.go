package provisioner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// killProcessesUnder kills every process whose working folder is dir or
// inside it: the Terraform, provider and provisioner processes of a build
// folder whose server died. It returns how many it signaled. Processes
// that left the folder (a workspace agent started with its own home) are
// not touched.
func killProcessesUnder(dir string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 1 || pid == os.Getpid() {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil {
			continue
		}
		if cwd == dir || strings.HasPrefix(cwd, dir+string(os.PathSeparator)) {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
			}
		}
	}
	return n
}
