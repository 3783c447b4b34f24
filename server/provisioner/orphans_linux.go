package provisioner

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// pidsFile is the file, in a build's working folder, where each build
// supervisor records its own process group and its command's, with their
// start times: what a starting server kills before it removes the folder
// of a server that died.
const pidsFile = ".build-pids"

// recordGroups appends the process groups led by pids (the supervisor and
// the command it started) to dir's pidsFile. A failure is only reported:
// the supervisor's parent-death watch and the working-folder scan still
// stand behind it.
func recordGroups(dir string, pids ...int) error {
	f, err := os.OpenFile(filepath.Join(dir, pidsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	for _, pid := range pids {
		start, err := processStart(pid)
		if err != nil {
			_ = f.Close()
			return err
		}
		if _, err := fmt.Fprintf(f, "%d %d\n", pid, start); err != nil {
			_ = f.Close()
			return err
		}
	}
	return f.Close()
}

// processStart returns the start time of process pid, in clock ticks since
// boot (field 22 of /proc/PID/stat): with the pid, it names one process,
// whatever pid is reused for later.
func processStart(pid int) (uint64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces and ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("process %d: malformed stat", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	// fields[0] is field 3 (state); the start time is field 22.
	if len(fields) < 20 {
		return 0, fmt.Errorf("process %d: short stat", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// killRecordedGroups kills the process groups recorded in every pidsFile
// under dir whose leader is still the process that was recorded (same pid,
// same start time); it returns how many it signaled.
func killRecordedGroups(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != pidsFile {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return nil
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var pid int
			var start uint64
			if _, err := fmt.Sscanf(sc.Text(), "%d %d", &pid, &start); err != nil || pid <= 1 || pid == os.Getpid() {
				continue
			}
			if now, err := processStart(pid); err != nil || now != start {
				continue // gone, or the pid names another process now
			}
			if syscall.Kill(-pid, syscall.SIGKILL) == nil || syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
			}
		}
		return nil
	})
	return n
}

// killProcessesUnder kills the build processes a dead server left in dir:
// first the process groups its build supervisors recorded, then every
// process whose working folder is dir or inside it (Terraform, providers
// and provisioner processes that left their group). It returns how many
// it signaled. Processes that left both (a workspace agent started with
// setsid and its own home) are not touched.
func killProcessesUnder(dir string) int {
	n := killRecordedGroups(dir)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return n
	}
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
