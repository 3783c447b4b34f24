# The dashboard's browser test template: a parameter, a required secret and
# an agent (no compute: builds are quick, the agent never connects).
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0.0"
    }
  }
}

data "coder_parameter" "region" {
  name         = "region"
  display_name = "Region"
  description  = "Where the workspace runs."
  type         = "string"
  default      = "eu-west"
  mutable      = true
}

data "coder_secret" "deploy" {
  env          = "DEPLOY_TOKEN"
  help_message = "Create a deploy token secret."
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}

variable "coder_workspaces_dir" {
  type    = string
  default = "/tmp/coder-workspaces"
}

data "coder_workspace" "me" {}

# A stop build waits (at most 60 s) for the test's gate file, so that the
# test can hold a build in its apply stage while the page follows it.
resource "terraform_data" "stop_gate" {
  count = data.coder_workspace.me.transition == "stop" ? 1 : 0
  input = data.coder_workspace.me.id

  provisioner "local-exec" {
    command = <<-EOT
      i=0
      while [ ! -e "$GATE" ]; do
        i=$((i+1)); [ "$i" -gt 600 ] && { echo "the gate never opened"; exit 1; }
        sleep 0.1
      done
      echo "the gate is open"
    EOT
    environment = {
      GATE = "${var.coder_workspaces_dir}/webtest-gate"
    }
  }
}
