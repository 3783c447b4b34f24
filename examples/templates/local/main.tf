# A workspace that is a local process: Terraform starts the workspace agent
# on the server's machine, in a home folder of its own, and stops it when
# the workspace stops. No Docker, no cloud: good for trying the product and
# for its tests. Every workspace runs as the server's user, so use it only
# where everyone who can log in may read each other's workspaces.

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

variable "coder_tls_ca_file" {
  type        = string
  description = "Certificate authority file the agent trusts for an https server's certificate (besides the system's). The server sets it through TF_VAR_coder_tls_ca_file when started with --tls-ca-file."
  default     = ""
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
      # kill -0 also succeeds for a zombie (a process that ended and that
      # its new parent has not reaped yet, which a container's first
      # process may do late or never): ps tells one from a live process.
      running() {
        kill -0 "$1" 2>/dev/null || return 1
        case "$(ps -o stat= -p "$1" 2>/dev/null)" in Z*) return 1 ;; esac
      }
      mkdir -p "$WORKSPACE_HOME"
      chmod 700 "$WORKSPACE_HOME"
      cd "$WORKSPACE_HOME"
      # An agent of an earlier start that no stop ended (its build was
      # interrupted) goes first: one workspace, one agent.
      if [ -f .coder-agent.pid ]; then
        old=$(cat .coder-agent.pid)
        kill -s TERM -- "-$old" 2>/dev/null || true
        for _ in $(seq 1 50); do running "$old" || break; sleep 0.1; done
        kill -s KILL -- "-$old" 2>/dev/null || true
      fi
      # The agent runs in a session of its own (setsid), which outlives the
      # build: the build's process group is killed when Terraform ends. It
      # marks .coder-agent.started once in its session, and this waits for
      # that, so a build that ends at once cannot kill it on its way there.
      rm -f .coder-agent.started
      env -i HOME="$WORKSPACE_HOME" USER="$(id -un)" SHELL=/bin/bash PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
        CODER_AGENT_TOKEN="$AGENT_TOKEN" CODER_TLS_CA_FILE="$TLS_CA_FILE" \
        setsid sh -c ': > "$0"; exec sh -c "$1"' "$WORKSPACE_HOME/.coder-agent.started" "$INIT_SCRIPT" \
        > "$WORKSPACE_HOME/.coder-agent.log" 2>&1 < /dev/null &
      echo $! > "$WORKSPACE_HOME/.coder-agent.pid"
      i=0
      until [ -e .coder-agent.started ]; do
        i=$((i+1))
        if [ "$i" -gt 600 ]; then echo "the agent did not start within 60s" >&2; exit 1; fi
        sleep 0.1
      done
    EOT
    environment = {
      WORKSPACE_HOME = local.home
      AGENT_TOKEN    = coder_agent.main.token
      INIT_SCRIPT    = coder_agent.main.init_script
      TLS_CA_FILE    = var.coder_tls_ca_file
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = <<-EOT
      # kill -0 also succeeds for a zombie (a process that ended and that
      # its new parent has not reaped yet, which a container's first
      # process may do late or never): ps tells one from a live process.
      running() {
        kill -0 "$1" 2>/dev/null || return 1
        case "$(ps -o stat= -p "$1" 2>/dev/null)" in Z*) return 1 ;; esac
      }
      # The agent leads its own process group (setsid): signal the group,
      # with the POSIX form of kill that every sh accepts.
      if [ -f "$PIDFILE" ]; then
        pid=$(cat "$PIDFILE")
        kill -s TERM -- "-$pid" 2>/dev/null || kill -s TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
        kill -s KILL -- "-$pid" 2>/dev/null || true
        rm -f "$PIDFILE"
      fi
    EOT
    environment = {
      PIDFILE = self.input.pidfile
    }
  }
}
