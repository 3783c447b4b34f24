# A template for the default-preset test: one parameter, a default preset
# and another one. A local-exec prints the value the build received.
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

data "coder_parameter" "size" {
  name    = "size"
  type    = "string"
  default = "small"
  mutable = true
}

data "coder_workspace_preset" "medium" {
  name    = "medium"
  default = true
  parameters = {
    size = "medium"
  }
}

data "coder_workspace_preset" "large" {
  name = "large"
  parameters = {
    size = "large"
  }
}

resource "terraform_data" "build" {
  count = data.coder_workspace.me.start_count
  input = data.coder_workspace.me.id

  provisioner "local-exec" {
    command = "echo \"presets size=$SIZE\""
    environment = {
      SIZE = data.coder_parameter.size.value
    }
  }
}
