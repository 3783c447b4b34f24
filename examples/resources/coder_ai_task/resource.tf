data "coder_task" "me" {}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

# The chat with the AI agent that runs in the workspace.
resource "coder_app" "agent_api" {
  agent_id     = coder_agent.dev.id
  slug         = "agent-api"
  display_name = "AI agent"
  url          = "http://localhost:3284"
}

resource "coder_ai_task" "task" {
  app_id = coder_app.agent_api.id
}

# The prompt reaches the AI agent through the environment.
resource "coder_env" "prompt" {
  agent_id = coder_agent.dev.id
  name     = "TASK_PROMPT"
  value    = data.coder_task.me.prompt
}
