package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/usersecrets/coder/sdk"
)

// maxBodyBytes bounds request bodies. A 24 KiB value may grow to six times
// its size once JSON-escaped, so this leaves room for every valid request.
const maxBodyBytes = 256 * 1024

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if v == nil {
		return
	}
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string, validations ...sdk.ValidationError) {
	writeJSON(w, status, sdk.Response{Message: msg, Validations: validations})
}

// writeInternal answers 500 without any internal detail; the detail goes to
// the log (errors never hold values: see package doc).
func (s *Server) writeInternal(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "An internal error occurred. The server's log has the details.")
}

// readJSON decodes the request body into v strictly: a bounded size (413
// beyond), valid UTF-8, known fields only, one JSON value. On failure it
// writes the answer and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	return readJSONMax(w, r, v, maxBodyBytes)
}

// readJSONMax is readJSON with a body of at most maxBodyBytes bytes.
func readJSONMax(w http.ResponseWriter, r *http.Request, v any, maxBodyBytes int64) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type must be application/json, not %q.", ct))
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body is too large: at most %d bytes are accepted.", maxBodyBytes))
			return false
		}
		writeError(w, http.StatusBadRequest, "Could not read the request body.")
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		writeError(w, http.StatusBadRequest, "Request body is empty: a JSON object is required.")
		return false
	}
	if !utf8.Valid(body) {
		// encoding/json would silently replace invalid bytes.
		writeError(w, http.StatusBadRequest, "Request body must be valid UTF-8.")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Request body is not valid: "+describeJSONError(err))
		return false
	}
	// Only white space may follow the value (dec.More would let a stray
	// "]" or "}" through).
	if len(bytes.TrimSpace(body[dec.InputOffset():])) != 0 {
		writeError(w, http.StatusBadRequest, "Request body must hold exactly one JSON object.")
		return false
	}
	return true
}

// describeJSONError explains a decoding error without quoting the input
// (the input may hold a value).
func describeJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var de *sdk.DecodeError
	switch {
	case errors.As(err, &de):
		return de.Msg + "."
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d.", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %q must be a %s.", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return "a JSON object is required."
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ") + "."
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early."
	}
	return "malformed JSON."
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "int", "int64", "float64":
		return "number"
	case "bool":
		return "boolean"
	}
	return "different type"
}
