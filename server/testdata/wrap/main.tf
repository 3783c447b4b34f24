# A template that makes Terraform quote a secret value in an error it
# word-wraps: tonumber() of a long pass phrase fails the plan with the
# phrase spread over lines.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0.0"
    }
  }
}

data "coder_secret" "phrase" {
  env          = "PASS_PHRASE"
  help_message = "Create the pass phrase."
}

locals {
  number = tonumber(nonsensitive(data.coder_secret.phrase.value))
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
  env = {
    NUMBER = local.number
  }
}
