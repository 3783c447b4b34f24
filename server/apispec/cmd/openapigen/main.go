// Command openapigen writes the OpenAPI description of the REST API
// (apispec.Build) to the file named by its one argument: `make generate`
// runs it for docs/openapi.json.
package main

import (
	"fmt"
	"os"

	"github.com/usersecrets/coder/server/apispec"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: openapigen FILE")
		os.Exit(2)
	}
	b, err := apispec.Build()
	if err == nil {
		err = os.WriteFile(os.Args[1], b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
}
