variable "origin_region" {
  type        = string
  description = "AWS region of the origin (and of the edgecache dns servers, if any); also the default region of the token."
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.origin_region))
    error_message = "origin_region must be an AWS region such as us-east-1."
  }
}

variable "origin_subnet_id" {
  type        = string
  description = "Subnet of the origin in origin_region (a private subnet unless origin_public_ip)."

  validation {
    condition     = can(regex("^subnet-[0-9a-f]{8,17}$", var.origin_subnet_id))
    error_message = "origin_subnet_id must be a subnet ID such as subnet-0123456789abcdef0."
  }
}

variable "origin_public_ip" {
  type        = bool
  description = "Give the origin an Elastic IP and have the edges follow it there; false when the edge VPCs reach the origin's VPC over peering or a Transit Gateway (then edge_cidrs are their CIDRs)."
  default     = false
}

variable "origin_instance_type" {
  type        = string
  description = "EC2 instance type of the origin (x86_64)."
  default     = "t3.medium"

  validation {
    condition     = can(regex("^[a-z0-9-]+\\.[a-z0-9]+$", var.origin_instance_type))
    error_message = "origin_instance_type must be an EC2 instance type such as t3.medium."
  }
}

variable "origin_data_volume_size" {
  type        = number
  description = "Size of the origin's data volume (content and change log), in GiB."
  default     = 100

  validation {
    condition     = var.origin_data_volume_size >= 1 && var.origin_data_volume_size <= 16384 && floor(var.origin_data_volume_size) == var.origin_data_volume_size
    error_message = "origin_data_volume_size must be a whole number of GiB from 1 to 16384."
  }
}

variable "edge_cidrs" {
  type        = list(string)
  description = "CIDRs the edges' connections to the origin come from: the three edge VPCs' CIDRs over VPC peering or a Transit Gateway (recommended); with origin_public_ip, 0.0.0.0/0 (the edges' public addresses change with every replacement; the feed and admin API still need the token)."

  validation {
    condition     = length(var.edge_cidrs) > 0 && alltrue([for c in var.edge_cidrs : can(cidrhost(c, 0)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "edge_cidrs must be a non-empty list of CIDR blocks in canonical form."
  }
}

variable "operator_cidrs" {
  type        = list(string)
  description = "CIDRs of operators: they reach the origin's admin API (publish, purge, status)."
  default     = []

  validation {
    condition     = alltrue([for c in var.operator_cidrs : can(cidrhost(c, 0)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "operator_cidrs must be CIDR blocks in canonical form."
  }
}

variable "edge_subnet_ids" {
  type = object({
    us_east  = list(string)
    eu_west  = list(string)
    ap_south = list(string)
  })
  description = "Public subnets of the edges in each region (us-east-1, eu-west-1, ap-south-1), one per availability zone."

  validation {
    condition = alltrue([
      for subnets in [var.edge_subnet_ids.us_east, var.edge_subnet_ids.eu_west, var.edge_subnet_ids.ap_south] :
      length(subnets) > 0 && alltrue([for s in subnets : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    ])
    error_message = "Every region needs at least one subnet ID such as subnet-0123456789abcdef0."
  }
}

variable "edge_capacity" {
  type = object({
    min_size         = number
    max_size         = number
    desired_capacity = number
  })
  description = "Number of edges in each region: the auto scaling groups' min, max and desired sizes."
  default = {
    min_size         = 2
    max_size         = 4
    desired_capacity = 2
  }

  validation {
    condition     = var.edge_capacity.min_size >= 1 && var.edge_capacity.min_size <= var.edge_capacity.desired_capacity && var.edge_capacity.desired_capacity <= var.edge_capacity.max_size
    error_message = "edge_capacity needs 1 <= min_size <= desired_capacity <= max_size."
  }
}

variable "edge_instance_type" {
  type        = string
  description = "EC2 instance type of the edges (x86_64)."
  default     = "t3.small"

  validation {
    condition     = can(regex("^[a-z0-9-]+\\.[a-z0-9]+$", var.edge_instance_type))
    error_message = "edge_instance_type must be an EC2 instance type such as t3.small."
  }
}

variable "edge_cache_size" {
  type        = string
  description = "Memory budget of each edge's cache (--cache-size)."
  default     = "512MB"

  validation {
    condition     = can(regex("^(?i)[0-9]+(\\.[0-9]+)?([KMGT](I?B)?|B)?$", var.edge_cache_size))
    error_message = "edge_cache_size must be a size such as 256MB or 2GB."
  }
}

variable "edge_port" {
  type        = number
  description = "Port the edges and their load balancers serve HTTP on."
  default     = 80

  validation {
    condition     = var.edge_port >= 1 && var.edge_port <= 65535 && floor(var.edge_port) == var.edge_port
    error_message = "edge_port must be a whole number from 1 to 65535."
  }
}

variable "edge_config" {
  type        = any
  description = "The edges' config file as an object (edge-region config): Edge settings and YARP routes and clusters, e.g. { Edge = { ErrorGrace = \"00:30:00\" } } to serve stale content while the origin is being replaced."
  default     = {}
}

variable "release_url" {
  type        = string
  description = "edgecache-linux-x64.tar.gz from scripts/package.sh: s3://bucket/key (the instance roles may read that object) or an https:// URL readable without credentials."

  validation {
    condition     = can(regex("^(https://[^\\s'\"\\\\]+|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[^\\s'\"\\\\]+)$", var.release_url))
    error_message = "release_url must start with https:// or be s3://bucket/key, without spaces or quotes."
  }
}

variable "release_sha256" {
  type        = string
  description = "SHA-256 of the release tarball (sha256sum edgecache-linux-x64.tar.gz)."

  validation {
    condition     = can(regex("^[0-9a-fA-F]{64}$", var.release_sha256))
    error_message = "release_sha256 must be 64 hexadecimal digits."
  }
}

variable "token_source" {
  type        = string
  description = "Where the admin token is stored: \"ssm\" or \"secretsmanager\"."
  default     = "ssm"

  validation {
    condition     = contains(["ssm", "secretsmanager"], var.token_source)
    error_message = "token_source must be \"ssm\" or \"secretsmanager\"."
  }
}

variable "token_name" {
  type        = string
  description = "The token's SSM parameter name (SecureString) or Secrets Manager secret name, or its ARN. One token for the origin, every edge and the DNS servers."
  default     = "/edgecache/token"

  validation {
    condition     = can(regex("^(arn:aws[a-z-]*:(ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+)|[A-Za-z0-9/_+=.@-]{1,2048})$", var.token_name))
    error_message = "token_name must be a parameter or secret name or ARN."
  }
}

variable "token_region" {
  type        = string
  description = "Region of the token's parameter or secret; null means origin_region. Every region's instances read it there."
  default     = null

  validation {
    condition     = var.token_region == null ? true : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.token_region))
    error_message = "token_region must be null or an AWS region such as us-east-1."
  }
}

variable "zone_id" {
  type        = string
  description = "Route 53 public hosted zone ID for the DNS records."

  validation {
    condition     = can(regex("^Z[A-Z0-9]{1,32}$", var.zone_id))
    error_message = "zone_id must be a Route 53 hosted zone ID."
  }
}

variable "zone_name" {
  type        = string
  description = "Name of that hosted zone, e.g. cdn.example.net."

  validation {
    condition     = can(regex("^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}\\.?$", var.zone_name))
    error_message = "zone_name must be a domain name such as cdn.example.net."
  }
}

variable "record_name" {
  type        = string
  description = "Name under the zone of the latency-based record (\"\" for the apex, e.g. www)."
  default     = ""

  validation {
    condition     = var.record_name == "" ? true : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", var.record_name))
    error_message = "record_name must be \"\" or lower-case DNS labels."
  }
}

variable "geodns" {
  type = object({
    subzone        = string
    subnet_ids     = list(string)
    instance_count = optional(number, 2)
    geo            = optional(map(string), {})
  })
  description = "Optional GeoDNS: edgecache dns servers in origin_region (public subnets of the origin's VPC) answering for <subzone>.<zone_name>, delegated from the hosted zone; geo maps client CIDRs to region names (us-east, eu-west, ap-south). null for none."
  default     = null

  validation {
    condition = var.geodns == null ? true : (
      can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.geodns.subzone)) &&
      length(var.geodns.subnet_ids) > 0
    )
    error_message = "geodns needs a lower-case DNS label as subzone and at least one subnet."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default = {
    Application = "edgecache"
  }
}
