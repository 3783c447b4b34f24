# A workspace in a Docker container on the server's Docker host: the
# container runs the agent's init script as its entrypoint, with the agent's
# token in its environment. The home folder is a named volume, so it (and
# the secret files written to it) survives restarts and goes with a delete.

terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
    docker = {
      source  = "kreuzwerker/docker"
      version = "~> 3.0"
    }
  }
}

variable "docker_host" {
  type        = string
  description = "Docker daemon socket the workspaces run on."
  default     = "unix:///var/run/docker.sock"
}

variable "image" {
  type        = string
  description = "Workspace image: any Linux image with sh, curl or wget, and a user named coder."
  default     = "codercom/enterprise-base:ubuntu"
}

provider "docker" {
  host = var.docker_host
}

data "coder_workspace" "me" {}

data "coder_workspace_owner" "me" {}

resource "coder_agent" "main" {
  os             = "linux"
  arch           = "amd64"
  dir            = "/home/coder"
  startup_script = <<-EOT
    echo "Workspace ${data.coder_workspace.me.name} is starting."
  EOT

  env = {
    GIT_AUTHOR_NAME  = coalesce(data.coder_workspace_owner.me.full_name, data.coder_workspace_owner.me.name)
    GIT_AUTHOR_EMAIL = data.coder_workspace_owner.me.email
  }
}

resource "coder_script" "welcome" {
  agent_id     = coder_agent.main.id
  display_name = "Welcome"
  run_on_start = true
  script       = "echo \"Started at $(date -u)\" >> \"$HOME/.workspace-starts\""
}

resource "docker_volume" "home" {
  name = "coder-${data.coder_workspace.me.id}-home"
  lifecycle {
    ignore_changes = all
  }
}

resource "docker_container" "workspace" {
  count    = data.coder_workspace.me.start_count
  image    = var.image
  name     = "coder-${data.coder_workspace_owner.me.name}-${lower(data.coder_workspace.me.name)}"
  hostname = data.coder_workspace.me.name
  user     = "coder"

  # The agent's init script fetches the coder binary from the server and
  # runs `coder agent`. Reach a server on the Docker host through
  # host.docker.internal.
  entrypoint = ["sh", "-c", replace(coder_agent.main.init_script, "/localhost|127\\.0\\.0\\.1/", "host.docker.internal")]
  env        = ["CODER_AGENT_TOKEN=${coder_agent.main.token}"]

  host {
    host = "host.docker.internal"
    ip   = "host-gateway"
  }

  volumes {
    container_path = "/home/coder"
    volume_name    = docker_volume.home.name
    read_only      = false
  }
}
