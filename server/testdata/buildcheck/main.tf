# A template for the provisioner's tests: no compute, but every piece a
# build records, a required secret, and a local-exec that tries to print the
# secret (the build log must show ******** instead) and notes each build id.
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

data "coder_workspace_owner" "me" {}

data "coder_secret" "api_key" {
  env          = "API_KEY"
  help_message = "Create an API key secret: the build check needs one."
}

resource "coder_agent" "main" {
  os             = "linux"
  arch           = "amd64"
  startup_script = "echo starting"
  env = {
    FROM_AGENT = "agent"
    SHARED     = "agent"
  }
}

resource "coder_env" "shared" {
  agent_id = coder_agent.main.id
  name     = "SHARED"
  value    = "coder_env"
}

resource "coder_script" "hello" {
  agent_id     = coder_agent.main.id
  display_name = "Hello"
  script       = "echo hello"
  run_on_start = true
}

resource "terraform_data" "build" {
  count = data.coder_workspace.me.start_count
  input = data.coder_workspace.me.id

  provisioner "local-exec" {
    command = <<-EOT
      mkdir -p "$DIR"
      echo "$CODER_WORKSPACE_BUILD_ID" >> "$DIR/builds.log"
      echo "the secret is $CODER_SECRET_ENV_API_KEY"
    EOT
    environment = {
      DIR = var.coder_workspaces_dir
    }
  }
}

output "api_key_sha256" {
  value = nonsensitive(sha256(data.coder_secret.api_key.value))
}

output "transition" {
  value = data.coder_workspace.me.transition
}
