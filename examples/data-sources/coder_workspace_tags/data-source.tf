data "coder_parameter" "zone" {
  name    = "zone"
  default = "eu"

  option {
    name  = "Europe"
    value = "eu"
  }

  option {
    name  = "Asia"
    value = "ap"
  }
}

# Builds of the workspace go to provisioners with these tags.
data "coder_workspace_tags" "zone" {
  tags = {
    zone = data.coder_parameter.zone.value
    gpu  = "false"
  }
}
