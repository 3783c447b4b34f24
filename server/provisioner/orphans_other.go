//go:build !linux

package provisioner

// killProcessesUnder finds processes by recorded group and by working
// folder through /proc, which only Linux has; elsewhere it does nothing.
func killProcessesUnder(string) int { return 0 }

// recordGroups records process groups for killProcessesUnder, which only
// Linux has; elsewhere it records nothing.
func recordGroups(string, ...int) error { return nil }
