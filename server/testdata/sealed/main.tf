# A template that copies a secret value into every agent field the server
# records from the state: agent dir, motd file, env and startup script, a
# coder_env and a coder_script. Each gets its own prefix, so a test can
# tell which one reached the database.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0.0"
    }
  }
}

data "coder_secret" "c" {
  env          = "CANARY"
  help_message = "Create the canary."
}

locals {
  v = data.coder_secret.c.value
}

resource "coder_agent" "main" {
  os             = "linux"
  arch           = "amd64"
  dir            = "/tmp/dir-${local.v}"
  motd_file      = "/tmp/motd-${local.v}"
  startup_script = "echo startup-${local.v}"
  env = {
    FROM_AGENT = "agentenv-${local.v}"
  }
}

resource "coder_env" "c" {
  agent_id = coder_agent.main.id
  name     = "FROM_CODER_ENV"
  value    = "coderenv-${local.v}"
}

resource "coder_script" "s" {
  agent_id     = coder_agent.main.id
  display_name = "Script"
  script       = "echo script-${local.v}"
  run_on_start = true
}
