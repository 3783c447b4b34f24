package sdk

import (
	"fmt"
	"log/slog"
)

// Redacted is what every printed form of a SecretValue shows.
const Redacted = "********"

// SecretValue is a secret's plaintext. It marshals to JSON as the plain
// string (so it can travel in a request body), but every way of printing it
// (fmt verbs, slog, String) shows Redacted, so it cannot reach a log line or
// an error message by accident.
type SecretValue string

// String implements fmt.Stringer and hides the value.
func (SecretValue) String() string { return Redacted }

// GoString implements fmt.GoStringer and hides the value.
func (SecretValue) GoString() string { return Redacted }

// Format implements fmt.Formatter so that every verb, %q and %x included,
// hides the value.
func (SecretValue) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// LogValue implements slog.LogValuer and hides the value.
func (SecretValue) LogValue() slog.Value { return slog.StringValue(Redacted) }

// Reveal returns the plaintext. Call it only where the value is really used:
// encryption, the agent's manifest, the provisioner's environment.
func (v SecretValue) Reveal() string { return string(v) }
