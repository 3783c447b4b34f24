provider "coder" {}

data "coder_workspace" "me" {}

data "coder_workspace_owner" "me" {}

resource "coder_agent" "main" {
  arch = "amd64"
  os   = "linux"
  dir  = "/workspace"
}

# Stands in for a docker_container.
resource "terraform_data" "workspace" {
  count = data.coder_workspace.me.start_count
  input = {
    name       = "coder-${data.coder_workspace_owner.me.name}-${lower(data.coder_workspace.me.name)}"
    hostname   = data.coder_workspace.me.name
    entrypoint = ["sh", "-c", replace(coder_agent.main.init_script, "/localhost|127\\.0\\.0\\.1/", "host.docker.internal")]
    env        = ["CODER_AGENT_TOKEN=${coder_agent.main.token}"]
    labels = {
      "coder.owner"          = data.coder_workspace_owner.me.name
      "coder.owner_id"       = data.coder_workspace_owner.me.id
      "coder.workspace_id"   = data.coder_workspace.me.id
      "coder.workspace_name" = data.coder_workspace.me.name
      "coder.template"       = "${data.coder_workspace.me.template_name}@${data.coder_workspace.me.template_version}"
    }
  }
}
