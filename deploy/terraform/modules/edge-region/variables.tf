variable "name" {
  type        = string
  description = "Prefix of the names of this region's resources (auto scaling group <name>-<region>, launch template, security group, role)."
  default     = "edgecache-edge"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,28}$", var.name))
    error_message = "name must be 1 to 28 of A-Z a-z 0-9 and -."
  }
}

variable "region" {
  type        = string
  description = "EdgeCache region of these edges (--region: status groups, edgecache dns answers <region>.<zone>), e.g. eu-west. Each edge's --id is <region>-<instance ID>, which must stay within the CLI's 64 characters, hence at most 44 here; use a DNS label (a-z 0-9 -) when the dns module or edgecache dns names it."

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,44}$", var.region))
    error_message = "region must be 1 to 44 of A-Z a-z 0-9 . _ - (the edge IDs <region>-<instance ID> must be at most 64)."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets of the edges and their network load balancer, one per availability zone (two or more for high availability). With associate_public_ip they must route to an internet gateway."

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must hold at least one subnet ID such as subnet-0123456789abcdef0."
  }
}

variable "lb_subnet_ids" {
  type        = list(string)
  description = "Subnets of the internet-facing network load balancer, one per availability zone (public subnets); null means subnet_ids. Set it when the edges sit in private subnets."
  default     = null

  validation {
    condition     = var.lb_subnet_ids == null ? true : length(var.lb_subnet_ids) >= 1 && alltrue([for s in var.lb_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "lb_subnet_ids must be null or hold at least one subnet ID."
  }
}

variable "associate_public_ip" {
  type        = bool
  description = "Give every edge a public IPv4 address: clients reach it directly (the dns module's per-region records and edgecache dns answer these addresses) and it is the Edge:PublicEndpoint the edge reports to the origin. Without one, the edge reports its private address."
  default     = true
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the edges; must support x86_64 and hold cache_size in memory with room to spare."
  default     = "t3.small"

  validation {
    condition     = can(regex("^[a-z0-9-]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as t3.small."
  }
}

variable "ami_id" {
  type        = string
  description = "AMI of the edges; null takes the newest Amazon Linux 2023 x86_64 AMI (a newer one rolls the edges at the next apply). A custom AMI needs cloud-init, systemd, python3, the AWS CLI v2, curl, tar and sha256sum."
  default     = null

  validation {
    condition     = var.ami_id == null ? true : can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must be null or an AMI ID such as ami-0123456789abcdef0."
  }
}

variable "ami_owners" {
  type        = list(string)
  description = "Owners to look ami_id up among (self, amazon, an account ID such as Debian's 136693071363). Used only with ami_id."
  default     = ["self", "amazon"]

  validation {
    condition     = length(var.ami_owners) > 0 && alltrue([for o in var.ami_owners : can(regex("^(self|amazon|aws-marketplace|[0-9]{12})$", o))])
    error_message = "ami_owners must be a non-empty list of self, amazon, aws-marketplace or 12-digit account IDs."
  }
}

variable "root_volume_size" {
  type        = number
  description = "Size of each edge's encrypted root volume, in GiB (the cache lives in memory)."
  default     = 16

  validation {
    condition     = var.root_volume_size >= 8 && var.root_volume_size <= 1024 && floor(var.root_volume_size) == var.root_volume_size
    error_message = "root_volume_size must be a whole number of GiB from 8 to 1024."
  }
}

variable "ebs_kms_key_arn" {
  type        = string
  description = "KMS key ARN that encrypts the edges' root volumes; null uses the account's default EBS key. Volumes are always encrypted."
  default     = null

  validation {
    condition     = var.ebs_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.ebs_kms_key_arn))
    error_message = "ebs_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "min_size" {
  type        = number
  description = "Fewest edges in this region."
  default     = 2

  validation {
    condition     = var.min_size >= 1 && floor(var.min_size) == var.min_size
    error_message = "min_size must be a whole number of at least 1."
  }
}

variable "max_size" {
  type        = number
  description = "Most edges in this region (also the ceiling during an instance refresh)."
  default     = 4

  validation {
    condition     = var.max_size >= 1 && var.max_size <= 100 && floor(var.max_size) == var.max_size
    error_message = "max_size must be a whole number from 1 to 100."
  }
}

variable "desired_capacity" {
  type        = number
  description = "Number of edges to run in this region, between min_size and max_size."
  default     = 2

  validation {
    condition     = var.desired_capacity >= 1 && floor(var.desired_capacity) == var.desired_capacity
    error_message = "desired_capacity must be a whole number of at least 1."
  }
}

variable "health_check_grace_period" {
  type        = number
  description = "Seconds a new edge has to install and start before failing /_edge/health gets it replaced."
  default     = 300

  validation {
    condition     = var.health_check_grace_period >= 60 && var.health_check_grace_period <= 3600
    error_message = "health_check_grace_period must be from 60 to 3600 seconds."
  }
}

variable "port" {
  type        = number
  description = "Port the edges serve HTTP on (--listen http://0.0.0.0:<port>) and the load balancer listens on. Keep 80 when clients reach edges by DNS names alone."
  default     = 80

  validation {
    condition     = var.port >= 1 && var.port <= 65535 && floor(var.port) == var.port
    error_message = "port must be a whole number from 1 to 65535."
  }
}

variable "origin_url" {
  type        = string
  description = "URL of the origin the edges follow (--origin), e.g. the origin module's origin_url; the security groups must let the edges reach it."

  validation {
    condition     = can(regex("^https?://[A-Za-z0-9.:\\[\\]-]+(:[0-9]{1,5})?/?$", var.origin_url))
    error_message = "origin_url must be an http:// or https:// URL of a host (and port), such as http://10.0.1.10:7000."
  }
}

variable "cache_size" {
  type        = string
  description = "Memory budget of each edge's cache (--cache-size), e.g. 512MB or 2GB (binary units)."
  default     = "512MB"

  validation {
    condition     = can(regex("^(?i)[0-9]+(\\.[0-9]+)?([KMGT](I?B)?|B)?$", var.cache_size))
    error_message = "cache_size must be a size such as 256MB, 1.5GB or 1048576."
  }
}

variable "config" {
  type        = any
  description = "The edges' config file (--config) as an object: Edge settings and YARP ReverseProxy routes and clusters, e.g. { Edge = { MaxObjectSize = \"32MB\" }, ReverseProxy = { Routes = {...}, Clusters = {...} } }. Edge.PublicEndpoint is set at boot; never put the token here."
  default     = {}

  validation {
    condition = (
      can(keys(var.config)) &&
      alltrue([for k in try(keys(var.config), []) : contains(["Edge", "ReverseProxy", "Logging"], k)]) &&
      !can(var.config.Edge.Token)
    )
    error_message = "config must be an object with only Edge, ReverseProxy and Logging sections, and no Edge.Token."
  }
}

variable "client_cidrs" {
  type        = list(string)
  description = "CIDRs that may reach the edges' port: clients, and also Route 53 health checkers and the origin (edgecache status --path asks the edges) when you narrow it."
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.client_cidrs) > 0 && alltrue([for c in var.client_cidrs : can(cidrhost(c, 0)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "client_cidrs must be a non-empty list of CIDR blocks in canonical form, such as 0.0.0.0/0."
  }
}

variable "operator_cidrs" {
  type        = list(string)
  description = "CIDRs of operators; with enable_ssh they may reach SSH."
  default     = []

  validation {
    condition     = alltrue([for c in var.operator_cidrs : can(cidrhost(c, 0)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "operator_cidrs must be CIDR blocks in canonical form, such as 198.51.100.0/24."
  }
}

variable "enable_ssh" {
  type        = bool
  description = "Open SSH (port 22) to operator_cidrs."
  default     = false
}

variable "key_name" {
  type        = string
  description = "EC2 key pair for SSH; null for none."
  default     = null
}

variable "release_url" {
  type        = string
  description = "Where each edge downloads edgecache-linux-x64.tar.gz at boot: an https:// URL it can read without credentials, or s3://bucket/key, which the instance role may then read (that one object only). It must stay readable: the auto scaling group launches edges long after the apply."

  validation {
    condition     = can(regex("^(https://[^\\s'\"\\\\]+|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[^\\s'\"\\\\]+)$", var.release_url))
    error_message = "release_url must start with https:// or be s3://bucket/key, without spaces or quotes."
  }
}

variable "release_sha256" {
  type        = string
  description = "SHA-256 of the release tarball; an edge refuses a download that does not match."

  validation {
    condition     = can(regex("^[0-9a-fA-F]{64}$", var.release_sha256))
    error_message = "release_sha256 must be 64 hexadecimal digits."
  }
}

variable "token_source" {
  type        = string
  description = "Where the admin token is stored: \"ssm\" (Parameter Store SecureString) or \"secretsmanager\". Each edge reads it at every start of its service."
  default     = "ssm"

  validation {
    condition     = contains(["ssm", "secretsmanager"], var.token_source)
    error_message = "token_source must be \"ssm\" or \"secretsmanager\"."
  }
}

variable "token_name" {
  type        = string
  description = "The token's parameter name (e.g. /edgecache/token) or ARN when token_source is ssm; the secret's name or ARN when secretsmanager. The instance role may read this one parameter or secret only."

  validation {
    condition     = can(regex("^(arn:aws[a-z-]*:(ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+)|[A-Za-z0-9/_+=.@-]{1,2048})$", var.token_name))
    error_message = "token_name must be a parameter or secret name (A-Z a-z 0-9 / _ + = . @ -) or the ARN of an SSM parameter or a secret."
  }
}

variable "token_region" {
  type        = string
  description = "Region of the token's parameter or secret (e.g. the origin's region, so one parameter serves every region); null means this module's region. Ignored when token_name is an ARN."
  default     = null

  validation {
    condition     = var.token_region == null ? true : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.token_region))
    error_message = "token_region must be null or an AWS region such as us-east-1."
  }
}

variable "token_kms_key_arn" {
  type        = string
  description = "Customer managed KMS key that encrypts the token (decrypt allowed through SSM or Secrets Manager only); null for the AWS managed key."
  default     = null

  validation {
    condition     = var.token_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.token_kms_key_arn))
    error_message = "token_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (merged with a Name tag); instances and their volumes get them through the launch template."
  default     = {}
}
