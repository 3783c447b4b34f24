data "coder_task" "me" {}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

# Start the AI agent with the task's prompt, and only for tasks.
resource "coder_script" "ai_agent" {
  count        = data.coder_task.me.enabled ? 1 : 0
  agent_id     = coder_agent.dev.id
  display_name = "AI agent"
  run_on_start = true
  script       = "ai-agent --prompt \"$TASK_PROMPT\""
}

resource "coder_env" "prompt" {
  agent_id = coder_agent.dev.id
  name     = "TASK_PROMPT"
  value    = data.coder_task.me.prompt
}
