# A template for the apps API tests: an agent (no compute) with a command
# app, a URL app with a healthcheck and coder_metadata whose sensitive item
# holds the owner's secret value.
terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

data "coder_workspace" "me" {}

data "coder_secret" "api_key" {
  env          = "API_KEY"
  help_message = "Create an API key secret."
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_app" "run" {
  agent_id = coder_agent.main.id
  slug     = "run"
  command  = "echo run"
}

resource "coder_app" "token" {
  agent_id = coder_agent.main.id
  slug     = "token"
  command  = "echo ${data.coder_secret.api_key.value}"
  order    = 5
}

resource "coder_app" "web" {
  agent_id     = coder_agent.main.id
  slug         = "web"
  display_name = "Web"
  url          = "http://localhost:8080"
  share        = "authenticated"
  healthcheck {
    url       = "http://localhost:8080/healthz"
    interval  = 5
    threshold = 3
  }
}

resource "terraform_data" "vm" {
  count = data.coder_workspace.me.start_count
  input = "vm"
}

resource "coder_metadata" "vm" {
  count       = data.coder_workspace.me.start_count
  resource_id = terraform_data.vm[0].id
  icon        = "/icon/vm.svg"
  item {
    key   = "region"
    value = "eu-west"
  }
  item {
    key       = "key"
    value     = data.coder_secret.api_key.value
    sensitive = true
  }
  item {
    key   = "echo"
    value = "key=${data.coder_secret.api_key.value}"
  }
}
