package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/usersecrets/coder/sdk"
)

// Files of the config folder, each written 0600.
const (
	configURLFile     = "url"
	configSessionFile = "session"
)

// dir returns the config folder: --global-config, $CODER_CONFIG_DIR, or
// ~/.config/coderv2.
func (g *globalOptions) dir() (string, error) {
	if g.configDir != "" {
		return g.configDir, nil
	}
	if d := os.Getenv("CODER_CONFIG_DIR"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find home folder for the CLI config: %w", err)
	}
	return filepath.Join(home, ".config", "coderv2"), nil
}

func (g *globalOptions) writeConfig(name, value string) error {
	dir, err := g.dir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create config folder: %w", err)
	}
	p := filepath.Join(dir, name)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	// An existing file keeps its mode on open: force 0600.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("chmod %s: %w", p, err)
	}
	if _, err := f.WriteString(value); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", p, err)
	}
	return f.Close()
}

func (g *globalOptions) readConfig(name string) (string, error) {
	dir, err := g.dir()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read config: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (g *globalOptions) removeConfig(name string) error {
	dir, err := g.dir()
	if err != nil {
		return err
	}
	err = os.Remove(filepath.Join(dir, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	return nil
}

var errNotLoggedIn = errors.New("you are not logged in: run `coder login <url>` first (or set CODER_URL and CODER_SESSION_TOKEN)")

// client returns an authenticated client: $CODER_URL and
// $CODER_SESSION_TOKEN override the stored login.
func (g *globalOptions) client(ctx context.Context) (*sdk.Client, error) {
	raw, err := g.storedURL()
	if err != nil {
		return nil, err
	}
	token := os.Getenv("CODER_SESSION_TOKEN")
	if token == "" {
		v, err := g.readConfig(configSessionFile)
		if err != nil {
			return nil, err
		}
		token = v
	}
	if raw == "" || token == "" {
		return nil, errNotLoggedIn
	}
	u, err := parseServerURL(raw)
	if err != nil {
		return nil, err
	}
	c := sdk.New(u)
	if c.HTTPClient, err = g.httpClient(); err != nil {
		return nil, err
	}
	c.SessionToken = token
	return c, nil
}

// storedURL is the server of the login: $CODER_URL, or the URL the last
// `coder login` stored ("" when there is neither).
func (g *globalOptions) storedURL() (string, error) {
	if raw := os.Getenv("CODER_URL"); raw != "" {
		return raw, nil
	}
	return g.readConfig(configURLFile)
}

// parseServerURL accepts "host:port" as well as a full URL.
func parseServerURL(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not a server URL (want e.g. http://127.0.0.1:3000)", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}
