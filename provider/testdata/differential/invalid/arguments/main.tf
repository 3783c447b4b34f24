# Arguments that v2 refuses when it validates the configuration.
resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_app" "bad_slug" {
  agent_id = coder_agent.dev.id
  slug     = "Bad--Slug"
}

resource "coder_app" "bad_share" {
  agent_id = coder_agent.dev.id
  slug     = "share"
  share    = "everyone"
}

resource "coder_app" "bad_open_in" {
  agent_id = coder_agent.dev.id
  slug     = "open-in"
  open_in  = "window"
}

resource "coder_app" "long_display_name" {
  agent_id     = coder_agent.dev.id
  slug         = "long"
  display_name = "An app whose display name is far longer than the sixty-four characters allowed"
}

resource "coder_app" "command_and_url" {
  agent_id = coder_agent.dev.id
  slug     = "both"
  command  = "htop"
  url      = "http://localhost:8080"
}

resource "coder_app" "external_shared" {
  agent_id = coder_agent.dev.id
  slug     = "external"
  url      = "https://example.com"
  external = true
  share    = "public"
}

data "coder_parameter" "bad_type" {
  name = "bad_type"
  type = "text"
}

data "coder_parameter" "bad_form_type" {
  name      = "bad_form_type"
  form_type = "knob"
}

data "coder_workspace_preset" "bad_ttl" {
  name = "bad-ttl"
  prebuilds {
    instances = 1
    expiration_policy {
      ttl = 60
    }
  }
}

data "coder_workspace_preset" "bad_cron" {
  name = "bad-cron"
  prebuilds {
    instances = 1
    scheduling {
      timezone = "UTC"
      schedule {
        cron      = "0 8 * * *"
        instances = 2
      }
    }
  }
}

data "coder_workspace_preset" "bad_timezone" {
  name = "bad-timezone"
  prebuilds {
    instances = 1
    scheduling {
      timezone = "Mars/Olympus_Mons"
      schedule {
        cron      = "* 8 * * *"
        instances = 2
      }
    }
  }
}

data "coder_script_order" "bad_requires" {
  rule {
    run      = ["coder_script.a"]
    after    = ["coder_script.b"]
    requires = "always"
  }
}
