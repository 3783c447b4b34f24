# An agent on a cloud instance authenticates with the instance's identity
# instead of a token.
resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
  auth = "aws-instance-identity"
}

# The instance (stood in for here by terraform_data).
resource "terraform_data" "instance" {
  input = coder_agent.dev.init_script
}

resource "coder_agent_instance" "dev" {
  agent_id    = coder_agent.dev.id
  instance_id = terraform_data.instance.id
}
