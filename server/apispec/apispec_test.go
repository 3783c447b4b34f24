package apispec_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usersecrets/coder/docs"
	"github.com/usersecrets/coder/server/apispec"
)

// TestOpenAPIDrift fails when docs/openapi.json is not what apispec.Build
// makes of the operations and the sdk types today: run `make generate`.
func TestOpenAPIDrift(t *testing.T) {
	want, err := apispec.Build()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("docs/openapi.json is out of date with server/apispec and the sdk types: run `make generate` and commit it")
	}
	if !bytes.Equal(docs.OpenAPI, want) {
		t.Fatal("the embedded docs.OpenAPI differs from docs/openapi.json")
	}
}

// TestOpenAPIValid loads the description with kin-openapi and validates it
// as an OpenAPI 3 document.
func TestOpenAPIValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(doc.Paths.Map()); n < 30 {
		t.Fatalf("only %d paths", n)
	}
}
