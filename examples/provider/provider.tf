terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0.0"
    }
  }
}

# The Coder server passes the access URL in CODER_AGENT_URL, so the
# provider block is usually empty.
provider "coder" {}

data "coder_workspace" "me" {}

data "coder_workspace_owner" "me" {}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
  dir  = "/home/${data.coder_workspace_owner.me.name}"
}

# Start the agent in the workspace's compute resource, for example a
# container whose entrypoint runs coder_agent.main.init_script with
# CODER_AGENT_TOKEN set to coder_agent.main.token. Create it only while the
# workspace runs:
#
#   count = data.coder_workspace.me.start_count
