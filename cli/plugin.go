package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/usersecrets/coder/provider"
)

// servePluginIfAsked serves the Terraform provider coder/coder, and nothing
// else, when Terraform started this binary as a plugin (the go-plugin
// handshake cookie is set, or the binary's name starts with
// terraform-provider-coder). It reports whether it did.
func servePluginIfAsked() bool {
	if !provider.IsPluginInvocation(os.Args[0], os.Getenv) {
		return false
	}
	if err := provider.Serve(context.Background(), Version, os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "error: serve the coder/coder provider:", err)
		os.Exit(1)
	}
	return true
}
