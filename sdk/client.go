package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client is a typed client of the REST API. It is safe for concurrent use.
type Client struct {
	URL        *url.URL
	HTTPClient *http.Client
	// SessionToken is sent in the Coder-Session-Token header when set.
	SessionToken string
}

// New returns a client of the server at serverURL.
func New(serverURL *url.URL) *Client {
	return &Client{URL: serverURL, HTTPClient: http.DefaultClient}
}

// Me is the {user} path segment that names the caller.
const Me = "me"

// Request sends one request with an optional JSON body and returns the
// response. The caller closes its body. Error answers are not turned into
// errors here: see ReadError.
func (c *Client) Request(ctx context.Context, method, path string, body any) (*http.Response, error) {
	u, err := c.URL.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("parse path: %w", err)
	}
	var r io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request body: %w", err)
		}
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("new request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.SessionToken != "" {
		req.Header.Set(SessionTokenHeader, c.SessionToken)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		// net/http errors hold the URL, never the body or headers.
		return nil, err
	}
	return res, nil
}

// ReadError turns an error answer into an *Error.
func ReadError(res *http.Response) error {
	defer res.Body.Close()
	e := &Error{StatusCode: res.StatusCode, Method: res.Request.Method, URL: res.Request.URL.String()}
	buf, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err := json.Unmarshal(buf, &e.Response); err != nil || e.Message == "" {
		e.Message = fmt.Sprintf("unexpected status %d from %s %s", res.StatusCode, e.Method, e.URL)
	}
	return e
}

// do sends a request and decodes a successful answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, body any, want int, out any) error {
	res, err := c.Request(ctx, method, path, body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return ReadError(res)
	}
	defer res.Body.Close()
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s %s answer: %w", method, path, err)
	}
	return nil
}

// StatusCode returns the HTTP status of an API error, or 0.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

func secretsPath(user string) string {
	return "/api/v2/users/" + url.PathEscape(user) + "/secrets"
}

// secretPath is the URL path of one secret. Names are sent in NFC (see
// NormalizeSecretName). "", "." and ".." are refused here: in a URL path
// they would name another route, and no secret can have them as its name.
func secretPath(user, name string) (string, error) {
	if name == "" || name == "." || name == ".." {
		return "", fmt.Errorf("%q is not a secret name: names may not be empty, \".\" or \"..\"", name)
	}
	return secretsPath(user) + "/" + url.PathEscape(NormalizeSecretName(name)), nil
}

// BuildInfo returns the server's version. It needs no token.
func (c *Client) BuildInfo(ctx context.Context) (BuildInfo, error) {
	var out BuildInfo
	return out, c.do(ctx, http.MethodGet, "/api/v2/buildinfo", nil, http.StatusOK, &out)
}

// CreateFirstUser sets up the first user, who becomes an admin.
func (c *Client) CreateFirstUser(ctx context.Context, req CreateFirstUserRequest) (User, error) {
	var out User
	return out, c.do(ctx, http.MethodPost, "/api/v2/users/first", req, http.StatusCreated, &out)
}

// CreateUser creates a user (admins only).
func (c *Client) CreateUser(ctx context.Context, req CreateUserRequest) (User, error) {
	var out User
	return out, c.do(ctx, http.MethodPost, "/api/v2/users", req, http.StatusCreated, &out)
}

// Login exchanges a username and password for a session token.
func (c *Client) Login(ctx context.Context, req LoginRequest) (LoginResponse, error) {
	var out LoginResponse
	return out, c.do(ctx, http.MethodPost, "/api/v2/users/login", req, http.StatusCreated, &out)
}

// Logout revokes the client's session token.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/api/v2/users/logout", nil, http.StatusOK, nil)
}

// User returns a user: Me, a username or an id.
func (c *Client) User(ctx context.Context, user string) (User, error) {
	var out User
	return out, c.do(ctx, http.MethodGet, "/api/v2/users/"+url.PathEscape(user), nil, http.StatusOK, &out)
}

// CreateToken makes a new API token for user. The key is shown only here.
func (c *Client) CreateToken(ctx context.Context, user string, req CreateTokenRequest) (TokenResponse, error) {
	var out TokenResponse
	return out, c.do(ctx, http.MethodPost, "/api/v2/users/"+url.PathEscape(user)+"/keys/tokens", req, http.StatusCreated, &out)
}

// Secrets lists user's secrets, sorted by name. Metadata only.
func (c *Client) Secrets(ctx context.Context, user string) ([]Secret, error) {
	var out []Secret
	return out, c.do(ctx, http.MethodGet, secretsPath(user), nil, http.StatusOK, &out)
}

// Secret returns one of user's secrets by name. Metadata only.
func (c *Client) Secret(ctx context.Context, user, name string) (Secret, error) {
	var out Secret
	p, err := secretPath(user, name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, http.StatusOK, &out)
}

// CreateSecret stores a new secret for user.
func (c *Client) CreateSecret(ctx context.Context, user string, req CreateSecretRequest) (Secret, error) {
	var out Secret
	return out, c.do(ctx, http.MethodPost, secretsPath(user), req, http.StatusCreated, &out)
}

// ImportSecrets creates every secret of a file at once, or none
// (POST /api/v2/users/{user}/secrets/batch).
func (c *Client) ImportSecrets(ctx context.Context, user string, req ImportSecretsRequest) (ImportSecretsResponse, error) {
	var out ImportSecretsResponse
	return out, c.do(ctx, http.MethodPost, secretsPath(user)+"/batch", req, http.StatusCreated, &out)
}

// Audit reads a page of the audit log (GET /api/v2/audit).
func (c *Client) Audit(ctx context.Context, q AuditQuery) (AuditResponse, error) {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("user", q.User)
	set("action", q.Action)
	set("resource_type", q.ResourceType)
	set("resource_name", q.ResourceName)
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	p := "/api/v2/audit"
	if len(v) > 0 {
		p += "?" + v.Encode()
	}
	var out AuditResponse
	return out, c.do(ctx, http.MethodGet, p, nil, http.StatusOK, &out)
}

// UpdateSecret changes the fields of req that are not nil.
func (c *Client) UpdateSecret(ctx context.Context, user, name string, req UpdateSecretRequest) (Secret, error) {
	var out Secret
	p, err := secretPath(user, name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPatch, p, req, http.StatusOK, &out)
}

// DeleteSecret deletes one of user's secrets.
func (c *Client) DeleteSecret(ctx context.Context, user, name string) error {
	p, err := secretPath(user, name)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, http.StatusNoContent, nil)
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }
