# Declare the secrets the workspace needs. A start build fails, with the
# help message and the `coder secret create` command to run, while the
# owner has no secret with the target. The agent injects the secrets into
# the workspace itself: the template does not need to read `value`.
data "coder_secret" "github_token" {
  env          = "GITHUB_TOKEN"
  help_message = "Create a GitHub personal access token with the repo scope."
}

data "coder_secret" "aws_credentials" {
  file         = "~/.aws/credentials"
  help_message = "Add your AWS credentials file."
}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

# A template can also use a value at build time. It is sensitive, and it is
# stored in the Terraform plan and state.
resource "coder_script" "gh_login" {
  agent_id     = coder_agent.dev.id
  display_name = "GitHub login"
  run_on_start = true
  script       = "echo \"${data.coder_secret.github_token.value}\" | gh auth login --with-token"
}
