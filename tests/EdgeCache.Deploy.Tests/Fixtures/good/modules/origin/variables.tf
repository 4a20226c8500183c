variable "subnet_id" {
  type        = string
  description = "Subnet the origin runs in."
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the origin."
  default     = "t3.small"
}

variable "port" {
  type        = number
  description = "Port the origin listens on."
  default     = 7000

  validation {
    condition     = var.port > 0 && var.port < 65536
    error_message = "port must be a TCP port."
  }
}

variable "token_parameter" {
  type        = string
  description = "SSM parameter holding the admin token."
  default     = null
}
