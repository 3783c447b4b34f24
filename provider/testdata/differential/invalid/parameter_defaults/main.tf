# Parameters whose default, options or settings v2 refuses.
data "coder_parameter" "default_not_an_option" {
  name    = "default_not_an_option"
  default = "c"
  option {
    name  = "A"
    value = "a"
  }
}

data "coder_parameter" "default_below_min" {
  name    = "default_below_min"
  type    = "number"
  default = "1"
  validation {
    min = 2
  }
}

data "coder_parameter" "default_no_match" {
  name    = "default_no_match"
  default = "x1"
  validation {
    regex = "^[a-z]+$"
    error = "Letters only."
  }
}

data "coder_parameter" "regex_without_error" {
  name    = "regex_without_error"
  default = "x"
  validation {
    regex = "^x$"
  }
}

data "coder_parameter" "min_for_string" {
  name    = "min_for_string"
  default = "x"
  validation {
    min = 1
  }
}

data "coder_parameter" "regex_for_number" {
  name    = "regex_for_number"
  type    = "number"
  default = "1"
  validation {
    regex = "^1$"
    error = "One."
  }
}

data "coder_parameter" "bad_monotonic" {
  name    = "bad_monotonic"
  type    = "number"
  default = "1"
  validation {
    monotonic = "sideways"
  }
}

data "coder_parameter" "duplicate_option_names" {
  name    = "duplicate_option_names"
  default = "a"
  option {
    name  = "A"
    value = "a"
  }
  option {
    name  = "A"
    value = "b"
  }
}

data "coder_parameter" "duplicate_option_values" {
  name    = "duplicate_option_values"
  default = "a"
  option {
    name  = "A"
    value = "a"
  }
  option {
    name  = "B"
    value = "a"
  }
}

data "coder_parameter" "option_not_a_number" {
  name    = "option_not_a_number"
  type    = "number"
  default = "1"
  option {
    name  = "One"
    value = "1"
  }
  option {
    name  = "Many"
    value = "many"
  }
}

data "coder_parameter" "form_for_options" {
  name      = "form_for_options"
  default   = "a"
  form_type = "input"
  option {
    name  = "A"
    value = "a"
  }
}

data "coder_parameter" "form_for_type" {
  name      = "form_for_type"
  default   = "a"
  form_type = "checkbox"
}

data "coder_parameter" "immutable_ephemeral" {
  name      = "immutable_ephemeral"
  default   = "a"
  ephemeral = true
}

data "coder_parameter" "ephemeral_without_default" {
  name      = "ephemeral_without_default"
  mutable   = true
  ephemeral = true
}

data "coder_parameter" "default_not_a_number" {
  name    = "default_not_a_number"
  type    = "number"
  default = "many"
}
