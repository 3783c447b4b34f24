data "coder_parameter" "size" {
  name    = "size"
  default = "small"
  mutable = true

  option {
    name  = "Small"
    value = "small"
  }

  option {
    name  = "Large"
    value = "large"
  }
}

data "coder_workspace_preset" "small" {
  name        = "Small"
  description = "Two CPUs, for light work."
  default     = true
  parameters = {
    (data.coder_parameter.size.name) = "small"
  }
}

# Large workspaces are slow to build: keep some ready, more on weekdays.
data "coder_workspace_preset" "large" {
  name = "Large"
  parameters = {
    (data.coder_parameter.size.name) = "large"
  }

  prebuilds {
    instances = 1

    expiration_policy {
      ttl = 86400
    }

    scheduling {
      timezone = "Europe/Berlin"

      schedule {
        cron      = "* 8-18 * * 1-5"
        instances = 3
      }
    }
  }
}
