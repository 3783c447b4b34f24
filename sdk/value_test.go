package sdk_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
)

// TestSecretValueNeverPrints checks every way a value could be printed by
// accident, and that JSON (the wire) still carries it.
func TestSecretValueNeverPrints(t *testing.T) {
	v := sdk.SecretValue("canary-value-123")
	req := sdk.CreateSecretRequest{Name: "n", Value: v}
	printed := []string{
		fmt.Sprint(v), fmt.Sprintf("%v %s %q %x %X %+v %#v %d", v, v, v, v, v, v, v, v),
		fmt.Sprintf("%v %+v %#v", req, req, &req), v.String(),
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "value", v, "req", req)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "value", v)
	printed = append(printed, logs.String())
	for _, p := range printed {
		if strings.Contains(p, "canary") {
			t.Fatalf("printed form holds the value: %q", p)
		}
	}
	b, err := json.Marshal(req)
	if err != nil || !bytes.Contains(b, []byte(`"value":"canary-value-123"`)) {
		t.Fatalf("JSON %s, %v: want the value on the wire", b, err)
	}
	if v.Reveal() != "canary-value-123" {
		t.Fatal("Reveal does not return the value")
	}
}
