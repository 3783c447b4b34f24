# A template that plans at push but not in a build: outside a build (the
# push's import plan) the workspace is named "default"; in a build the
# tonumber below fails. Start, stop and delete builds all fail at plan;
# `coder delete --orphan` removes the workspace.
terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

data "coder_workspace" "me" {}

locals {
  number = tonumber(data.coder_workspace.me.name == "default" ? "0" : "not-a-number-${data.coder_workspace.me.name}")
}

data "coder_parameter" "n" {
  name    = "n"
  type    = "number"
  default = local.number
}
