# A template for the agent binaries test: one agent per platform whose
# bootstrap script the test reads (no compute runs them).
terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

resource "coder_agent" "win" {
  os   = "windows"
  arch = "amd64"
}

resource "coder_agent" "arm" {
  os   = "linux"
  arch = "arm64"
}

resource "coder_agent" "mac" {
  os   = "darwin"
  arch = "arm64"
}
