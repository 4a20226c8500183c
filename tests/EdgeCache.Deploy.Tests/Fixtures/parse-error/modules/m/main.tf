variable "x" {
  type = string
