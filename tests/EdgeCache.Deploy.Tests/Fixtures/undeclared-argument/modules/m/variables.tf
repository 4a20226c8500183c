variable "a" {
  type        = string
  description = "A."
}
