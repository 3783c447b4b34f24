data "coder_parameter" "region" {
  name         = "region"
  display_name = "Region"
  description  = "Where the workspace runs. Changing it moves the workspace."
  default      = "eu-west"
  icon         = "/emojis/1f30e.png"
  order        = 1

  option {
    name  = "Europe (Ireland)"
    value = "eu-west"
  }

  option {
    name  = "United States (Virginia)"
    value = "us-east"
  }
}

data "coder_parameter" "cpus" {
  name      = "cpus"
  type      = "number"
  default   = "2"
  mutable   = true
  form_type = "slider"
  order     = 2

  validation {
    min       = 1
    max       = 16
    monotonic = "increasing"
    error     = "From {min} to {max} CPUs, and never fewer than before; not {value}."
  }
}

data "coder_parameter" "repositories" {
  name    = "repositories"
  type    = "list(string)"
  default = jsonencode(["https://github.com/coder/coder"])
  mutable = true
}

# No default: users must give a value.
data "coder_parameter" "project" {
  name        = "project"
  description = "The project to work on."
}

data "coder_parameter" "branch" {
  name    = "branch"
  default = "main"

  validation {
    regex = "^[a-z][a-z0-9/-]*$"
    error = "Lower-case letters, digits, slashes and hyphens, starting with a letter."
  }
}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
  env = {
    REGION       = data.coder_parameter.region.value
    CPUS         = data.coder_parameter.cpus.value
    REPOSITORIES = join(" ", jsondecode(data.coder_parameter.repositories.value))
  }
}
