data "coder_workspace" "me" {}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

# A web app served inside the workspace, proxied by Coder on a subdomain
# and checked for readiness.
resource "coder_app" "code_server" {
  agent_id     = coder_agent.dev.id
  slug         = "code-server"
  display_name = "VS Code in the browser"
  url          = "http://localhost:13337/?folder=/home/coder"
  icon         = "${data.coder_workspace.me.access_url}/icon/code.svg"
  subdomain    = true
  share        = "owner"
  order        = 1

  healthcheck {
    url       = "http://localhost:13337/healthz"
    interval  = 5
    threshold = 6
  }
}

# A command run in a terminal.
resource "coder_app" "htop" {
  agent_id     = coder_agent.dev.id
  slug         = "htop"
  display_name = "htop"
  command      = "htop"
  group        = "Tools"
}

# A link opened on the user's machine.
resource "coder_app" "vscode_desktop" {
  agent_id = coder_agent.dev.id
  slug     = "vscode-desktop"
  url      = "vscode://coder.coder-remote/open?owner=alice&workspace=${data.coder_workspace.me.name}"
  external = true
  tooltip  = "Needs the **Coder** extension of VS Code."
}
