variable "region" {
  type        = string
  description = "Region."
}
