data "coder_workspace" "me" {}

# The workspace's home volume (stood in for here by terraform_data).
resource "terraform_data" "home" {
  input = "home-${data.coder_workspace.me.id}"
}

resource "coder_metadata" "home" {
  resource_id = terraform_data.home.id
  icon        = "${data.coder_workspace.me.access_url}/icon/database.svg"
  daily_cost  = 15

  item {
    key   = "size"
    value = "20 GiB"
  }

  item {
    key   = "volume"
    value = terraform_data.home.output
  }

  item {
    key       = "admin password"
    value     = "not a secret: metadata is visible in the state and the API"
    sensitive = true
  }
}
