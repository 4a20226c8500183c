variable "name" {
  type        = string
  description = "Name of the DNS servers: Name tags (<name>-1, <name>-2, ...) and the prefix of the security group and role names."
  default     = "edgecache-dns"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,28}$", var.name))
    error_message = "name must be 1 to 28 of A-Z a-z 0-9 and -."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Public subnets of the servers (one per availability zone; the servers go round them), in the origin's VPC so they read its fleet over private addresses."

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must hold at least one subnet ID such as subnet-0123456789abcdef0."
  }
}

variable "instance_count" {
  type        = number
  description = "Number of edgecache dns servers, each with its own Elastic IP (a delegation wants two or more)."
  default     = 2

  validation {
    condition     = var.instance_count >= 1 && var.instance_count <= 8 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number from 1 to 8."
  }
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the DNS servers; must support x86_64."
  default     = "t3.small"

  validation {
    condition     = can(regex("^[a-z0-9-]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as t3.small."
  }
}

variable "ami_id" {
  type        = string
  description = "AMI of the DNS servers; null takes the newest Amazon Linux 2023 x86_64 AMI. Later AMI changes are ignored (the servers keep their addresses): move them with terraform apply -replace. A custom AMI needs cloud-init, systemd, the AWS CLI v2, curl, tar and sha256sum."
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
  description = "Size of each server's encrypted root volume, in GiB."
  default     = 16

  validation {
    condition     = var.root_volume_size >= 8 && var.root_volume_size <= 1024 && floor(var.root_volume_size) == var.root_volume_size
    error_message = "root_volume_size must be a whole number of GiB from 8 to 1024."
  }
}

variable "ebs_kms_key_arn" {
  type        = string
  description = "KMS key ARN that encrypts the servers' root volumes; null uses the account's default EBS key. Volumes are always encrypted."
  default     = null

  validation {
    condition     = var.ebs_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.ebs_kms_key_arn))
    error_message = "ebs_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "zone" {
  type        = string
  description = "Zone the servers answer for (--zone), e.g. geo.cdn.example.net: the subzone the dns module delegates to them. They answer its apex, <region>.<zone> and _http._tcp.<zone> with the healthy edges from the origin's fleet."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.zone))
    error_message = "zone must be a lower-case domain name without a trailing dot, such as geo.cdn.example.net."
  }
}

variable "origin_url" {
  type        = string
  description = "URL of the origin whose fleet the servers read (--origin, GET /_admin/fleet with the token), e.g. the origin module's private_url; pass this module's security_group_id to the origin's client_security_group_ids."

  validation {
    condition     = can(regex("^https?://[A-Za-z0-9.:\\[\\]-]+(:[0-9]{1,5})?/?$", var.origin_url))
    error_message = "origin_url must be an http:// or https:// URL of a host (and port), such as http://10.0.1.10:7000."
  }
}

variable "ttl" {
  type        = number
  description = "TTL of the answers in seconds (--ttl)."
  default     = 30

  validation {
    condition     = var.ttl >= 0 && var.ttl <= 86400 && floor(var.ttl) == var.ttl
    error_message = "ttl must be a whole number of seconds from 0 to 86400."
  }
}

variable "geo" {
  type        = map(string)
  description = "Client networks to EdgeCache regions, written to the --geo file as 'CIDR region' lines: a client in a network gets that region's edges first (the longest prefix wins), e.g. { \"10.1.0.0/16\" = \"us-east\" }. Empty: every client gets every healthy edge."
  default     = {}

  validation {
    condition     = alltrue([for cidr, region in var.geo : can(cidrhost(cidr, 0)) && can(regex("^[A-Za-z0-9._-]{1,64}$", region))])
    error_message = "geo must map CIDR blocks to region names (1 to 64 of A-Z a-z 0-9 . _ -)."
  }
}

variable "client_cidrs" {
  type        = list(string)
  description = "CIDRs that may query the servers (UDP and TCP 53): resolvers anywhere, by default."
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
  description = "Where each server downloads edgecache-linux-x64.tar.gz at its first boot: an https:// URL it can read without credentials, or s3://bucket/key, which the instance role may then read (that one object only)."

  validation {
    condition     = can(regex("^(https://[^\\s'\"\\\\]+|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[^\\s'\"\\\\]+)$", var.release_url))
    error_message = "release_url must start with https:// or be s3://bucket/key, without spaces or quotes."
  }
}

variable "release_sha256" {
  type        = string
  description = "SHA-256 of the release tarball; a server refuses a download that does not match."

  validation {
    condition     = can(regex("^[0-9a-fA-F]{64}$", var.release_sha256))
    error_message = "release_sha256 must be 64 hexadecimal digits."
  }
}

variable "token_source" {
  type        = string
  description = "Where the admin token is stored: \"ssm\" (Parameter Store SecureString) or \"secretsmanager\". Each server reads it at every start of its service."
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
  description = "Tags for every resource (merged with a Name tag)."
  default     = {}
}
