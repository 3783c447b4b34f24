package sdk

import (
	"errors"
	"fmt"
	"net/mail"
	"unicode/utf8"
)

// Password length bounds. bcrypt reads at most 72 bytes, so longer
// passwords are refused rather than silently truncated.
const (
	MinPasswordLength = 8
	MaxPasswordBytes  = 72
)

// ValidateUsername checks a username: 1 to 32 characters of [a-zA-Z0-9-],
// not starting or ending with "-" (usernames appear in URLs and in SSH host
// names).
func ValidateUsername(u string) error {
	if err := validateSlug("username", u); err != nil {
		return err
	}
	if u == "me" {
		return errors.New(`username "me" is reserved`)
	}
	return nil
}

// validateSlug checks a name used in URLs and host names: 1 to 32
// characters of [a-zA-Z0-9-], not starting or ending with "-".
func validateSlug(what, u string) error {
	if u == "" {
		return fmt.Errorf("%s is required", what)
	}
	if len(u) > 32 {
		return fmt.Errorf("%s is %d characters long; at most 32 are allowed", what, len(u))
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		ok := c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !ok {
			return fmt.Errorf("%s %q may contain only letters, digits and '-'", what, printable(u))
		}
	}
	if u[0] == '-' || u[len(u)-1] == '-' {
		return fmt.Errorf("%s must not start or end with '-'", what)
	}
	return nil
}

// ValidateEmail checks an email address.
func ValidateEmail(e string) error {
	if e == "" {
		return errors.New("email is required")
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e {
		return fmt.Errorf("email %q is not a valid address", printable(e))
	}
	return nil
}

// ValidatePassword checks a password's length. It never quotes it.
func ValidatePassword(p string) error {
	switch {
	case utf8.RuneCountInString(p) < MinPasswordLength:
		return fmt.Errorf("password must be at least %d characters long", MinPasswordLength)
	case len(p) > MaxPasswordBytes:
		return fmt.Errorf("password must be at most %d bytes long", MaxPasswordBytes)
	}
	return nil
}

// Validate checks a first-user request.
func (r CreateFirstUserRequest) Validate() []ValidationError {
	return CreateUserRequest{Username: r.Username, Email: r.Email, Name: r.Name, Password: r.Password}.Validate()
}

// Validate checks a create-user request.
func (r CreateUserRequest) Validate() []ValidationError {
	var out []ValidationError
	add := func(field string, err error) {
		if err != nil {
			out = append(out, ValidationError{Field: field, Detail: err.Error()})
		}
	}
	add("username", ValidateUsername(r.Username))
	add("email", ValidateEmail(r.Email))
	add("password", ValidatePassword(r.Password))
	if r.Role != "" && r.Role != RoleAdmin && r.Role != RoleMember {
		add("role", fmt.Errorf("role %q is unknown; use %q or %q", printable(r.Role), RoleAdmin, RoleMember))
	}
	if !utf8.ValidString(r.Name) || len(r.Name) > 128 {
		add("name", errors.New("name must be valid UTF-8 and at most 128 bytes"))
	}
	return out
}
