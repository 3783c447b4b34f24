data "coder_workspace" "me" {}

resource "coder_agent" "dev" {
  os             = "linux"
  arch           = "amd64"
  dir            = "/workspace"
  startup_script = <<-EOT
    #!/bin/sh
    git config --global init.defaultBranch main
  EOT
  env = {
    EDITOR = "vim"
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
    script       = "cut -d' ' -f1 /proc/loadavg"
    interval     = 10
    timeout      = 1
    order        = 1
  }

  metadata {
    display_name = "Home disk"
    key          = "home_disk"
    script       = "df -h --output=pcent /workspace | tail -1"
    interval     = 60
    timeout      = 5
    order        = 2
  }
}

# The compute resource runs the init script with the agent's token, for
# example a container (stood in for here by terraform_data):
resource "terraform_data" "container" {
  count = data.coder_workspace.me.start_count
  input = {
    entrypoint = ["sh", "-c", coder_agent.dev.init_script]
    env        = ["CODER_AGENT_TOKEN=${coder_agent.dev.token}"]
  }
}
