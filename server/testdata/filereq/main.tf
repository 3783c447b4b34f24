# A template that requires a secret written to a file.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0.0"
    }
  }
}

data "coder_secret" "kube" {
  file         = "~/.kube/config"
  help_message = "Create a kubeconfig secret."
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}
