// Package apispec builds the OpenAPI 3 description of the REST API
// (docs/openapi.json): the operations are listed here, one per route of
// server/routes.go, and the schemas of their bodies are derived by
// reflection from the Go types the server encodes and decodes (sdk's wire
// types), so a field added to a type lands in the schema at the next
// `make generate`. Tests check the file against Build (drift), against the
// router (every route documented and every documented route served) and
// against real traffic (bodies validate).
package apispec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server"
)

// Content types beyond JSON.
const (
	NDJSON = "application/x-ndjson"
	Tar    = "application/x-tar"
	Binary = "application/octet-stream"
	Text   = "text/plain"
)

type auth int

const (
	public  auth = iota
	session      // a user's session or API token
	agent        // a workspace agent's token
	relay        // a MAC of the shared keys (server processes only)
)

type param struct {
	name, typ, format, desc string
}

type response struct {
	status int
	desc   string
	body   any    // a value of the JSON body's type; nil for none
	ctype  string // a content type other than JSON (body is then the item type for NDJSON)
}

// Op is one operation: a route of server/routes.go.
type Op struct {
	Method, Path string
	summary      string
	tag          string
	auth         auth
	query        []param
	request      any // a value of the JSON request body's type
	tarRequest   bool
	responses    []response
	websocket    bool
}

// Pattern is the route as server/routes.go registers it: "METHOD /path".
func (o Op) Pattern() string { return o.Method + " " + o.Path }

var user = param{name: "user", desc: "`me`, a username or a user id"}

// Ops lists every operation of the API.
func Ops() []Op {
	ok := func(status int, body any) []response { return []response{{status: status, body: body}} }
	noContent := []response{{status: http.StatusNoContent, desc: "Done."}}
	switching := []response{{status: http.StatusSwitchingProtocols, desc: "The connection is upgraded to a websocket."}}
	return []Op{
		{Method: "GET", Path: "/api/v2/buildinfo", tag: "General", summary: "The server's version.", responses: ok(200, sdk.BuildInfo{})},
		{Method: "GET", Path: "/api/v2/openapi.json", tag: "General", summary: "This description of the API.", responses: ok(200, map[string]any{})},
		{Method: "GET", Path: "/healthz", tag: "General", summary: "200 while the process serves HTTP.", responses: ok(200, server.HealthResponse{})},
		{Method: "GET", Path: "/readyz", tag: "General", summary: "Readiness: the database, the migrations and the provisioner; 503 when a check fails.",
			responses: []response{{status: 200, body: server.HealthResponse{}}, {status: 503, desc: "A check is failing.", body: server.HealthResponse{}}}},

		{Method: "GET", Path: "/api/v2/users/first", tag: "Users", summary: "Whether the first user exists (404 when not).", responses: ok(200, sdk.Response{})},
		{Method: "POST", Path: "/api/v2/users/first", tag: "Users", summary: "Create the first user, an admin.", request: sdk.CreateFirstUserRequest{}, responses: ok(201, sdk.User{})},
		{Method: "POST", Path: "/api/v2/users/login", tag: "Users", summary: "Log in with a password; 429 with Retry-After after repeated failures.", request: sdk.LoginRequest{}, responses: ok(201, sdk.LoginResponse{})},
		{Method: "POST", Path: "/api/v2/users/login/cookie", tag: "Users", summary: "Log in to the web dashboard with a password: the session token goes into an HttpOnly cookie, never into the answer; 403 unless the request's Origin is the server's.", request: sdk.LoginRequest{}, responses: ok(201, sdk.Response{})},
		{Method: "POST", Path: "/api/v2/users/logout", tag: "Users", auth: session, summary: "Revoke the token used.", responses: ok(200, sdk.Response{})},
		{Method: "POST", Path: "/api/v2/users", tag: "Users", auth: session, summary: "Create a user (admins only).", request: sdk.CreateUserRequest{}, responses: ok(201, sdk.User{})},
		{Method: "GET", Path: "/api/v2/users/{user}", tag: "Users", auth: session, summary: "A user: yourself, or anyone for an admin.", responses: ok(200, sdk.User{})},
		{Method: "POST", Path: "/api/v2/users/{user}/keys/tokens", tag: "Users", auth: session, summary: "Create an API token (lifetime in nanoseconds).", request: sdk.CreateTokenRequest{}, responses: ok(201, sdk.TokenResponse{})},

		{Method: "GET", Path: "/api/v2/users/{user}/secrets", tag: "Secrets", auth: session, summary: "The user's secrets, sorted by name, without values.", responses: ok(200, []sdk.Secret{})},
		{Method: "POST", Path: "/api/v2/users/{user}/secrets", tag: "Secrets", auth: session, summary: "Create a secret.", request: sdk.CreateSecretRequest{}, responses: ok(201, sdk.Secret{})},
		{Method: "POST", Path: "/api/v2/users/{user}/secrets/batch", tag: "Secrets", auth: session, summary: "Import the keys of a dotenv, JSON or YAML file as secrets, all or none.", request: sdk.ImportSecretsRequest{}, responses: ok(201, sdk.ImportSecretsResponse{})},
		{Method: "GET", Path: "/api/v2/users/{user}/secrets/{name}", tag: "Secrets", auth: session, summary: "A secret, without its value.", responses: ok(200, sdk.Secret{})},
		{Method: "PATCH", Path: "/api/v2/users/{user}/secrets/{name}", tag: "Secrets", auth: session, summary: "Change a secret: an absent field is unchanged.", request: sdk.UpdateSecretRequest{}, responses: ok(200, sdk.Secret{})},
		{Method: "DELETE", Path: "/api/v2/users/{user}/secrets/{name}", tag: "Secrets", auth: session, summary: "Delete a secret.", responses: noContent},
		{Method: "GET", Path: "/api/v2/users/{user}/secretpreview", tag: "Secrets", auth: session, summary: "What a workspace of a template, or a workspace, would get of the user's secrets: names and targets, never a value.",
			query: []param{
				{name: "template", typ: "string", desc: "a template's name (give this or workspace)"},
				{name: "workspace", typ: "string", desc: "one of the user's workspaces (give this or template)"},
				{name: "home", typ: "string", desc: "the home folder `~/` stands for (template previews)"},
			}, responses: ok(200, sdk.SecretPreview{})},
		{Method: "GET", Path: "/api/v2/audit", tag: "Secrets", auth: session, summary: "The audit log of secret changes, newest first.",
			query: []param{
				{name: "user", typ: "string", desc: "the secrets' owner: username, id or `me`"},
				{name: "action", typ: "string", desc: "create, update or delete"},
				{name: "resource_type", typ: "string"},
				{name: "resource_name", typ: "string"},
				{name: "since", typ: "string", format: "date-time", desc: "RFC 3339, inclusive"},
				{name: "until", typ: "string", format: "date-time", desc: "RFC 3339, exclusive"},
				{name: "limit", typ: "integer", desc: "1 to 1000, default 100"},
				{name: "offset", typ: "integer", desc: "default 0"},
			}, responses: ok(200, sdk.AuditResponse{})},

		{Method: "GET", Path: "/api/v2/templates", tag: "Templates", auth: session, summary: "Every template.", responses: ok(200, []sdk.Template{})},
		{Method: "GET", Path: "/api/v2/templates/{template}", tag: "Templates", auth: session, summary: "A template.", responses: ok(200, sdk.Template{})},
		{Method: "POST", Path: "/api/v2/templates/{template}/versions", tag: "Templates", auth: session, summary: "Push a new active version (admins only): a tar archive, or JSON with the archive in base64 and variables.",
			request: sdk.PushTemplateRequest{}, tarRequest: true, responses: ok(201, sdk.Template{})},
		{Method: "GET", Path: "/api/v2/templateversions/{version}/parameters", tag: "Templates", auth: session, summary: "A version's parameters, presets and variables.", responses: ok(200, sdk.TemplateVersionInfo{})},

		{Method: "GET", Path: "/api/v2/users/{user}/workspaces", tag: "Workspaces", auth: session, summary: "The user's workspaces.", responses: ok(200, []sdk.Workspace{})},
		{Method: "POST", Path: "/api/v2/users/{user}/workspaces", tag: "Workspaces", auth: session, summary: "Create a workspace; its first build (start) is queued. 503 without Terraform.", request: sdk.CreateWorkspaceRequest{}, responses: ok(201, sdk.Workspace{})},
		{Method: "GET", Path: "/api/v2/users/{user}/workspaces/{workspace}", tag: "Workspaces", auth: session, summary: "A workspace.", responses: ok(200, sdk.Workspace{})},
		{Method: "PATCH", Path: "/api/v2/users/{user}/workspaces/{workspace}", tag: "Workspaces", auth: session, summary: "Change a workspace's settings: secret_refresh (restart or live). Turning live on pushes pending file-only secrets to the running agent at once.", request: sdk.UpdateWorkspaceRequest{}, responses: ok(200, sdk.Workspace{})},
		{Method: "POST", Path: "/api/v2/users/{user}/workspaces/{workspace}/builds", tag: "Workspaces", auth: session, summary: "Queue a start, stop or delete build. 503 without Terraform.", request: sdk.CreateBuildRequest{}, responses: ok(201, sdk.WorkspaceBuild{})},
		{Method: "GET", Path: "/api/v2/users/{user}/workspaces/{workspace}/agent", tag: "Workspaces", auth: session, summary: "The agent of the latest build; with changed_from, held until its state_key differs.",
			query: []param{
				{name: "changed_from", typ: "string", desc: "the state_key of an earlier answer: answer once the agent, its connection or its lifecycle state changed"},
				{name: "wait_ms", typ: "integer", desc: "with changed_from, answer unchanged after this many milliseconds (1 to 60000; default 60000)"},
			},
			responses: ok(200, sdk.WorkspaceAgent{})},
		{Method: "GET", Path: "/api/v2/users/{user}/workspaces/{workspace}/agent/logs", tag: "Workspaces", auth: session, summary: "The startup script lines the agent uploaded.", responses: ok(200, []sdk.AgentLog{})},
		{Method: "GET", Path: "/api/v2/users/{user}/workspaces/{workspace}/ssh", tag: "Workspaces", auth: session, websocket: true, summary: "A byte stream to the agent's SSH server (websocket); 409 when the workspace is not running, 502 when its agent is not connected.", responses: switching},
		{Method: "GET", Path: "/api/v2/users/{user}/workspaces/{workspace}/resources", tag: "Workspaces", auth: session, summary: "What the latest build recorded: resources, agents, apps, parameters, secrets received.", responses: ok(200, sdk.WorkspaceDetail{})},
		{Method: "GET", Path: "/api/v2/workspacebuilds/{build}", tag: "Builds", auth: session, summary: "A build.", responses: ok(200, sdk.WorkspaceBuild{})},
		{Method: "GET", Path: "/api/v2/workspacebuilds/{build}/logs", tag: "Builds", auth: session, summary: "The build's log, one JSON line per log line; with follow=true the answer stays open until the build ends.",
			query:     []param{{name: "after", typ: "integer", desc: "only lines with a greater id"}, {name: "follow", typ: "boolean", desc: "stay open until the build ends"}},
			responses: []response{{status: 200, desc: "One BuildLog per line.", body: sdk.BuildLog{}, ctype: NDJSON}}},
		{Method: "POST", Path: "/api/v2/workspacebuilds/{build}/cancel", tag: "Builds", auth: session, summary: "Cancel a pending or running build.", responses: ok(200, sdk.WorkspaceBuild{})},
		{Method: "GET", Path: "/api/v2/workspacebuilds/{build}/secrets", tag: "Builds", auth: session, summary: "The build's workspace build secrets: metadata only, never a value, with what each replaces.", responses: ok(200, []sdk.WorkspaceBuildSecret{})},
		{Method: "GET", Path: "/api/v2/deployment/user-secrets/capabilities", tag: "Secrets", auth: session, summary: "What the deployment delivers: whether file targets are written.", responses: ok(200, sdk.UserSecretCapabilities{})},
		{Method: "GET", Path: "/api/v2/workspacebuilds/{build}/parameters", tag: "Builds", auth: session, summary: "The build's parameter values.", responses: ok(200, []sdk.BuildParameter{})},

		{Method: "GET", Path: "/api/v2/workspaceagents/me/manifest", tag: "Agents", auth: agent, summary: "The agent's manifest, secret values included.", responses: ok(200, sdk.AgentManifest{})},
		{Method: "POST", Path: "/api/v2/workspaceagents/me/manifest/applied", tag: "Agents", auth: agent, summary: "The agent reports the manifest revision it applied, its home folder and its stale secret files.", request: sdk.AgentManifestAppliedRequest{}, responses: noContent},
		{Method: "POST", Path: "/api/v2/workspaceagents/me/lifecycle", tag: "Agents", auth: agent, summary: "Report the agent's lifecycle state.", request: sdk.AgentLifecycleRequest{}, responses: noContent},
		{Method: "POST", Path: "/api/v2/workspaceagents/me/logs", tag: "Agents", auth: agent, summary: "Upload startup script lines (at most 1000 a request).", request: sdk.AgentLogsRequest{}, responses: noContent},
		{Method: "POST", Path: "/api/v2/workspaceagents/me/app-health", tag: "Agents", auth: agent, summary: "Report the health of the agent's apps.", request: sdk.AppHealthRequest{}, responses: noContent},
		{Method: "GET", Path: "/api/v2/workspaceagents/me/rpc", tag: "Agents", auth: agent, websocket: true, summary: "The agent's connection (websocket, yamux sessions).", responses: switching},
		{Method: "GET", Path: "/api/v2/internal/relay/agents/{agent}", tag: "Agents", auth: relay, websocket: true, summary: "Between server processes only: a relay to an agent connected to this process (authenticated with a MAC of the shared keys).", responses: switching},
		{Method: "GET", Path: "/bin/{file}", tag: "Agents", summary: "An agent binary, coder-<os>-<arch> (.exe for windows), or its SHA-256 checksum, coder-<os>-<arch>.sha256.",
			responses: []response{{status: 200, desc: "The binary, or its checksum as `<hex>  <file name>`.", ctype: Binary}}},
	}
}

// Build returns docs/openapi.json as it should be.
func Build() ([]byte, error) {
	g := &gen{schemas: map[string]any{}, names: map[string]reflect.Type{}}
	paths := map[string]map[string]any{}
	for _, o := range Ops() {
		op, err := g.operation(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Pattern(), err)
		}
		if paths[o.Path] == nil {
			paths[o.Path] = map[string]any{}
		}
		m := strings.ToLower(o.Method)
		if _, dup := paths[o.Path][m]; dup {
			return nil, fmt.Errorf("%s is listed twice", o.Pattern())
		}
		paths[o.Path][m] = op
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "coder user secrets",
			"version": "2",
			"description": "The REST API of the coder server. Generated by `make generate` from server/apispec " +
				"(the operations) and the Go wire types of sdk (the schemas); docs/api.md explains the rules.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"CoderSessionToken": map[string]any{"type": "apiKey", "in": "header", "name": sdk.SessionTokenHeader,
					"description": "A session token from POST /api/v2/users/login, or an API token."},
				"CoderAgentToken": map[string]any{"type": "apiKey", "in": "header", "name": sdk.AgentTokenHeader,
					"description": "A workspace agent's token."},
			},
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type gen struct {
	schemas map[string]any
	names   map[string]reflect.Type
}

func (g *gen) operation(o Op) (map[string]any, error) {
	op := map[string]any{
		"summary":     o.summary,
		"operationId": operationID(o),
		"tags":        []string{o.tag},
	}
	switch o.auth {
	case session:
		op["security"] = []any{map[string]any{"CoderSessionToken": []string{}}}
	case agent:
		op["security"] = []any{map[string]any{"CoderAgentToken": []string{}}}
	}
	var params []any
	for _, name := range pathParams(o.Path) {
		p := param{name: name}
		if name == "user" {
			p = user
		}
		s := map[string]any{"type": "string"}
		if name == "build" || name == "version" || name == "agent" {
			s["format"] = "uuid"
		}
		pm := map[string]any{"name": name, "in": "path", "required": true, "schema": s}
		if p.desc != "" {
			pm["description"] = p.desc
		}
		params = append(params, pm)
	}
	for _, q := range o.query {
		s := map[string]any{"type": q.typ}
		if q.format != "" {
			s["format"] = q.format
		}
		pm := map[string]any{"name": q.name, "in": "query", "required": false, "schema": s}
		if q.desc != "" {
			pm["description"] = q.desc
		}
		params = append(params, pm)
	}
	if o.websocket {
		for _, h := range []string{"Connection", "Upgrade"} {
			params = append(params, map[string]any{"name": h, "in": "header", "required": false, "schema": map[string]any{"type": "string"},
				"description": "websocket upgrade (`" + map[string]string{"Connection": "Upgrade", "Upgrade": "websocket"}[h] + "`)"})
		}
	}
	if params != nil {
		op["parameters"] = params
	}
	if o.request != nil {
		content := map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(o.request))}}
		if o.tarRequest {
			content[Tar] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	responses := map[string]any{}
	for _, r := range o.responses {
		desc := r.desc
		if desc == "" {
			desc = http.StatusText(r.status)
		}
		rm := map[string]any{"description": desc}
		switch {
		case r.ctype == NDJSON:
			rm["content"] = map[string]any{NDJSON: map[string]any{"schema": map[string]any{"type": "array", "items": g.schema(reflect.TypeOf(r.body))}}}
		case r.ctype == Binary:
			rm["headers"] = map[string]any{"X-Checksum-Sha256": map[string]any{
				"description": "The binary's SHA-256, in hex (absent on a .sha256 answer).",
				"schema":      map[string]any{"type": "string", "pattern": "^[0-9a-f]{64}$"},
			}}
			rm["content"] = map[string]any{
				Binary: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}},
				Text:   map[string]any{"schema": map[string]any{"type": "string"}},
			}
		case r.body != nil:
			rm["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.body))}}
		}
		responses[strconv.Itoa(r.status)] = rm
	}
	responses["default"] = map[string]any{
		"description": "An error: 4xx for bad input (docs/api.md lists when), 5xx without internal detail.",
		"content":     map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(sdk.Response{}))}},
	}
	op["responses"] = responses
	return op, nil
}

func pathParams(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.Trim(seg, "{}"))
		}
	}
	return out
}

// operationID is the method and the path's words in camel case, e.g.
// getUsersUserSecretsName.
func operationID(o Op) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(o.Method))
	for _, seg := range strings.FieldsFunc(strings.TrimPrefix(o.Path, "/api/v2"), func(r rune) bool { return r == '/' || r == '{' || r == '}' || r == '-' || r == '.' || r == '_' }) {
		b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
	}
	return b.String()
}

var (
	timeType     = reflect.TypeOf(time.Time{})
	durationType = reflect.TypeOf(time.Duration(0))
	uuidType     = reflect.TypeOf(uuid.UUID{})
	rawType      = reflect.TypeOf(json.RawMessage{})
)

// enums are the fields whose values are a closed set, by Type.field.
var enums = map[string][]string{
	"User.role":                            {sdk.RoleAdmin, sdk.RoleMember},
	"WorkspaceBuild.transition":            {sdk.TransitionStart, sdk.TransitionStop, sdk.TransitionDelete},
	"CreateBuildRequest.transition":        {sdk.TransitionStart, sdk.TransitionStop, sdk.TransitionDelete},
	"WorkspaceBuild.status":                {sdk.BuildPending, sdk.BuildRunning, sdk.BuildSucceeded, sdk.BuildFailed, sdk.BuildCanceled},
	"AgentLifecycleRequest.state":          {sdk.LifecycleCreated, sdk.LifecycleStarting, sdk.LifecycleReady, sdk.LifecycleStartError, sdk.LifecycleShutdown, sdk.LifecycleOff},
	"EnvVar.merge_strategy":                {sdk.MergeReplace, sdk.MergeAppend, sdk.MergePrepend, sdk.MergeError},
	"WorkspaceApp.health":                  {sdk.AppHealthDisabled, sdk.AppInitializing, sdk.AppHealthy, sdk.AppUnhealthy},
	"HealthResponse.status":                {"ok", "unavailable"},
	"AuditEntry.action":                    {"create", "update", "delete"},
	"WorkspaceAgent.lifecycle_state":       {sdk.LifecycleCreated, sdk.LifecycleStarting, sdk.LifecycleReady, sdk.LifecycleStartError, sdk.LifecycleShutdown, sdk.LifecycleOff},
	"WorkspaceAgentDetail.lifecycle_state": {sdk.LifecycleCreated, sdk.LifecycleStarting, sdk.LifecycleReady, sdk.LifecycleStartError, sdk.LifecycleShutdown, sdk.LifecycleOff},
}

// schema is t's schema: a $ref for a named struct (added to the
// components), inline otherwise.
func (g *gen) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == durationType:
		return map[string]any{"type": "integer", "format": "int64", "description": "nanoseconds"}
	case t == uuidType:
		return map[string]any{"type": "string", "format": "uuid"}
	case t == rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := g.schema(t.Elem())
		if _, ref := inner["$ref"]; ref {
			return map[string]any{"allOf": []any{inner}, "nullable": true}
		}
		inner["nullable"] = true
		return inner
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Uint, reflect.Uint32:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Int32, reflect.Int16, reflect.Int8, reflect.Uint16, reflect.Uint8:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte", "description": "base64"}
		}
		// A nil slice is encoded as null.
		return map[string]any{"type": "array", "items": g.schema(t.Elem()), "nullable": true}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem()), "nullable": true}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		if prev, ok := g.names[t.Name()]; ok && prev != t {
			panic(fmt.Sprintf("two types named %s: %v and %v", t.Name(), prev, t))
		}
		if _, done := g.names[t.Name()]; !done {
			g.names[t.Name()] = t
			g.schemas[t.Name()] = map[string]any{} // a placeholder against recursion
			g.schemas[t.Name()] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + t.Name()}
	}
	panic(fmt.Sprintf("apispec: no schema for %v", t))
}

// object is a struct's schema as encoding/json writes and reads it: a
// field without omitempty is always written, so it is required; no other
// property is allowed (the server refuses unknown fields).
func (g *gen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, t.Name(), props, &required)
	sort.Strings(required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func (g *gen) fields(t reflect.Type, owner string, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, owner, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if vals := enums[owner+"."+name]; len(vals) > 0 {
			s["enum"] = vals
		}
		props[name] = s
		omit := strings.Contains(","+opts+",", ",omitempty,")
		if !omit {
			*required = append(*required, name)
		}
	}
}
