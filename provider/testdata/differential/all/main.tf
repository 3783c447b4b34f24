# Every template-facing type of terraform-provider-coder v2.20.0, with the
# arguments left out as often as set: differential_test.go plans and applies
# it with this provider and with the reference under the same environment,
# and compares the states.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = "2.20.0"
    }
  }
}

data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}
data "coder_provisioner" "me" {}
data "coder_task" "me" {}

data "coder_external_auth" "github" {
  id = "github"
}

data "coder_external_auth" "gitlab" {
  id       = "gitlab"
  optional = true
}

data "coder_workspace_tags" "none" {}

data "coder_workspace_tags" "tags" {
  tags = {
    region = data.coder_parameter.region.value
    pool   = "general"
  }
}

# Parameters: every type, with and without options, defaults and
# validation. The test gives values for some of them and none for others.
data "coder_parameter" "region" {
  name         = "region"
  display_name = "Region"
  description  = "Where the workspace runs."
  icon         = "/emojis/1f30e.png"
  default      = "eu"
  mutable      = true
  order        = 1
  option {
    name  = "Europe"
    value = "eu"
    icon  = "/emojis/1f1ea-1f1fa.png"
  }
  option {
    name        = "United States"
    value       = "us"
    description = "Virginia"
  }
}

data "coder_parameter" "cpu" {
  name      = "cpu"
  type      = "number"
  default   = "2"
  mutable   = true
  form_type = "slider"
  validation {
    min       = 1
    max       = 8
    monotonic = "increasing"
    error     = "Between {min} and {max} CPUs, not {value}."
  }
}

data "coder_parameter" "disk" {
  name    = "disk"
  type    = "number"
  default = "10"
  validation {
    min = 5
  }
}

data "coder_parameter" "dotfiles" {
  name    = "dotfiles"
  default = ""
  styling = jsonencode({ placeholder = "https://github.com/you/dotfiles" })
  validation {
    regex = "^(https://.*)?$"
    error = "An https URL, or nothing."
  }
}

data "coder_parameter" "debug" {
  name      = "debug"
  type      = "bool"
  default   = "false"
  form_type = "switch"
  ephemeral = true
  mutable   = true
}

data "coder_parameter" "ides" {
  name      = "ides"
  type      = "list(string)"
  default   = jsonencode(["vscode"])
  form_type = "multi-select"
  option {
    name  = "VS Code"
    value = "vscode"
  }
  option {
    name  = "JetBrains"
    value = "jetbrains"
  }
}

data "coder_parameter" "tags" {
  name    = "tags"
  type    = "list(string)"
  default = jsonencode([])
}

# No default: required, and "" when the build gives no value.
data "coder_parameter" "project" {
  name = "project"
}

data "coder_workspace_preset" "small" {
  name        = "Small"
  description = "Two CPUs in Europe."
  icon        = "/emojis/1f423.png"
  default     = true
  parameters = {
    region = "eu"
    cpu    = "2"
  }
}

data "coder_workspace_preset" "pool" {
  name = "Pool"
  prebuilds {
    instances = 2
    expiration_policy {
      ttl = 86400
    }
    scheduling {
      timezone = "UTC"
      schedule {
        cron      = "* 8-18 * * 1-5"
        instances = 4
      }
      schedule {
        cron      = "* 19-23 * * 1-5"
        instances = 1
      }
    }
  }
}

data "coder_script_order" "order" {
  rule {
    run   = ["coder_script.tools"]
    after = ["coder_script.clone"]
  }
  rule {
    run      = ["coder_script.tools"]
    after    = ["coder_script.clone"]
    requires = "completion"
    phase    = "start"
  }
}

resource "coder_agent" "main" {
  os             = data.coder_provisioner.me.os
  arch           = data.coder_provisioner.me.arch
  dir            = "/home/coder"
  startup_script = "echo started"
  env = {
    REGION = data.coder_parameter.region.value
  }
  metadata {
    key          = "cpu"
    display_name = "CPU"
    script       = "top -bn1 | head -3"
    interval     = 10
    timeout      = 1
    order        = 2
  }
  metadata {
    key      = "disk"
    script   = "df -h"
    interval = 60
  }
}

resource "coder_agent" "custom" {
  os                      = "linux"
  arch                    = "arm64"
  auth                    = "aws-instance-identity"
  startup_script_behavior = "blocking"
  connection_timeout      = 30
  motd_file               = "/etc/motd"
  troubleshooting_url     = "https://example.com/help"
  order                   = 3
  api_key_scope           = "no_user_data"
  shutdown_script         = "echo bye"
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

resource "coder_agent_instance" "custom" {
  agent_id    = coder_agent.custom.id
  instance_id = "i-0123456789abcdef0"
}

resource "coder_external_agent" "main" {
  agent_id = coder_agent.main.id
}

resource "coder_env" "path" {
  agent_id       = coder_agent.main.id
  name           = "PATH"
  value          = "/opt/bin"
  merge_strategy = "prepend"
}

resource "coder_env" "plain" {
  agent_id = coder_agent.main.id
  name     = "PLAIN"
}

resource "coder_script" "clone" {
  agent_id     = coder_agent.main.id
  display_name = "Clone"
  script       = "git clone https://example.com/repo"
  run_on_start = true
  icon         = "/icon/git.svg"
}

resource "coder_script" "tools" {
  agent_id           = coder_agent.main.id
  display_name       = "Tools"
  script             = "install-tools"
  run_on_start       = true
  start_blocks_login = true
  timeout            = 300
  log_path           = "tools.log"
}

resource "coder_script" "nightly" {
  agent_id     = coder_agent.main.id
  display_name = "Nightly"
  script       = "backup"
  cron         = "0 0 22 * * *"
  run_on_stop  = true
}

resource "coder_app" "code" {
  agent_id     = coder_agent.main.id
  slug         = "code-server"
  display_name = "code-server"
  url          = "http://localhost:13337/?folder=/home/coder"
  icon         = "/icon/code.svg"
  subdomain    = false
  share        = "authenticated"
  order        = 1
  group        = "Editors"
  tooltip      = "VS Code in the **browser**."
  open_in      = "tab"
  healthcheck {
    url       = "http://localhost:13337/healthz"
    interval  = 5
    threshold = 6
  }
}

resource "coder_app" "terminal" {
  agent_id = coder_agent.main.id
  slug     = "htop"
  command  = "htop"
}

resource "coder_app" "docs" {
  agent_id = coder_agent.main.id
  slug     = "docs"
  url      = "https://coder.com/docs"
  external = true
}

resource "coder_app" "hidden" {
  agent_id = coder_agent.main.id
  slug     = "agent-api"
  url      = "http://localhost:3284"
  hidden   = true
}

resource "coder_ai_task" "task" {
  app_id = coder_app.hidden.id
}

resource "coder_devcontainer" "repo" {
  agent_id         = coder_agent.main.id
  workspace_folder = "/home/coder/repo"
}

resource "coder_devcontainer" "config" {
  agent_id         = coder_agent.main.id
  workspace_folder = "/home/coder/other"
  config_path      = ".devcontainer/devcontainer.json"
}

# A compute resource of another provider stands in for the workspace's.
resource "terraform_data" "home" {
  input = "home volume"
}

resource "terraform_data" "container" {
  count = data.coder_workspace.me.start_count
  input = coder_agent.main.init_script
}

resource "coder_metadata" "home" {
  resource_id = terraform_data.home.id
  icon        = "/icon/folder.svg"
  daily_cost  = 20
  hide        = false
  item {
    key   = "size"
    value = "10 GiB"
  }
  item {
    key       = "password"
    value     = "hunter2"
    sensitive = true
  }
  item {
    key = "empty"
  }
}

resource "coder_metadata" "container" {
  count       = data.coder_workspace.me.start_count
  resource_id = terraform_data.container[0].id
  item {
    key   = "image"
    value = "codercom/enterprise-base:ubuntu"
  }
}

resource "coder_app" "sub" {
  agent_id     = coder_agent.custom.id
  slug         = "jupyter"
  display_name = "Jupyter"
  url          = "http://localhost:8888"
  subdomain    = true
  share        = "public"
  hidden       = true
  order        = 4
  icon         = "/icon/jupyter.svg"
}

resource "coder_ai_task" "sidebar" {
  sidebar_app {
    id = coder_app.sub.id
  }
}

resource "coder_metadata" "agent" {
  resource_id = coder_agent.custom.id
  hide        = true
}

data "coder_parameter" "size" {
  name         = "size"
  display_name = "Size"
  type         = "number"
  default      = "1"
  order        = 5
  option {
    name  = "One"
    value = "1"
  }
  option {
    name  = "Two"
    value = "2"
  }
}

data "coder_parameter" "flag" {
  name    = "flag"
  type    = "bool"
  default = "true"
}

data "coder_parameter" "editor" {
  name      = "editor"
  default   = "vim"
  form_type = "dropdown"
  icon      = ""
  option {
    name  = "Vim"
    value = "vim"
  }
  option {
    name  = "Emacs"
    value = "emacs"
  }
}

data "coder_parameter" "notes" {
  name        = "notes"
  description = ""
  default     = "none"
  form_type   = "textarea"
}

resource "coder_agent" "minimal" {
  os   = "windows"
  arch = "amd64"
  display_apps {
    web_terminal           = false
    ssh_helper             = false
    port_forwarding_helper = false
  }
}

resource "coder_agent" "helpers" {
  os   = "darwin"
  arch = "arm64"
  display_apps {
    web_terminal = true
  }
}
