variable "region" {
  type        = string
  description = "Region name the edges report."
}

variable "origin_url" {
  type        = string
  description = "URL of the origin."
}

variable "edge_count" {
  type        = number
  description = "Edges in the region."
  default     = 2
}
