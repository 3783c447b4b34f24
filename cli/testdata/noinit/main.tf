# A template that cannot init: its module folder is missing. Start, stop
# and delete builds all fail at init; `coder delete --orphan` removes it.
terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

data "coder_workspace" "me" {}

module "gone" {
  source = "./gone"
}
