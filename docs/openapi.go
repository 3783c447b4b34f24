// Package docs holds the machine-readable parts of the documentation that
// the server serves: the OpenAPI description of the REST API, generated
// from server/apispec (`make generate`; a test fails when it drifts).
package docs

import _ "embed"

//go:generate go run ../server/apispec/cmd/openapigen openapi.json

// OpenAPI is openapi.json, served at GET /api/v2/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte
