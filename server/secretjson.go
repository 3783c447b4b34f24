package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

// The secret GET and list answers are the API's hottest JSON (issue 17):
// encoding/json's reflection was about a third of the server's CPU for a
// list of 50. appendSecretJSON writes the bytes encoding/json writes for an
// sdk.Secret (TestSecretJSONMatchesEncodingJSON and FuzzSecretJSON compare
// them, every field included, so a field added to sdk.Secret and not here
// fails them), without reflection and into one pooled buffer.

var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeSecretsJSON answers one secret (one != nil) or a list, as writeJSON
// would, with a Content-Length.
func writeSecretsJSON(w http.ResponseWriter, status int, one *sdk.Secret, list []sdk.Secret) {
	bp := jsonBufs.Get().(*[]byte)
	b, ok := (*bp)[:0], true
	if one != nil {
		b, ok = appendSecretJSON(b, one)
	} else {
		b, ok = appendSecretsJSON(b, list)
	}
	if !ok {
		// A time encoding/json refuses (a year outside 0-9999): let it
		// answer as it always did.
		if one != nil {
			writeJSON(w, status, one)
		} else {
			writeJSON(w, status, list)
		}
		jsonBufs.Put(bp)
		return
	}
	b = append(b, '\n') // json.Encoder ends each value with one
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	if cap(b) <= 1<<20 { // keep no giant buffer
		*bp = b
		jsonBufs.Put(bp)
	}
}

func appendSecretsJSON(b []byte, list []sdk.Secret) ([]byte, bool) {
	if list == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendSecretJSON(b, &list[i]); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

// appendSecretJSON appends s as encoding/json encodes it; false when a
// time is one encoding/json refuses.
func appendSecretJSON(b []byte, s *sdk.Secret) ([]byte, bool) {
	b = append(b, `{"id":`...)
	b = appendUUIDJSON(b, s.ID)
	b = append(b, `,"owner_id":`...)
	b = appendUUIDJSON(b, s.OwnerID)
	b = append(b, `,"name":`...)
	b = appendStringJSON(b, s.Name)
	b = append(b, `,"description":`...)
	b = appendStringJSON(b, s.Description)
	b = append(b, `,"env_name":`...)
	b = appendStringJSON(b, s.EnvName)
	b = append(b, `,"file_path":`...)
	b = appendStringJSON(b, s.FilePath)
	b = append(b, `,"enabled":`...)
	b = strconv.AppendBool(b, s.Enabled)
	b = append(b, `,"templates":`...)
	if s.Templates == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range s.Templates {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStringJSON(b, t)
		}
		b = append(b, ']')
	}
	b = append(b, `,"refresh":`...)
	b = appendStringJSON(b, s.Refresh)
	var ok bool
	b = append(b, `,"created_at":`...)
	if b, ok = appendTimeJSON(b, s.CreatedAt); !ok {
		return b, false
	}
	b = append(b, `,"updated_at":`...)
	if b, ok = appendTimeJSON(b, s.UpdatedAt); !ok {
		return b, false
	}
	return append(b, '}'), true
}

const hexDigits = "0123456789abcdef"

func appendUUIDJSON(b []byte, u uuid.UUID) []byte {
	b = append(b, '"')
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return append(b, '"')
}

// appendTimeJSON is time.Time's MarshalJSON (RFC 3339 with nanoseconds),
// which refuses a year outside 0-9999 (and a zone offset of 24 h or more).
func appendTimeJSON(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

// appendStringJSON quotes s as encoding/json does with HTML escaping on
// (its default): <, > and & as \u003c, \u003e and \u0026, U+2028 and
// U+2029 escaped, invalid UTF-8 as \ufffd.
func appendStringJSON(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
