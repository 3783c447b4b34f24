package cli

import (
	"bufio"
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

type loginOptions struct {
	firstUsername, firstEmail, firstPassword string
	username, password                       string
	token                                    string
}

func newLoginCommand(g *globalOptions) *cobra.Command {
	o := &loginOptions{}
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
			if len(args) == 1 {
				return o.run(cmd, g, args[0])
			}
			raw := os.Getenv("CODER_URL")
			if raw == "" {
				v, err := g.readConfig(configURLFile)
				if err != nil {
					return err
				}
				raw = v
			}
			if raw == "" {
				return errors.New("no server URL: pass one (coder login http://127.0.0.1:3000); none is stored from an earlier login")
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Logging in to %s (the stored server).\n", raw)
			return o.run(cmd, g, raw)
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

func (o *loginOptions) run(cmd *cobra.Command, g *globalOptions, rawURL string) error {
	ctx := cmd.Context()
	u, err := parseServerURL(rawURL)
	if err != nil {
		return err
	}
	c := sdk.New(u)
	if _, err := c.BuildInfo(ctx); err != nil {
		return describeReach(fmt.Errorf("reach the server at %s: %w", u, err))
	}
	out := cmd.OutOrStdout()
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
			fmt.Fprintf(out, "Created the first user %q (admin).\n", o.firstUsername)
		case sdk.StatusCode(err) == http.StatusConflict:
			// The server is set up already: log in with the same
			// credentials, so the command can be run again safely.
			fmt.Fprintln(cmd.ErrOrStderr(), "The first user already exists; logging in with the given username and password.")
		default:
			return fmt.Errorf("create the first user: %w", err)
		}
		o.username, o.password = o.firstUsername, o.firstPassword
		fallthrough
	default:
		if o.username == "" || o.password == "" {
			if err := o.prompt(cmd); err != nil {
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
	if err := g.writeConfig(configURLFile, u.String()); err != nil {
		return err
	}
	if err := g.writeConfig(configSessionFile, token); err != nil {
		return err
	}
	fmt.Fprintf(out, "Welcome, %s! You are logged in to %s.\n", me.Username, u)
	return nil
}

// prompt asks for the missing username and password on a terminal.
func (o *loginOptions) prompt(cmd *cobra.Command) error {
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return errors.New("no terminal to ask for a username and password: pass --username and --password, or --token")
	}
	errw := cmd.ErrOrStderr()
	if o.username == "" {
		fmt.Fprint(errw, "Username: ")
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read username: %w", err)
		}
		o.username = strings.TrimSpace(line)
	}
	if o.password == "" {
		fmt.Fprint(errw, "Password: ")
		pw, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(errw)
		if err != nil {
			return fmt.Errorf("read password: %w", err)
		}
		o.password = string(pw)
	}
	return nil
}

func newLogoutCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Revoke this login's session token and forget it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			if err := c.Logout(cmd.Context()); err != nil && sdk.StatusCode(err) != http.StatusUnauthorized {
				return fmt.Errorf("log out: %w", err)
			}
			if err := g.removeConfig(configSessionFile); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "You are logged out.")
			return nil
		},
	}
}

func newUsersCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Manage users"}
	var req sdk.CreateUserRequest
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user (admins only)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			if v := req.Validate(); len(v) > 0 {
				return &sdk.Error{Response: sdk.Response{Message: "invalid user", Validations: v}}
			}
			u, err := c.CreateUser(cmd.Context(), req)
			if err != nil {
				return fmt.Errorf("create user: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Created user %q (%s).\n", u.Username, u.Role)
			return nil
		},
	}
	f := create.Flags()
	f.StringVar(&req.Username, "username", "", "Username (required)")
	f.StringVar(&req.Email, "email", "", "Email (required)")
	f.StringVar(&req.Password, "password", "", "Password (required)")
	f.StringVar(&req.Name, "full-name", "", "Full name")
	f.StringVar(&req.Role, "role", sdk.RoleMember, "Role: member or admin")
	cmd.AddCommand(create)
	return cmd
}

func newTokensCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Manage API tokens"}
	var req sdk.CreateTokenRequest
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token and print it (it is shown only once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			t, err := c.CreateToken(cmd.Context(), sdk.Me, req)
			if err != nil {
				return fmt.Errorf("create token: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), t.Key)
			return nil
		},
	}
	create.Flags().DurationVar(&req.Lifetime, "lifetime", 0, "How long the token is valid (default: the server's, 30 days)")
	cmd.AddCommand(create)
	return cmd
}
