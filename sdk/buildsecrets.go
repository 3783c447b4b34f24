package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// UserSecretCapabilities is the answer of GET
// /api/v2/deployment/user-secrets/capabilities: what the deployment
// delivers.
type UserSecretCapabilities struct {
	// FilePathDeliveryEnabled is false when the server runs with
	// --disable-user-secret-file-delivery: file targets are then refused
	// and never written.
	FilePathDeliveryEnabled bool `json:"file_path_delivery_enabled"`
}

// MaxBuildSecrets bounds how many build secrets one build holds (given
// and carried together).
const MaxBuildSecrets = 20

// BuildSecret is a secret given with a create or build request. It reaches
// the workspace through the agent's manifest only (never Terraform, its
// state, the parameters, a log or a response). A build secret beats the
// owner's user secret on each target they share. A non-ephemeral one is
// carried into the workspace's later builds until a request gives the same
// name again (replacing it) or with a null value (removing it); an
// ephemeral one reaches its own build only.
type BuildSecret struct {
	Name string `json:"name"`
	// Value is required in the JSON: a string, or null to remove the
	// carried secret of that name (the targets are then ignored).
	Value     *SecretValue `json:"value"`
	EnvName   string       `json:"env_name,omitempty"`
	FilePath  string       `json:"file_path,omitempty"`
	Ephemeral bool         `json:"ephemeral,omitempty"`
}

// UnmarshalJSON tells an absent value (refused) from a null one (a
// removal), and refuses unknown fields. Its errors never hold the value.
func (b *BuildSecret) UnmarshalJSON(data []byte) error {
	var aux struct {
		Name      string          `json:"name"`
		Value     json.RawMessage `json:"value"`
		EnvName   string          `json:"env_name"`
		FilePath  string          `json:"file_path"`
		Ephemeral bool            `json:"ephemeral"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
			return &DecodeError{Msg: "build secret: " + strings.TrimPrefix(msg, "json: ")}
		}
		return &DecodeError{Msg: "a build secret is an object of name, value (a string, or null), env_name, file_path and ephemeral"}
	}
	*b = BuildSecret{Name: aux.Name, EnvName: aux.EnvName, FilePath: aux.FilePath, Ephemeral: aux.Ephemeral}
	switch v := bytes.TrimSpace(aux.Value); {
	case len(v) == 0:
		return &DecodeError{Msg: fmt.Sprintf("build secret %q: value is required: a string, or null to remove the secret", printable(aux.Name))}
	case string(v) == "null":
	default:
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return &DecodeError{Msg: fmt.Sprintf("build secret %q: value must be a string or null", printable(aux.Name))}
		}
		sv := SecretValue(s)
		b.Value = &sv
	}
	return nil
}

// DecodeError is a request body that decodes as JSON but not as the type:
// its message names fields, never a value, and the server answers it.
type DecodeError struct{ Msg string }

func (e *DecodeError) Error() string { return e.Msg }

// ValidateBuildSecrets checks the secrets of one request with the user
// secrets' validators: names, targets and values, a target for each
// secret given a value, and no name twice. Field names are
// "secrets[i].field". Errors never hold a value.
func ValidateBuildSecrets(in []BuildSecret) []ValidationError {
	var out []ValidationError
	add := func(i int, field string, err error) {
		if err != nil {
			out = append(out, ValidationError{Field: fmt.Sprintf("secrets[%d].%s", i, field), Detail: err.Error()})
		}
	}
	if len(in) > MaxBuildSecrets {
		return []ValidationError{{Field: "secrets", Detail: fmt.Sprintf("%d build secrets given; at most %d are allowed", len(in), MaxBuildSecrets)}}
	}
	seen := map[string]int{}
	for i, s := range in {
		name := NormalizeSecretName(s.Name)
		add(i, "name", ValidateSecretName(s.Name))
		if j, dup := seen[name]; dup {
			add(i, "name", fmt.Errorf("build secret %q is given twice (also secrets[%d])", printable(name), j))
		}
		seen[name] = i
		if s.Value == nil {
			continue // a removal
		}
		add(i, "value", ValidateSecretValue(*s.Value))
		if s.EnvName != "" {
			add(i, "env_name", ValidateEnvName(s.EnvName))
		}
		if s.FilePath != "" {
			add(i, "file_path", ValidateFilePath(s.FilePath))
		}
		if s.EnvName == "" && s.FilePath == "" {
			add(i, "env_name", errors.New("a build secret needs a target (env_name or file_path)"))
		}
	}
	return out
}

// WorkspaceBuildSecret is a build secret as GET
// /api/v2/workspacebuilds/{id}/secrets lists it: metadata, never the value.
type WorkspaceBuildSecret struct {
	Name      string `json:"name"`
	EnvName   string `json:"env_name"`
	FilePath  string `json:"file_path"`
	Ephemeral bool   `json:"ephemeral"`
	// SetInBuild is the number of the build whose request gave the value:
	// this build's, or an earlier one's for a carried secret.
	SetInBuild int       `json:"set_in_build"`
	CreatedAt  time.Time `json:"created_at"`
	// Delivered is false for a target the deployment does not deliver
	// (a file target under --disable-user-secret-file-delivery).
	Delivered bool `json:"delivered"`
	// Replaces lists the owner's user secret targets this build secret
	// takes (those user secrets are not delivered there).
	Replaces []BuildSecretReplacement `json:"replaces"`
}

// BuildSecretReplacement is one user secret target that a build secret
// takes.
type BuildSecretReplacement struct {
	// UserSecret names the user secret.
	UserSecret string `json:"user_secret"`
	// Target is "env" or "file".
	Target   string `json:"target"`
	EnvName  string `json:"env_name,omitempty"`
	FilePath string `json:"file_path,omitempty"`
}
