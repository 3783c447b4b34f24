# A template whose start build takes long enough to kill the server in the
# middle of it.
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

resource "terraform_data" "slow" {
  count = data.coder_workspace.me.start_count
  input = data.coder_workspace.me.id

  provisioner "local-exec" {
    command = <<-EOT
      mkdir -p "$DIR"
      if [ -f "$DIR/slow-once" ]; then exit 0; fi
      touch "$DIR/slow-once"
      echo "slow build waiting"
      sleep 300
    EOT
    environment = {
      DIR = var.coder_workspaces_dir
    }
  }
}
