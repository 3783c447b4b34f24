package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/usersecrets/coder/sdk"
)

// FuzzReadJSON checks the API's strict JSON decoding on any body and
// Content-Type: it never panics; a refusal is a 4xx with a JSON error
// body whose message never quotes the body (it may hold a value); an
// accepted body is valid UTF-8 and one JSON value.
func FuzzReadJSON(f *testing.F) {
	seeds := []string{
		`{"name":"k","value":"v"}`,
		`{"name":"k","value":"v","env_name":"K","file_path":"~/k","description":"d"}`,
		`{"value":"v"}{"value":"w"}`,
		`{"name":"k","value":"v"}]`,
		`{"name":"k","value":"v"} }`,
		`{"name":5}`,
		`{"unknown":1}`,
		`{"name":"\ud800"}`,
		"{\"name\":\"\xff\"}",
		`[]`, `null`, ``, ` `, `{`, `{"value":`, `"str"`,
		`{"name":"k","value":"` + strings.Repeat("x", 300*1024) + `"}`,
		strings.Repeat("[", 10000),
	}
	for _, s := range seeds {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{"name":"k"}`), "text/plain")
	f.Add([]byte(`{"name":"k"}`), "")
	// The message quotes the Content-Type with %q, which escapes it: a
	// body equal to the escaped form is still the header's words.
	f.Add([]byte(`applpplicaicatio\"`), `applpplicaicatio"`)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		for _, v := range []any{&sdk.CreateSecretRequest{}, &sdk.UpdateSecretRequest{}, &sdk.LoginRequest{}} {
			req := httptest.NewRequest("POST", "/api/v2/users/me/secrets", bytes.NewReader(body))
			if contentType != "" && isHeaderValue(contentType) {
				req.Header.Set("Content-Type", contentType)
			}
			rec := httptest.NewRecorder()
			if readJSON(rec, req, v) {
				if !utf8.Valid(body) || !json.Valid(bytes.TrimSpace(body)) {
					t.Fatalf("accepted %q: not one valid UTF-8 JSON value", body)
				}
				continue
			}
			if rec.Code < 400 || rec.Code > 499 {
				t.Fatalf("refused %q with status %d, want 4xx", body, rec.Code)
			}
			var resp sdk.Response
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Message == "" {
				t.Fatalf("refused %q with body %q, want a JSON error", body, rec.Body)
			}
			// The message's own words are not the body: leave out the
			// Content-Type it quotes and its fixed text.
			msg := strings.ReplaceAll(resp.Message, fmt.Sprintf("%q", contentType), "")
			msg = strings.ReplaceAll(msg, contentType, "")
			msg = strings.ReplaceAll(msg, "application/json", "")
			if len(body) >= 16 && strings.Contains(msg, string(body)) {
				t.Fatalf("the error %q quotes the body", resp.Message)
			}
		}
	})
}

// isHeaderValue reports whether s can be sent as a header value.
func isHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
