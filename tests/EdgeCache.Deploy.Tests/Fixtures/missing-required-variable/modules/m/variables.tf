variable "a" {
  type        = string
  description = "Required, passed."
}

variable "b" {
  type        = string
  description = "Optional: a null default is a default."
  default     = null
}

variable "c" {
  type        = string
  description = "Required, not passed."
}
