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
