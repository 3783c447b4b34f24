resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

# Clone the project, then let the agent start its Dev Container.
resource "coder_script" "clone" {
  agent_id     = coder_agent.dev.id
  display_name = "Clone the project"
  run_on_start = true
  script       = "git clone https://github.com/coder/coder /home/coder/coder || true"
}

resource "coder_devcontainer" "project" {
  agent_id         = coder_agent.dev.id
  workspace_folder = "/home/coder/coder"
  config_path      = ".devcontainer/devcontainer.json"
}
