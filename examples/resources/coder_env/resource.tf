resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_env" "welcome" {
  agent_id = coder_agent.dev.id
  name     = "WELCOME_MESSAGE"
  value    = "Welcome to your workspace!"
}

# Two resources that extend the same variable: appended in the order of
# their addresses, joined with ":".
resource "coder_env" "path_cuda" {
  agent_id       = coder_agent.dev.id
  name           = "PATH"
  value          = "/usr/local/cuda/bin"
  merge_strategy = "append"
}

resource "coder_env" "path_go" {
  agent_id       = coder_agent.dev.id
  name           = "PATH"
  value          = "/usr/local/go/bin"
  merge_strategy = "append"
}

# Fail the build if another coder_env sets JAVA_HOME too.
resource "coder_env" "java_home" {
  agent_id       = coder_agent.dev.id
  name           = "JAVA_HOME"
  value          = "/opt/jdk-21"
  merge_strategy = "error"
}
