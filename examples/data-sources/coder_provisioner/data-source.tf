# A workspace on the provisioner's own machine: the agent runs on the
# machine's platform.
data "coder_provisioner" "me" {}

resource "coder_agent" "local" {
  os   = data.coder_provisioner.me.os
  arch = data.coder_provisioner.me.arch
}
