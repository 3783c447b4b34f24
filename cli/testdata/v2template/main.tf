# The local example template with what templates written for
# terraform-provider-coder v2 use most: a parameter, apps and metadata.

terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

variable "coder_workspaces_dir" {
  type        = string
  description = "Folder of the workspaces' home folders. The server sets it to <data-dir>/workspaces through TF_VAR_coder_workspaces_dir."
  default     = "/tmp/coder-workspaces"
}

variable "required_secret_envs" {
  type        = list(string)
  description = "Environment variable targets of secrets every workspace owner must have before a workspace can start (none by default)."
  default     = []
}

data "coder_workspace" "me" {}

data "coder_workspace_owner" "me" {}

# A template can require secrets: a start build fails, with this help
# message and the command that creates the secret, when the owner has none.
data "coder_secret" "required" {
  for_each     = toset(var.required_secret_envs)
  env          = each.value
  help_message = "This template needs a secret injected as ${each.value}."
}

locals {
  home = "${var.coder_workspaces_dir}/${data.coder_workspace_owner.me.name}/${data.coder_workspace.me.name}"
}

resource "coder_agent" "main" {
  os             = "linux"
  arch           = "amd64"
  dir            = local.home
  startup_script = <<-EOT
    echo "Workspace ${data.coder_workspace.me.name} of ${data.coder_workspace_owner.me.name} is starting."
  EOT

  env = {
    WORKSPACE_KIND = "local"
  }
}

resource "coder_env" "greeting" {
  agent_id = coder_agent.main.id
  name     = "GREETING"
  value    = "Hello from coder_env"
}

resource "coder_script" "welcome" {
  agent_id     = coder_agent.main.id
  display_name = "Welcome"
  run_on_start = true
  script       = <<-EOT
    echo "Started at $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$HOME/.workspace-starts"
  EOT
}

# The workspace's compute: the agent as a background process, started with
# a clean environment (only what the agent needs; never the variables
# Terraform runs with) and stopped with its process group.
resource "terraform_data" "agent" {
  count = data.coder_workspace.me.start_count

  input = {
    home    = local.home
    pidfile = "${local.home}/.coder-agent.pid"
  }

  provisioner "local-exec" {
    command = <<-EOT
      set -eu
      mkdir -p "$WORKSPACE_HOME"
      chmod 700 "$WORKSPACE_HOME"
      cd "$WORKSPACE_HOME"
      env -i HOME="$WORKSPACE_HOME" USER="$(id -un)" SHELL=/bin/bash PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
        CODER_AGENT_TOKEN="$AGENT_TOKEN" \
        setsid sh -c "$INIT_SCRIPT" > "$WORKSPACE_HOME/.coder-agent.log" 2>&1 < /dev/null &
      echo $! > "$WORKSPACE_HOME/.coder-agent.pid"
    EOT
    environment = {
      WORKSPACE_HOME = local.home
      AGENT_TOKEN    = coder_agent.main.token
      INIT_SCRIPT    = coder_agent.main.init_script
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = <<-EOT
      # The agent leads its own process group (setsid): signal the group,
      # with the POSIX form of kill that every sh accepts.
      if [ -f "$PIDFILE" ]; then
        pid=$(cat "$PIDFILE")
        kill -s TERM -- "-$pid" 2>/dev/null || kill -s TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -s KILL -- "-$pid" 2>/dev/null || true
        rm -f "$PIDFILE"
      fi
    EOT
    environment = {
      PIDFILE = self.input.pidfile
    }
  }
}

data "coder_parameter" "region" {
  name         = "region"
  display_name = "Region"
  description  = "Where the workspace runs."
  type         = "string"
  default      = "eu-west"
  mutable      = true

  option {
    name  = "Europe"
    value = "eu-west"
  }
  option {
    name  = "America"
    value = "us-east"
  }
}

data "coder_parameter" "cpus" {
  name    = "cpus"
  type    = "number"
  default = 2
  validation {
    min = 1
    max = 8
  }
}

resource "coder_env" "region" {
  agent_id = coder_agent.main.id
  name     = "REGION"
  value    = "${data.coder_parameter.region.value}/${data.coder_parameter.cpus.value}"
}

resource "coder_app" "web" {
  agent_id     = coder_agent.main.id
  slug         = "web"
  display_name = "Web"
  url          = "http://localhost:8080"
  share        = "owner"
  subdomain    = false

  healthcheck {
    url       = "http://localhost:8080/healthz"
    interval  = 5
    threshold = 3
  }
}

resource "coder_app" "shell" {
  agent_id     = coder_agent.main.id
  slug         = "shell"
  display_name = "Shell"
  command      = "bash"
}

resource "coder_metadata" "home" {
  resource_id = coder_agent.main.id
  daily_cost  = 1
  item {
    key   = "home"
    value = local.home
  }
  item {
    key       = "region"
    value     = data.coder_parameter.region.value
    sensitive = false
  }
}
