# Values from the build that the parameters refuse (values.json).
data "coder_parameter" "not_a_number" {
  name = "not_a_number"
  type = "number"
}

data "coder_parameter" "below_min" {
  name = "below_min"
  type = "number"
  validation {
    min = 5
    max = 10
  }
}

data "coder_parameter" "above_max_message" {
  name = "above_max_message"
  type = "number"
  validation {
    min   = 1
    max   = 3
    error = "From {min} to {max}, not {value}."
  }
}

data "coder_parameter" "decreased" {
  name    = "decreased"
  type    = "number"
  mutable = true
  validation {
    monotonic = "increasing"
  }
}

data "coder_parameter" "increased" {
  name    = "increased"
  type    = "number"
  mutable = true
  validation {
    monotonic = "decreasing"
  }
}

data "coder_parameter" "no_match" {
  name = "no_match"
  validation {
    regex = "^[a-z]+$"
    error = "Lower-case letters only."
  }
}

data "coder_parameter" "not_an_option" {
  name = "not_an_option"
  option {
    name  = "A"
    value = "a"
  }
}

data "coder_parameter" "empty_option" {
  name = "empty_option"
  option {
    name  = "A"
    value = "a"
  }
}

data "coder_parameter" "not_a_bool" {
  name = "not_a_bool"
  type = "bool"
}

data "coder_parameter" "bad_list" {
  name = "bad_list"
  type = "list(string)"
}

data "coder_parameter" "list_not_options" {
  name      = "list_not_options"
  type      = "list(string)"
  form_type = "multi-select"
  option {
    name  = "A"
    value = "a"
  }
  option {
    name  = "B"
    value = "b"
  }
}

data "coder_parameter" "number_required" {
  name = "number_required"
  type = "number"
  validation {
    min = 1
  }
}
