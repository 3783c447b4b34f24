// Command testprovider serves the coder/coder provider the way the coder
// binary does when Terraform starts it as a plugin. The acceptance tests
// build it and put it in a filesystem mirror (provider/tfmirror), so they do
// not depend on the rest of the binary.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/usersecrets/coder/provider"
)

// version is reported to Terraform as the provider's version.
const version = "0.0.0-test"

func main() {
	if !provider.IsPluginInvocation(os.Args[0], os.Getenv) {
		fmt.Fprintln(os.Stderr, "testprovider is the coder/coder Terraform provider; Terraform starts it as a plugin.")
		os.Exit(2)
	}
	if err := provider.Serve(context.Background(), version, os.LookupEnv); err != nil {
		fmt.Fprintf(os.Stderr, "serve provider: %v\n", err)
		os.Exit(1)
	}
}
