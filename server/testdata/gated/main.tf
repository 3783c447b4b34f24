# An agent and a start build that waits while <workspaces dir>/hold exists
# (at most 60 s): a test holds a build running with it.
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

resource "terraform_data" "gate" {
  input = data.coder_workspace.me.start_count

  provisioner "local-exec" {
    command = <<-EOT
      mkdir -p "$DIR"
      i=0
      while [ -f "$DIR/hold" ] && [ "$i" -lt 600 ]; do i=$((i+1)); sleep 0.1; done
    EOT
    environment = {
      DIR = var.coder_workspaces_dir
    }
  }
}
