package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/usersecrets/coder/sdk"
)

// loginOptions are what `coder login` was given.
type loginOptions struct {
	streams
	config *globalOptions
	// url is the server's, as given or stored by an earlier login.
	url                                      string
	firstUsername, firstEmail, firstPassword string
	username, password                       string
	token                                    string
}

func newCmdLogin(g *globalOptions, runF func(context.Context, *loginOptions) error) *cobra.Command {
	o := &loginOptions{config: g}
	cmd := &cobra.Command{
		Use:   "login [URL]",
		Short: "Log in to a server (and set up its first user)",
		Long: `Log in to a server and remember the login in the config folder.

On a new server, --first-user-username, --first-user-email and
--first-user-password create the first user (an admin) and log in as it.
Otherwise log in with --username and --password, or with an API token
(--token). Without flags, the command asks on the terminal. Without URL it
logs in again to the server of the stored login (or $CODER_URL).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			if len(args) == 1 {
				o.url = args[0]
				return runF(cmd.Context(), o)
			}
			raw, err := g.storedURL()
			if err != nil {
				return err
			}
			if raw == "" {
				return errors.New("no server URL: pass one (coder login http://127.0.0.1:3000); none is stored from an earlier login")
			}
			fmt.Fprintf(o.errOut, "Logging in to %s (the stored server).\n", raw)
			o.url = raw
			return runF(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.firstUsername, "first-user-username", "", "Username of the first user, on a new server")
	f.StringVar(&o.firstEmail, "first-user-email", "", "Email of the first user, on a new server")
	f.StringVar(&o.firstPassword, "first-user-password", "", "Password of the first user, on a new server")
	f.StringVar(&o.username, "username", "", "Username to log in with")
	f.StringVar(&o.password, "password", "", "Password to log in with")
	f.StringVar(&o.token, "token", "", "Log in with this session or API token")
	return cmd
}

func runLogin(ctx context.Context, o *loginOptions) error {
	u, err := parseServerURL(o.url)
	if err != nil {
		return err
	}
	c := sdk.New(u)
	if c.HTTPClient, err = o.config.httpClient(); err != nil {
		return err
	}
	if _, err := c.BuildInfo(ctx); err != nil {
		return describeReach(fmt.Errorf("reach the server at %s: %w", u, err))
	}
	var token string
	switch {
	case o.token != "":
		token = o.token
	case o.firstUsername != "" || o.firstEmail != "" || o.firstPassword != "":
		if o.firstUsername == "" || o.firstEmail == "" || o.firstPassword == "" {
			return errors.New("--first-user-username, --first-user-email and --first-user-password go together")
		}
		_, err := c.CreateFirstUser(ctx, sdk.CreateFirstUserRequest{Username: o.firstUsername, Email: o.firstEmail, Password: o.firstPassword})
		switch {
		case err == nil:
			fmt.Fprintf(o.out, "Created the first user %q (admin).\n", o.firstUsername)
		case sdk.StatusCode(err) == http.StatusConflict:
			// The server is set up already: log in with the same
			// credentials, so the command can be run again safely.
			fmt.Fprintln(o.errOut, "The first user already exists; logging in with the given username and password.")
		default:
			return fmt.Errorf("create the first user: %w", err)
		}
		o.username, o.password = o.firstUsername, o.firstPassword
		fallthrough
	default:
		if o.username == "" || o.password == "" {
			if err := o.prompt(); err != nil {
				return err
			}
		}
		res, err := c.Login(ctx, sdk.LoginRequest{Username: o.username, Password: o.password})
		if err != nil {
			return fmt.Errorf("log in: %w", err)
		}
		token = res.SessionToken
	}
	c.SessionToken = token
	me, err := c.User(ctx, sdk.Me)
	if err != nil {
		return fmt.Errorf("check the login: %w", err)
	}
	if err := o.config.writeConfig(configURLFile, u.String()); err != nil {
		return err
	}
	if err := o.config.writeConfig(configSessionFile, token); err != nil {
		return err
	}
	fmt.Fprintf(o.out, "Welcome, %s! You are logged in to %s.\n", me.Username, u)
	return nil
}

// prompt asks for the missing username and password on a terminal.
func (o *loginOptions) prompt() error {
	in, ok := o.in.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return errors.New("no terminal to ask for a username and password: pass --username and --password, or --token")
	}
	if o.username == "" {
		fmt.Fprint(o.errOut, "Username: ")
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read username: %w", err)
		}
		o.username = strings.TrimSpace(line)
	}
	if o.password == "" {
		fmt.Fprint(o.errOut, "Password: ")
		pw, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(o.errOut)
		if err != nil {
			return fmt.Errorf("read password: %w", err)
		}
		o.password = string(pw)
	}
	return nil
}

// logoutOptions are what `coder logout` was given: nothing but the
// global flags.
type logoutOptions struct {
	streams
	config *globalOptions
}

func newCmdLogout(g *globalOptions, runF func(context.Context, *logoutOptions) error) *cobra.Command {
	o := &logoutOptions{config: g}
	return &cobra.Command{
		Use:   "logout",
		Short: "Revoke this login's session token and forget it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			return runF(cmd.Context(), o)
		},
	}
}

func runLogout(ctx context.Context, o *logoutOptions) error {
	c, err := o.config.client(ctx)
	if err != nil {
		return err
	}
	if err := c.Logout(ctx); err != nil && sdk.StatusCode(err) != http.StatusUnauthorized {
		return fmt.Errorf("log out: %w", err)
	}
	if err := o.config.removeConfig(configSessionFile); err != nil {
		return err
	}
	fmt.Fprintln(o.out, "You are logged out.")
	return nil
}

// newCmdUsers is the parent of the user commands (root.go adds them).
func newCmdUsers() *cobra.Command {
	return &cobra.Command{Use: "users", Short: "Manage users"}
}

// usersCreateOptions are what `coder users create` was given.
type usersCreateOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	req    sdk.CreateUserRequest
}

func newCmdUsersCreate(g *globalOptions, runF func(context.Context, *usersCreateOptions) error) *cobra.Command {
	o := &usersCreateOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a user (admins only)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			return runF(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.req.Username, "username", "", "Username (required)")
	f.StringVar(&o.req.Email, "email", "", "Email (required)")
	f.StringVar(&o.req.Password, "password", "", "Password (required)")
	f.StringVar(&o.req.Name, "full-name", "", "Full name")
	f.StringVar(&o.req.Role, "role", sdk.RoleMember, "Role: member or admin")
	return cmd
}

// runUsersCreate checks the login before the request, so that a caller
// who is not logged in hears that first.
func runUsersCreate(ctx context.Context, o *usersCreateOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	if v := o.req.Validate(); len(v) > 0 {
		return invalid("invalid user", v)
	}
	u, err := c.CreateUser(ctx, o.req)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	fmt.Fprintf(o.out, "Created user %q (%s).\n", u.Username, u.Role)
	return nil
}

// newCmdTokens is the parent of the token commands (root.go adds them).
func newCmdTokens() *cobra.Command {
	return &cobra.Command{Use: "tokens", Short: "Manage API tokens"}
}

// tokensCreateOptions are what `coder tokens create` was given.
type tokensCreateOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	req    sdk.CreateTokenRequest
}

func newCmdTokensCreate(g *globalOptions, runF func(context.Context, *tokensCreateOptions) error) *cobra.Command {
	o := &tokensCreateOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an API token and print it (it is shown only once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().DurationVar(&o.req.Lifetime, "lifetime", 0, "How long the token is valid (default: the server's, 30 days)")
	return cmd
}

func runTokensCreate(ctx context.Context, o *tokensCreateOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	t, err := c.CreateToken(ctx, sdk.Me, o.req)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	fmt.Fprintln(o.out, t.Key)
	return nil
}
