data "coder_workspace" "me" {}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_script" "code_server" {
  agent_id           = coder_agent.dev.id
  display_name       = "code-server"
  icon               = "${data.coder_workspace.me.access_url}/icon/code.svg"
  run_on_start       = true
  start_blocks_login = true
  timeout            = 600
  script             = <<-EOT
    #!/bin/sh
    curl -fsSL https://code-server.dev/install.sh | sh
    code-server --auth none --port 13337 >/tmp/code-server.log 2>&1 &
  EOT
}

resource "coder_script" "nightly_cleanup" {
  agent_id     = coder_agent.dev.id
  display_name = "Nightly cleanup"
  cron         = "0 0 22 * * *" # seconds first: 22:00 every day
  log_path     = "nightly-cleanup.log"
  script       = "find /tmp -mindepth 1 -mtime +7 -delete"
}

resource "coder_script" "save_state" {
  agent_id     = coder_agent.dev.id
  display_name = "Save state"
  run_on_stop  = true
  script       = "tar -czf /workspace/.state.tgz -C /home/coder .local/state"
}
