package server

import (
	"fmt"
	"net/http"

	"github.com/usersecrets/coder/server/web"
)

// routes is the whole API: every route, with its authentication.
func (s *Server) routes() {
	m := &patternMux{ServeMux: http.NewServeMux()}
	m.HandleFunc("GET /api/v2/openapi.json", s.openAPI)
	m.HandleFunc("GET /api/v2/buildinfo", s.buildInfo)
	m.HandleFunc("GET /api/v2/users/first", s.hasFirstUser)
	m.HandleFunc("POST /api/v2/users/first", s.createFirstUser)
	m.Handle("POST /api/v2/users/login", s.loginCounted(s.login))
	m.Handle("POST /api/v2/users/login/cookie", s.loginCounted(s.cookieLogin))
	m.Handle("POST /api/v2/users/logout", s.auth(s.logout))
	m.Handle("POST /api/v2/users", s.auth(s.createUser))
	m.Handle("GET /api/v2/users/{user}", s.auth(s.getUser))
	m.Handle("POST /api/v2/users/{user}/keys/tokens", s.auth(s.createToken))
	m.Handle("GET /api/v2/users/{user}/secrets", s.auth(s.secretOp("list", s.listSecrets)))
	m.Handle("POST /api/v2/users/{user}/secrets", s.auth(s.secretOp("create", s.createSecret)))
	m.Handle("POST /api/v2/users/{user}/secrets/batch", s.auth(s.secretOp("import", s.importSecrets)))
	m.Handle("GET /api/v2/audit", s.auth(s.listAudit))
	m.Handle("GET /api/v2/users/{user}/secretpreview", s.auth(s.previewSecrets))
	m.Handle("GET /api/v2/users/{user}/secrets/{name}", s.auth(s.secretOp("get", s.getSecret)))
	m.Handle("PATCH /api/v2/users/{user}/secrets/{name}", s.auth(s.secretOp("update", s.updateSecret)))
	m.Handle("DELETE /api/v2/users/{user}/secrets/{name}", s.auth(s.secretOp("delete", s.deleteSecret)))
	m.Handle("GET /api/v2/templates", s.auth(s.listTemplates))
	m.Handle("GET /api/v2/templates/{template}", s.auth(s.getTemplate))
	m.Handle("POST /api/v2/templates/{template}/versions", s.auth(s.pushTemplate))
	m.Handle("GET /api/v2/users/{user}/workspaces", s.auth(s.listWorkspaces))
	m.Handle("POST /api/v2/users/{user}/workspaces", s.needProvisioner(s.auth(s.createWorkspace)))
	m.Handle("GET /api/v2/users/{user}/workspaces/{workspace}", s.auth(s.getWorkspace))
	m.Handle("PATCH /api/v2/users/{user}/workspaces/{workspace}", s.auth(s.updateWorkspace))
	m.Handle("POST /api/v2/users/{user}/workspaces/{workspace}/builds", s.needProvisioner(s.auth(s.createBuild)))
	m.Handle("GET /api/v2/users/{user}/workspaces/{workspace}/agent", s.auth(s.getWorkspaceAgent))
	m.Handle("GET /api/v2/users/{user}/workspaces/{workspace}/agent/logs", s.auth(s.getWorkspaceAgentLogs))
	m.Handle("GET /api/v2/users/{user}/workspaces/{workspace}/ssh", s.auth(s.workspaceSSH))
	m.Handle("GET /api/v2/users/{user}/workspaces/{workspace}/resources", s.auth(s.getWorkspaceResources))
	m.Handle("GET /api/v2/workspacebuilds/{build}", s.auth(s.getBuild))
	m.Handle("GET /api/v2/workspacebuilds/{build}/logs", s.auth(s.buildLogs))
	m.Handle("POST /api/v2/workspacebuilds/{build}/cancel", s.auth(s.cancelBuild))
	m.Handle("GET /api/v2/workspacebuilds/{build}/parameters", s.auth(s.getBuildParameters))
	m.Handle("GET /api/v2/workspacebuilds/{build}/secrets", s.auth(s.getBuildSecrets))
	m.Handle("GET /api/v2/deployment/user-secrets/capabilities", s.auth(s.secretCapabilities))
	m.Handle("GET /api/v2/templateversions/{version}/parameters", s.auth(s.getTemplateVersionInfo))
	m.Handle("GET /api/v2/workspaceagents/me/manifest", s.manifestFetch(http.HandlerFunc(s.agentManifest)))
	m.Handle("POST /api/v2/workspaceagents/me/lifecycle", s.agentAuth(s.agentLifecycle))
	m.Handle("POST /api/v2/workspaceagents/me/manifest/applied", s.agentAuth(s.agentManifestApplied))
	m.Handle("POST /api/v2/workspaceagents/me/logs", s.agentAuth(s.agentLogs))
	m.Handle("POST /api/v2/workspaceagents/me/app-health", s.agentAuth(s.agentAppHealth))
	m.Handle("GET /api/v2/workspaceagents/me/rpc", s.agentAuth(s.agentRPC))
	m.HandleFunc("GET /bin/{file}", s.serveBinary)
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.HandleFunc("GET /api/v2/internal/relay/agents/{agent}", s.relayAgent)
	// The dashboard (server/web, docs/dashboard.md).
	m.HandleFunc("GET /{$}", s.webRoot)
	for _, p := range web.Pages {
		m.HandleFunc("GET /"+p, s.webPage(p))
	}
	m.HandleFunc("GET /assets/{file}", web.ServeAsset)
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Route %s %s does not exist.", r.Method, r.URL.Path))
	})
	s.mux, s.patterns = m.ServeMux, m.patterns
}
