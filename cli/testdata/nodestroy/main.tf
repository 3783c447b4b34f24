# A template whose workspaces cannot be destroyed: a destroy-time
# provisioner fails, so every delete build fails at apply; `coder delete
# --orphan` removes the workspace.
terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

data "coder_workspace" "me" {}

resource "terraform_data" "stuck" {
  provisioner "local-exec" {
    when    = destroy
    command = "echo this workspace cannot be destroyed; exit 1"
  }
}
