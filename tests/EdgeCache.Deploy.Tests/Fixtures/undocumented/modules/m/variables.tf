variable "documented" {
  type        = string
  description = "Documented."

  validation {
    condition     = length(var.documented) > 0
    error_message = "documented must not be empty."
  }
}

variable "undocumented" {
  type = string
}

variable "untyped" {
  description = "No type."
}

variable "half_validated" {
  type        = number
  description = "Its validation lacks a message."

  validation {
    condition = var.half_validated > 0
  }
}
