data "coder_workspace" "me" {}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
  dir  = "/workspace"
}

resource "coder_env" "welcome_message" {
  agent_id = coder_agent.dev.id
  name     = "WELCOME_MESSAGE"
  value    = "Welcome to ${data.coder_workspace.me.name}!"
}

resource "coder_env" "internal_api_url" {
  agent_id = coder_agent.dev.id
  name     = "INTERNAL_API_URL"
  value    = "https://api.internal.example.com/v1"
}

resource "coder_env" "path_cuda" {
  agent_id       = coder_agent.dev.id
  name           = "PATH"
  value          = "$PATH:/usr/local/cuda/bin"
  merge_strategy = "append"
}

resource "coder_env" "path_go" {
  agent_id       = coder_agent.dev.id
  name           = "PATH"
  value          = "/usr/local/go/bin"
  merge_strategy = "append"
}

resource "coder_env" "java_home" {
  agent_id       = coder_agent.dev.id
  name           = "JAVA_HOME"
  value          = "/opt/jdk"
  merge_strategy = "error"
}

resource "coder_env" "ld_path" {
  agent_id       = coder_agent.dev.id
  name           = "LD_LIBRARY_PATH"
  value          = "/opt/lib"
  merge_strategy = "prepend"
}
