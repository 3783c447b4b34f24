resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_script" "clone" {
  agent_id     = coder_agent.dev.id
  display_name = "Clone"
  run_on_start = true
  script       = "git clone https://github.com/coder/coder || true"
}

resource "coder_script" "build" {
  agent_id     = coder_agent.dev.id
  display_name = "Build"
  run_on_start = true
  script       = "cd coder && make build"
}

# Build only after the clone succeeded.
data "coder_script_order" "build_after_clone" {
  rule {
    run   = ["coder_script.build"]
    after = ["coder_script.clone"]
  }
}
