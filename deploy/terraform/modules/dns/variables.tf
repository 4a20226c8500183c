variable "zone_id" {
  type        = string
  description = "ID of the Route 53 public hosted zone the records go in."

  validation {
    condition     = can(regex("^Z[A-Z0-9]{1,32}$", var.zone_id))
    error_message = "zone_id must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ."
  }
}

variable "zone_name" {
  type        = string
  description = "Name of that hosted zone, e.g. cdn.example.net (a trailing dot is ignored)."

  validation {
    condition     = can(regex("^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}\\.?$", var.zone_name))
    error_message = "zone_name must be a domain name such as cdn.example.net."
  }
}

variable "record_name" {
  type        = string
  description = "Name under the zone of the latency-based record that sends each client to the nearest region's load balancer, e.g. www; \"\" for the zone apex."
  default     = ""

  validation {
    condition     = var.record_name == "" ? true : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", var.record_name))
    error_message = "record_name must be \"\" or lower-case DNS labels such as www."
  }
}

variable "regions" {
  type = map(object({
    aws_region  = string
    edge_ips    = list(string)
    lb_dns_name = string
    lb_zone_id  = string
  }))
  description = "The edge regions, by EdgeCache region name (a DNS label: <region>.<zone> is its name): the AWS region the edges run in, their public IPv4 addresses (one health-checked multivalue record each), and their load balancer (edge-region outputs aws_region, public_ips, lb_dns_name, lb_zone_id)."

  validation {
    condition     = alltrue([for k in keys(var.regions) : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", k))])
    error_message = "regions keys must be lower-case DNS labels such as eu-west."
  }

  validation {
    condition     = alltrue([for r in values(var.regions) : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", r.aws_region))])
    error_message = "Every region's aws_region must be an AWS region such as eu-west-1."
  }

  validation {
    condition     = alltrue(flatten([for r in values(var.regions) : [for ip in r.edge_ips : can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", ip)) && can(cidrhost("${ip}/32", 0))]]))
    error_message = "Every edge_ips entry must be an IPv4 address."
  }
}

variable "port" {
  type        = number
  description = "Port the Route 53 health checks ask the edges' /_edge/health on (the edge-region port). Clients that resolve <region>.<zone> connect to 80 unless told otherwise."
  default     = 80

  validation {
    condition     = var.port >= 1 && var.port <= 65535 && floor(var.port) == var.port
    error_message = "port must be a whole number from 1 to 65535."
  }
}

variable "ttl" {
  type        = number
  description = "TTL in seconds of the per-region multivalue records: how long resolvers keep an edge after its health check fails."
  default     = 60

  validation {
    condition     = var.ttl >= 0 && var.ttl <= 86400 && floor(var.ttl) == var.ttl
    error_message = "ttl must be a whole number of seconds from 0 to 86400."
  }
}

variable "delegate_subzone" {
  type = object({
    name            = string
    name_server_ips = list(string)
    ttl             = optional(number, 300)
  })
  description = "Optional delegation of <name>.<zone> to edgecache dns servers (the dns-server module): an NS record naming ns.<name>.<zone>, the name edgecache dns gives itself, and glue A records with the servers' public IPv4 addresses. null for none."
  default     = null

  validation {
    condition = var.delegate_subzone == null ? true : (
      can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.delegate_subzone.name)) &&
      length(var.delegate_subzone.name_server_ips) > 0 &&
      alltrue([for ip in var.delegate_subzone.name_server_ips : can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", ip))]) &&
      var.delegate_subzone.ttl >= 60 && var.delegate_subzone.ttl <= 172800
    )
    error_message = "delegate_subzone needs a lower-case DNS label as name, at least one name server IPv4 address, and a ttl from 60 to 172800."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the health checks (merged with a Name tag)."
  default     = {}
}
