// Package cli holds the cobra commands of the coder binary. It is the only
// package that reads flags and environment variables: it turns them into the
// Options structs of the components it starts.
//
// Each command is two functions. Its constructor, newCmdX(g, runX), declares
// the flags and fills an xOptions struct from them, the arguments, a value
// on stdin and the environment, refusing there what is wrong before
// anything reaches a server. runX(ctx, opts) then does the work, through
// the options' streams and client only. NewRootCommand in root.go adds
// every command, so the whole tree is visible in one place; tests give a
// constructor their own run function to see the options it gets.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
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
	if spec := os.Getenv(provisioner.LaunchEnv); spec != "" {
		os.Exit(provisioner.Launch(spec, os.Args[1:]))
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

// globalOptions are the flags every command shares, and what comes from
// them: the config folder and the stored login (config.go).
type globalOptions struct {
	configDir string
	// tlsCAFile adds certificate authorities to the system's for the
	// server's certificate (see httpClient in tls.go).
	tlsCAFile string
}

// NewRootCommand returns the root command with every subcommand: this is
// the whole command tree. Each command is built by its newCmdX constructor,
// which reads the command's flags and arguments into an options struct,
// and is given the run function that does the work (tests give their own).
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
	root.PersistentFlags().StringVar(&g.tlsCAFile, "tls-ca-file", "", "PEM file of certificate authorities to trust for the server's certificate, besides the system's ($CODER_TLS_CA_FILE)")
	root.AddCommand(
		newCmdServer(g, runServer),
		newCmdLogin(g, runLogin),
		newCmdLogout(g, runLogout),
		withSubcommands(newCmdUsers(),
			newCmdUsersCreate(g, runUsersCreate),
		),
		withSubcommands(newCmdTokens(),
			newCmdTokensCreate(g, runTokensCreate),
		),
		withSubcommands(newCmdAudit(),
			newCmdAuditList(g, runAuditList),
		),
		withSubcommands(newCmdSecret(),
			newCmdSecretCreate(g, runSecretCreate),
			newCmdSecretUpdate(g, runSecretUpdate),
			newCmdSecretList(g, runSecretList),
			newCmdSecretDelete(g, runSecretDelete),
			newCmdSecretEnable(g, true, runSecretEnable),
			newCmdSecretEnable(g, false, runSecretEnable),
			newCmdSecretImport(g, runSecretImport),
			newCmdSecretPreview(g, runSecretPreview),
		),
		newCmdVersion(g, runVersion),
		newCmdAgent(g, runAgent),
		newCmdSSH(g, runSSH),
		newCmdConfigSSH(g, runConfigSSH),
		withSubcommands(newCmdTemplates(),
			newCmdTemplatesPush(g, runTemplatesPush),
			newCmdTemplatesList(g, runTemplatesList),
		),
		newCmdCreate(g, runCreate),
		newCmdStart(g, runStart),
		newCmdStop(g, runStop),
		newCmdDelete(g, runDelete),
		newCmdRestart(g, runRestart),
		newCmdUpdate(g, runRestart),
		newCmdList(g, runList),
		newCmdShow(g, runShow),
		newCmdSecretRefresh(g, runSecretRefresh),
		withSubcommands(newCmdOpen(),
			newCmdOpenApp(g, runOpenApp),
		),
		newCmdPortForward(g, runPortForward),
		newCmdLogs(g, runLogs),
	)
	strictArgs(root)
	return root
}

// withSubcommands adds subs to parent and returns it.
func withSubcommands(parent *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	parent.AddCommand(subs...)
	return parent
}

// strictArgs makes every command of the tree refuse what it does not know.
// cobra prints help and exits 0 when a parent command without RunE gets an
// unknown subcommand (`coder secret bogus`); here each parent errors instead,
// suggesting the subcommands it has that are close, and prints its help
// only when run alone. A leaf that declares no Args takes none.
func strictArgs(cmd *cobra.Command) {
	if cmd.HasSubCommands() && !cmd.Runnable() {
		cmd.Args = unknownSubcommand
		cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	} else if cmd.Args == nil {
		cmd.Args = cobra.NoArgs
	}
	for _, c := range cmd.Commands() {
		strictArgs(c)
	}
}

// unknownSubcommand is the Args of a parent command: any argument is an
// unknown subcommand (cobra has already matched the known ones).
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	err := fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	near := cmd.SuggestionsFor(args[0])
	for _, n := range closest(args[0], names) {
		if !slices.Contains(near, n) {
			near = append(near, n)
		}
	}
	if len(near) > 0 {
		quoted := make([]string, len(near))
		for i, n := range near {
			quoted[i] = fmt.Sprintf("%q", n)
		}
		return &hinted{err: err, hint: "Did you mean " + strings.Join(quoted, " or ") + "?"}
	}
	return &hinted{err: err, hint: fmt.Sprintf("Run '%s --help' for its commands: %s.", cmd.CommandPath(), strings.Join(names, ", "))}
}
