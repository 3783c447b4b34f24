terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

provider "coder" {}

data "coder_workspace" "me" {}

data "coder_workspace_owner" "me" {}

data "coder_secret" "api_key" {
  env          = "API_KEY"
  help_message = "Create an API key secret with the env target API_KEY."
}

data "coder_secret" "tool_config" {
  file         = "~/.config/tool/config.json"
  help_message = "Add your tool configuration as a file secret at ~/.config/tool/config.json."
}

resource "coder_agent" "dev" {
  os                      = "linux"
  arch                    = "amd64"
  auth                    = "token"
  dir                     = "/home/coder"
  startup_script          = "echo started"
  startup_script_behavior = "blocking"
  shutdown_script         = "echo stopping"
  connection_timeout      = 60
  motd_file               = "/etc/motd"
  troubleshooting_url     = "https://example.com/troubleshooting"
  order                   = 1
  api_key_scope           = "no_user_data"

  env = {
    GREETING = "hello"
    OWNER    = data.coder_workspace_owner.me.name
  }

  metadata {
    key          = "cpu"
    display_name = "CPU usage"
    script       = "top -bn1 | head -3"
    interval     = 10
    timeout      = 1
    order        = 1
  }

  metadata {
    key      = "disk"
    script   = "df -h /home"
    interval = 60
  }

  display_apps {
    vscode          = false
    vscode_insiders = true
  }

  resources_monitoring {
    memory {
      enabled   = true
      threshold = 80
    }
    volume {
      path      = "/home/coder"
      enabled   = true
      threshold = 90
    }
  }
}

resource "coder_env" "path" {
  agent_id       = coder_agent.dev.id
  name           = "PATH"
  value          = "/opt/tool/bin"
  merge_strategy = "prepend"
}

resource "coder_env" "welcome" {
  agent_id = coder_agent.dev.id
  name     = "WELCOME"
  value    = "Hello, ${data.coder_workspace_owner.me.full_name}"
}

resource "coder_script" "setup" {
  agent_id           = coder_agent.dev.id
  display_name       = "Setup"
  icon               = "${data.coder_workspace.me.access_url}/icon/code.svg"
  script             = "echo setup"
  run_on_start       = true
  start_blocks_login = true
  timeout            = 300
  log_path           = "setup.log"
}

resource "coder_script" "nightly" {
  agent_id     = coder_agent.dev.id
  display_name = "Nightly"
  script       = "echo nightly"
  cron         = "0 0 22 * * *"
}

resource "coder_script" "stop" {
  agent_id     = coder_agent.dev.id
  display_name = "Stop"
  script       = "echo stop"
  run_on_stop  = true
}

# A stand-in for the workspace's compute resource.
resource "terraform_data" "workspace" {
  count = data.coder_workspace.me.start_count
  input = {
    init_script = coder_agent.dev.init_script
    token       = coder_agent.dev.token
  }
}

# Outputs never show a secret: only hashes and comparisons, made
# non-sensitive on purpose.
output "api_key_sha256" {
  value = nonsensitive(sha256(data.coder_secret.api_key.value))
}

output "tool_config_sha256" {
  value = nonsensitive(sha256(data.coder_secret.tool_config.value))
}

output "secrets_empty" {
  value = nonsensitive(data.coder_secret.api_key.value == "" && data.coder_secret.tool_config.value == "")
}

output "secret_ids" {
  value = [data.coder_secret.api_key.id, data.coder_secret.tool_config.id]
}

output "workspace" {
  value = {
    id               = data.coder_workspace.me.id
    name             = data.coder_workspace.me.name
    transition       = data.coder_workspace.me.transition
    start_count      = data.coder_workspace.me.start_count
    access_url       = data.coder_workspace.me.access_url
    access_port      = data.coder_workspace.me.access_port
    template_id      = data.coder_workspace.me.template_id
    template_name    = data.coder_workspace.me.template_name
    template_version = data.coder_workspace.me.template_version
    is_prebuild      = data.coder_workspace.me.is_prebuild
    prebuild_count   = data.coder_workspace.me.prebuild_count
  }
}

output "owner" {
  value = {
    id         = data.coder_workspace_owner.me.id
    name       = data.coder_workspace_owner.me.name
    full_name  = data.coder_workspace_owner.me.full_name
    email      = data.coder_workspace_owner.me.email
    groups     = data.coder_workspace_owner.me.groups
    login_type = data.coder_workspace_owner.me.login_type
    rbac_roles = data.coder_workspace_owner.me.rbac_roles
  }
}

output "owner_session_token_sha256" {
  value = nonsensitive(sha256(data.coder_workspace_owner.me.session_token))
}

output "init_script" {
  value = coder_agent.dev.init_script
}

output "token_length" {
  value = nonsensitive(length(coder_agent.dev.token))
}
