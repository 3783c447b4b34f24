# An agent that runs on a machine the template does not create: a person
# starts it there with the agent's token.
resource "coder_agent" "laptop" {
  os   = "darwin"
  arch = "arm64"
}

resource "coder_external_agent" "laptop" {
  agent_id = coder_agent.laptop.id
}
