// Package cli holds the cobra commands of the coder binary. It is the only
// package that reads flags and environment variables: it turns them into the
// Options structs of the components it starts.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/server/provisioner"
)

// Version is the version of this build, set with -ldflags "-X ...".
var Version = "v0.1.0-dev"

// Main runs the coder binary and exits.
func Main() {
	if servePluginIfAsked() {
		return
	}
	if provisioner.IsSupervisorInvocation(os.Args) {
		os.Exit(provisioner.Supervise(os.Args[2:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	var ee *exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	if err != nil {
		os.Exit(1)
	}
}

// Run runs one command line with the given streams, printing any error to
// stderr. It is what tests call to run the CLI in process.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	root := NewRootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var ee *exitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(stderr, "error: "+describeError(err))
	}
	return err
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	configDir string
}

// NewRootCommand returns the root command with every subcommand.
func NewRootCommand() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:           "coder",
		Short:         "Store secrets once and get them in every workspace you own",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.PersistentFlags().StringVar(&g.configDir, "global-config", "", "Folder of the CLI's login files (default $CODER_CONFIG_DIR or ~/.config/coderv2)")
	root.AddCommand(
		newServerCommand(),
		newLoginCommand(g),
		newLogoutCommand(g),
		newUsersCommand(g),
		newTokensCommand(g),
		newSecretCommand(g),
		newVersionCommand(g),
	)
	for _, c := range extraCommands {
		root.AddCommand(c(g))
	}
	return root
}

// extraCommands lets other files of this package register commands.
var extraCommands []func(*globalOptions) *cobra.Command
