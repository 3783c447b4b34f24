# A template for the file delivery policy's test: it notes the names of the
# secret variables Terraform gets (never their values) in the workspaces
# folder, so the test can tell which secret targets reached the build.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0.0"
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

resource "terraform_data" "names" {
  count = data.coder_workspace.me.start_count
  input = data.coder_workspace.me.id

  provisioner "local-exec" {
    command = <<-EOT
      mkdir -p "$DIR"
      env | grep -o '^CODER_SECRET_[A-Za-z0-9_]*' | sort > "$DIR/secret-names.txt" || true
    EOT
    environment = {
      DIR = var.coder_workspaces_dir
    }
  }
}
