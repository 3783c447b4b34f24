# Errors v2 reports when it applies: a task without an app.
resource "coder_ai_task" "no_app" {}

# Warnings v2 gives when it creates a hidden app that has what only a
# shown app uses.
resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_app" "hidden" {
  agent_id     = coder_agent.dev.id
  slug         = "hidden"
  url          = "http://localhost:8080"
  hidden       = true
  display_name = "Hidden"
  icon         = "/icon/code.svg"
  order        = 2
}
