// Command coder is the whole product in one binary: the server, the CLI, the
// workspace agent and the Terraform provider coder/coder.
package main

import "github.com/usersecrets/coder/cli"

func main() { cli.Main() }
