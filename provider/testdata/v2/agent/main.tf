data "coder_workspace" "me" {
}

resource "coder_agent" "dev" {
  os             = "linux"
  arch           = "amd64"
  dir            = "/workspace"
  api_key_scope  = "all"
  startup_script = <<-EOT
    #!/bin/sh
    set -e
    echo "Preparing the workspace"
  EOT
  env = {
    EDITOR_THEME = "dark"
  }

  display_apps {
    vscode          = true
    vscode_insiders = false
    web_terminal    = true
    ssh_helper      = false
  }

  metadata {
    display_name = "Load average"
    key          = "load"
    script       = "cat /proc/loadavg"
    interval     = 10
    timeout      = 1
    order        = 2
  }
  metadata {
    display_name = "Memory"
    key          = "mem"
    script       = "free -m"
    interval     = 10
    timeout      = 1
    order        = 1
  }

  order = 1
}

# Stands in for a container or a VM that runs the agent.
resource "terraform_data" "pod" {
  count = data.coder_workspace.me.start_count
  input = {
    command = ["sh", "-c", coder_agent.dev.init_script]
    env     = { CODER_AGENT_TOKEN = coder_agent.dev.token }
  }
}
