data "coder_external_auth" "github" {
  id = "github"
}

data "coder_external_auth" "gitlab" {
  id       = "gitlab"
  optional = true
}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_env" "github_token" {
  agent_id = coder_agent.dev.id
  name     = "GITHUB_TOKEN"
  value    = data.coder_external_auth.github.access_token
}
