variable "dotfiles_uri" {
  type    = string
  default = "https://github.com/example/dotfiles"
}

data "coder_workspace" "me" {}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
  dir  = "/workspace"
}

resource "coder_script" "dotfiles" {
  agent_id     = coder_agent.dev.id
  display_name = "Dotfiles"
  icon         = "/icon/dotfiles.svg"
  run_on_start = true
  script       = "coder dotfiles -y ${var.dotfiles_uri}"
}

resource "coder_script" "code-server" {
  agent_id           = coder_agent.dev.id
  display_name       = "code-server"
  icon               = "${data.coder_workspace.me.access_url}/icon/code.svg"
  run_on_start       = true
  start_blocks_login = true
  script = templatefile("${path.module}/install-code-server.sh", {
    LOG_PATH : "/tmp/code-server.log"
  })
}

resource "coder_script" "nightly_update" {
  agent_id     = coder_agent.dev.id
  display_name = "Nightly update"
  icon         = "/icon/database.svg"
  cron         = "0 0 22 * * *"
  script       = <<EOF
    #!/bin/sh
    echo "Running the nightly update"
  EOF
}

resource "coder_script" "every_5_minutes" {
  agent_id     = coder_agent.dev.id
  display_name = "Health check"
  icon         = "/icon/heart.svg"
  cron         = "0 */5 * * * *"
  log_path     = "health.log"
  timeout      = 30
  script       = <<EOF
    #!/bin/sh
    echo "Health check at $(date)"
  EOF
}

resource "coder_script" "shutdown" {
  agent_id     = coder_agent.dev.id
  display_name = "Stop daemon server"
  run_on_stop  = true
  icon         = "/icon/memory.svg"
  script       = <<EOF
    #!/bin/sh
    kill $(lsof -i :3002 -t) >/tmp/pid.log 2>&1 &
  EOF
}
