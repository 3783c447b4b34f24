package sdk

import (
	"time"

	"github.com/google/uuid"
)

// Roles a user can have.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// User is a user as the API returns it.
type User struct {
	ID        uuid.UUID `json:"id"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	Name      string    `json:"name,omitempty"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateFirstUserRequest is the body of POST /api/v2/users/first.
type CreateFirstUserRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	Password string `json:"password"`
}

// CreateUserRequest is the body of POST /api/v2/users (admins only).
type CreateUserRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	Password string `json:"password"`
	Role     string `json:"role,omitempty"`
}

// LoginRequest is the body of POST /api/v2/users/login.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// LoginResponse carries a new session token. It is shown once.
type LoginResponse struct {
	SessionToken string `json:"session_token"`
}

// CreateTokenRequest is the body of POST /api/v2/users/{user}/keys/tokens.
type CreateTokenRequest struct {
	// Lifetime of the token; zero means the server's default.
	Lifetime time.Duration `json:"lifetime,omitempty"`
}

// TokenResponse carries a new API token. It is shown once.
type TokenResponse struct {
	Key       string    `json:"key"`
	ExpiresAt time.Time `json:"expires_at"`
}

// BuildInfo is the answer of GET /api/v2/buildinfo.
type BuildInfo struct {
	Version string `json:"version"`
}

// SessionTokenHeader carries the session or API token of every request.
const SessionTokenHeader = "Coder-Session-Token"
