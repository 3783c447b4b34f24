data "coder_workspace" "me" {}

resource "coder_agent" "dev" {
  os   = "linux"
  arch = "amd64"
}

# Resources that exist only while the workspace runs take start_count as
# their count; data.coder_workspace.me.transition tells start, stop and
# delete builds apart.
resource "terraform_data" "container" {
  count = data.coder_workspace.me.start_count
  input = {
    name     = "coder-${lower(data.coder_workspace.me.name)}"
    hostname = data.coder_workspace.me.name
    labels = {
      "coder.workspace_id" = data.coder_workspace.me.id
      "coder.template"     = "${data.coder_workspace.me.template_name}@${data.coder_workspace.me.template_version}"
    }
  }
}
