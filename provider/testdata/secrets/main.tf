terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0.0"
    }
  }
}

data "coder_secret" "github_token" {
  env          = "GITHUB_TOKEN"
  help_message = "Create a GitHub personal access token with the repo scope."
}

data "coder_secret" "aws_credentials" {
  file         = "~/.aws/credentials"
  help_message = "Add your AWS credentials file."
}

output "github_token_sha256" {
  value = nonsensitive(sha256(data.coder_secret.github_token.value))
}

output "aws_credentials_sha256" {
  value = nonsensitive(sha256(data.coder_secret.aws_credentials.value))
}
