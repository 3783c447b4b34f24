# A template whose local-exec prints a secret value in two writes, 300 ms
# apart: Terraform prints what it has read after 100 ms without a byte as a
# line of its own, so the value shows cut over two lines of the log, as a
# busy machine can cut any command's output.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0.0"
    }
  }
}

data "coder_secret" "c" {
  env          = "CANARY"
  help_message = "Create the canary."
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}

resource "terraform_data" "print" {
  input = data.coder_secret.c.id

  provisioner "local-exec" {
    command = "v=\"$CODER_SECRET_ENV_CANARY\"; printf 'value=%s' \"$(printf '%s' \"$v\" | cut -c1-11)\"; sleep 0.3; printf '%s end\\n' \"$(printf '%s' \"$v\" | cut -c12-)\""
  }
}
