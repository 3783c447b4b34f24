# A template whose stop build takes long enough to kill the server in the
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
  input = var.coder_workspaces_dir

  provisioner "local-exec" {
    when    = destroy
    command = <<-EOT
      mkdir -p "${self.input}"
      if [ -f "${self.input}/slow-stop-once" ]; then exit 0; fi
      touch "${self.input}/slow-stop-once"
      echo "slow stop waiting"
      sleep 300
    EOT
  }
}
