# Errors v2 reports when it plans, after the configuration is valid.
resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_metadata" "duplicate_keys" {
  resource_id = coder_agent.dev.id
  item {
    key   = "a"
    value = "1"
  }
  item {
    key   = "a"
    value = "2"
  }
}
