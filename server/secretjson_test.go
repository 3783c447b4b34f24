package server

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

// encodingJSON is what writeJSON writes for v.
func encodingJSON(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkSecretJSON(t testing.TB, s sdk.Secret) {
	t.Helper()
	want := encodingJSON(t, s)
	got, ok := appendSecretJSON(nil, &s)
	if !ok {
		t.Fatalf("appendSecretJSON refused %+v, which encoding/json encodes", s)
	}
	got = append(got, '\n')
	if !bytes.Equal(got, want) {
		t.Fatalf("appendSecretJSON(%+v)\n got %s\nwant %s", s, got, want)
	}
}

func TestSecretJSONMatchesEncodingJSON(t *testing.T) {
	// Every field of sdk.Secret set: a field added to the type and not to
	// appendSecretJSON makes encoding/json's output differ.
	full := sdk.Secret{
		ID: uuid.New(), OwnerID: uuid.New(), Name: "tok", Description: "d", EnvName: "E", FilePath: "~/f",
		Enabled: true, Templates: []string{"a", "b"}, Refresh: sdk.RefreshLive,
		CreatedAt: time.Now(), UpdatedAt: time.Now().UTC(),
	}
	v := reflect.ValueOf(full)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Fatalf("the test's secret leaves field %s zero: set it", v.Type().Field(i).Name)
		}
	}
	checkSecretJSON(t, full)
	checkSecretJSON(t, sdk.Secret{})
	for _, s := range []string{
		"", `"`, `\`, "<script>&amp;</script>", "\b\f\n\r\t\x00\x01\x1f\x7f", "\u2028\u2029", "\xff\xfe", "a\xc3",
		"é日本語🔑", "\ufffd", "\xed\xa0\x80", "mix \"q\" <a> \u2028 \xff end",
	} {
		sec := full
		sec.Name, sec.Description, sec.FilePath, sec.Templates = s, s, s, []string{s, ""}
		checkSecretJSON(t, sec)
	}
	for _, tm := range []time.Time{
		time.Date(2026, 12, 2, 15, 4, 5, 123456789, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", -(23*3600+59*60))),
		time.Date(2000, 1, 1, 0, 0, 0, 1000, time.FixedZone("y", 5*3600+30*60)),
	} {
		sec := full
		sec.CreatedAt, sec.UpdatedAt = tm, tm
		checkSecretJSON(t, sec)
	}
	// A time encoding/json refuses is refused, and writeSecretsJSON falls
	// back to writeJSON's answer.
	bad := full
	bad.UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, ok := appendSecretJSON(nil, &bad); ok {
		t.Fatal("a year of 10000 was encoded")
	}
	rec := httptest.NewRecorder()
	writeSecretsJSON(rec, 200, &bad, nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("fallback answer: %d %v", rec.Code, rec.Header())
	}
	// Lists, empty and nil included, with the headers writeJSON sets.
	for _, list := range [][]sdk.Secret{nil, {}, {full}, {full, {}, full}} {
		rec := httptest.NewRecorder()
		writeSecretsJSON(rec, 201, nil, list)
		if want := encodingJSON(t, list); !bytes.Equal(rec.Body.Bytes(), want) {
			t.Fatalf("list %d\n got %s\nwant %s", len(list), rec.Body.Bytes(), want)
		}
		if rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("list answer: %d %v", rec.Code, rec.Header())
		}
	}
}

func FuzzSecretJSON(f *testing.F) {
	f.Add("tok", "<d>&", "~/x\u2028", "\xff", true, int64(0), int64(1))
	f.Fuzz(func(t *testing.T, name, desc, path, tmpl string, enabled bool, sec, nsec int64) {
		tm := time.Unix(sec%(1<<34), nsec%1e9).UTC()
		s := sdk.Secret{
			ID: uuid.New(), Name: name, Description: desc, EnvName: name, FilePath: path,
			Enabled: enabled, Templates: []string{tmpl}, Refresh: desc, CreatedAt: tm, UpdatedAt: tm,
		}
		if _, err := json.Marshal(s); err != nil {
			if _, ok := appendSecretJSON(nil, &s); ok {
				t.Fatalf("encoding/json refuses %+v (%v), appendSecretJSON encoded it", s, err)
			}
			return
		}
		checkSecretJSON(t, s)
	})
}
