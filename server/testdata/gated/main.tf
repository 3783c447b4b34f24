# An agent and a start build that writes the agent's token to
# <workspaces dir>/<workspace>.token, then waits while <workspaces dir>/hold
# exists (at most 60 s), then fails if <workspaces dir>/fail exists: a test
# holds a build running with it, as the agent it would start.
terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

variable "coder_workspaces_dir" {
  type    = string
  default = "/tmp/coder-workspaces"
}

data "coder_workspace" "me" {}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}

# Replaced at every transition, so that its local-exec runs (and holds) in
# every build: a change of input alone is an in-place update, which runs no
# provisioner.
resource "terraform_data" "gate" {
  input            = data.coder_workspace.me.start_count
  triggers_replace = data.coder_workspace.me.start_count

  provisioner "local-exec" {
    command = <<-EOT
      mkdir -p "$DIR"
      if [ "$START" = 1 ]; then
        printf %s "$TOKEN" > "$DIR/$WS.token.tmp" && mv "$DIR/$WS.token.tmp" "$DIR/$WS.token"
      fi
      i=0
      while [ -f "$DIR/hold" ] && [ "$i" -lt 600 ]; do i=$((i+1)); sleep 0.1; done
      if [ -f "$DIR/fail" ]; then echo "failing on purpose" >&2; exit 1; fi
    EOT
    environment = {
      DIR   = var.coder_workspaces_dir
      WS    = data.coder_workspace.me.name
      START = data.coder_workspace.me.start_count
      TOKEN = coder_agent.main.token
    }
  }
}
