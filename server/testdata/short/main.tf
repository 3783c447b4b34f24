# A template that prints a secret too short to be masked: the provisioner
# must keep it from Terraform, so the build prints an empty value.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0.0"
    }
  }
}

data "coder_secret" "pin" {
  env          = "PIN"
  help_message = "Create the PIN."
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}

resource "terraform_data" "print" {
  input = data.coder_secret.pin.id

  provisioner "local-exec" {
    command = "echo \"pin=[${nonsensitive(data.coder_secret.pin.value)}] env=[$CODER_SECRET_ENV_PIN]\""
  }
}
