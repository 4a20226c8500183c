variable "subnet_id" {
  type        = string
  description = "Subnet of every instance."
}

variable "regions" {
  type        = set(string)
  description = "Regions that get edges."
  default     = ["eu-west"]
}
