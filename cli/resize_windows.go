//go:build windows

package cli

import "os"

// notifyResize does nothing on Windows, which has no SIGWINCH.
func notifyResize(chan<- os.Signal) {}
