# A template that makes Terraform quote a secret value in an error it
# word-wraps: tonumber() of a long pass phrase fails the plan with the
# phrase spread over lines. Outside a build (the push's import plan) the
# secret reads "", which is kept from tonumber so that the push plans.
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
  phrase = nonsensitive(data.coder_secret.phrase.value)
  number = local.phrase == "" ? 0 : tonumber(local.phrase)
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
  env = {
    NUMBER = local.number
  }
}
