# A template for the parameter tests: a coder_parameter of every type, with
# options and validation, a preset, template variables (one sensitive, one
# without a default), and coder_secret requirements made with for_each. A
# local-exec prints what the build received.
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

variable "region_prefix" {
  type        = string
  description = "Prefix of every region name."
}

variable "api_password" {
  type      = string
  sensitive = true
  default   = "unset"
}

variable "secret_envs" {
  type    = list(string)
  default = ["TOKEN_A", "TOKEN_B"]
}

data "coder_workspace" "me" {}

data "coder_parameter" "region" {
  name         = "region"
  display_name = "Region"
  description  = "Where the workspace runs."
  type         = "string"
  default      = "eu"
  mutable      = true
  order        = 1
  option {
    name  = "Europe"
    value = "eu"
  }
  option {
    name  = "United States"
    value = "us"
  }
}

data "coder_parameter" "disk" {
  name    = "disk"
  type    = "number"
  default = "10"
  mutable = true
  order   = 2
  validation {
    min       = 5
    max       = 50
    monotonic = "increasing"
  }
}

data "coder_parameter" "repo" {
  name        = "repo"
  description = "The repository to clone."
  type        = "string"
  mutable     = false
  order       = 3
  validation {
    regex = "^https://"
    error = "The repository must be an https URL."
  }
}

data "coder_parameter" "gpu" {
  name    = "gpu"
  type    = "bool"
  default = "false"
  mutable = true
  order   = 4
}

data "coder_parameter" "tools" {
  name    = "tools"
  type    = "list(string)"
  default = jsonencode(["git"])
  mutable = true
  order   = 5
}

data "coder_parameter" "note" {
  name      = "note"
  type      = "string"
  default   = ""
  mutable   = true
  ephemeral = true
  order     = 6
}

data "coder_workspace_preset" "big" {
  name = "big"
  parameters = {
    region = "us"
    disk   = "40"
  }
}

data "coder_secret" "tokens" {
  for_each     = toset(var.secret_envs)
  env          = each.value
  help_message = "Create a secret with env ${each.value}."
}

resource "terraform_data" "build" {
  count = data.coder_workspace.me.start_count
  input = data.coder_workspace.me.id

  provisioner "local-exec" {
    command = "echo \"params region=$REGION disk=$DISK repo=$REPO gpu=$GPU tools=$TOOLS note=[$NOTE] prefix=$PREFIX password=$PASSWORD\""
    environment = {
      REGION   = data.coder_parameter.region.value
      DISK     = data.coder_parameter.disk.value
      REPO     = data.coder_parameter.repo.value
      GPU      = data.coder_parameter.gpu.value
      TOOLS    = data.coder_parameter.tools.value
      NOTE     = data.coder_parameter.note.value
      PREFIX   = var.region_prefix
      PASSWORD = nonsensitive(var.api_password)
    }
  }
}
