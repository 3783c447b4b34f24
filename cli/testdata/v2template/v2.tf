# Added to the local example template (examples/templates/local) by
# TestCoderV2Template: what templates written for terraform-provider-coder
# v2 use most, a parameter, apps and metadata.

data "coder_parameter" "region" {
  name         = "region"
  display_name = "Region"
  description  = "Where the workspace runs."
  type         = "string"
  default      = "eu-west"
  mutable      = true

  option {
    name  = "Europe"
    value = "eu-west"
  }
  option {
    name  = "America"
    value = "us-east"
  }
}

data "coder_parameter" "cpus" {
  name    = "cpus"
  type    = "number"
  default = 2
  validation {
    min = 1
    max = 8
  }
}

resource "coder_env" "region" {
  agent_id = coder_agent.main.id
  name     = "REGION"
  value    = "${data.coder_parameter.region.value}/${data.coder_parameter.cpus.value}"
}

resource "coder_app" "web" {
  agent_id     = coder_agent.main.id
  slug         = "web"
  display_name = "Web"
  url          = "http://localhost:8080"
  share        = "owner"
  subdomain    = false

  healthcheck {
    url       = "http://localhost:8080/healthz"
    interval  = 5
    threshold = 3
  }
}

resource "coder_app" "shell" {
  agent_id     = coder_agent.main.id
  slug         = "shell"
  display_name = "Shell"
  command      = "bash"
}

resource "coder_metadata" "home" {
  resource_id = coder_agent.main.id
  daily_cost  = 1
  item {
    key   = "home"
    value = local.home
  }
  item {
    key       = "region"
    value     = data.coder_parameter.region.value
    sensitive = false
  }
}
