variable "name" {
  type        = string
  description = "Name of the origin: the Name tag, and the prefix of the security group, IAM role and data volume names."
  default     = "edgecache-origin"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,28}$", var.name))
    error_message = "name must be 1 to 28 of A-Z a-z 0-9 and -."
  }
}

variable "subnet_id" {
  type        = string
  description = "Subnet of the origin instance (private or public). Its availability zone is also the data volume's: an EBS volume only attaches within its zone."

  validation {
    condition     = can(regex("^subnet-[0-9a-f]{8,17}$", var.subnet_id))
    error_message = "subnet_id must be a subnet ID such as subnet-0123456789abcdef0."
  }
}

variable "associate_public_ip" {
  type        = bool
  description = "Give the origin an Elastic IP (the subnet must route to an internet gateway); origin_url then uses it. Keep false when the edges reach the origin over VPC peering or a Transit Gateway."
  default     = false
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the origin. Must support x86_64: the release is a linux-x64 build."
  default     = "t3.medium"

  validation {
    condition     = can(regex("^[a-z0-9-]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as t3.medium."
  }
}

variable "ami_id" {
  type        = string
  description = "AMI of the origin; null takes the newest Amazon Linux 2023 x86_64 AMI. A custom AMI needs cloud-init, systemd, the AWS CLI v2, curl, tar, sha256sum, lsblk, blkid and mkfs.xfs. The origin ignores later AMI changes (it holds the data): move it with terraform apply -replace."
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
  description = "Size of the encrypted root volume, in GiB (the program and logs; content lives on the data volume)."
  default     = 16

  validation {
    condition     = var.root_volume_size >= 8 && var.root_volume_size <= 1024 && floor(var.root_volume_size) == var.root_volume_size
    error_message = "root_volume_size must be a whole number of GiB from 8 to 1024."
  }
}

variable "data_volume_size" {
  type        = number
  description = "Size of the encrypted gp3 data volume mounted at /var/lib/edgecache (blobs, manifest, change log), in GiB. It outlives the instance: replacing the origin keeps its data."
  default     = 100

  validation {
    condition     = var.data_volume_size >= 1 && var.data_volume_size <= 16384 && floor(var.data_volume_size) == var.data_volume_size
    error_message = "data_volume_size must be a whole number of GiB from 1 to 16384."
  }
}

variable "data_volume_final_snapshot" {
  type        = bool
  description = "Snapshot the data volume before Terraform deletes it (terraform destroy, or a change that replaces the volume)."
  default     = true
}

variable "ebs_kms_key_arn" {
  type        = string
  description = "KMS key ARN that encrypts the root and data volumes; null uses the account's default EBS key (aws/ebs). Volumes are always encrypted."
  default     = null

  validation {
    condition     = var.ebs_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.ebs_kms_key_arn))
    error_message = "ebs_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "port" {
  type        = number
  description = "Port of the origin's one HTTP listener: content for the edges' misses, the change feed, acks and the admin API."
  default     = 7000

  validation {
    condition     = var.port >= 1 && var.port <= 65535 && floor(var.port) == var.port
    error_message = "port must be a whole number from 1 to 65535."
  }
}

variable "edge_cidrs" {
  type        = list(string)
  description = "CIDRs the edges' connections to the origin come from: the edge VPCs' CIDRs when they reach its private address over VPC peering or a Transit Gateway (recommended). Edges on public IPs reaching an Elastic IP come from addresses that change with every replacement: then 0.0.0.0/0, the feed and admin API still needing the token. Only these, operator_cidrs and client_security_group_ids reach the origin port."

  validation {
    condition     = alltrue([for c in var.edge_cidrs : can(cidrhost(c, 0)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "edge_cidrs must be CIDR blocks in canonical form, such as 10.20.0.0/16 or 203.0.113.7/32."
  }
}

variable "operator_cidrs" {
  type        = list(string)
  description = "CIDRs of operators (VPN, bastion, CI): they reach the origin port (edgecache publish, purge, status) and, with enable_ssh, SSH."
  default     = []

  validation {
    condition     = alltrue([for c in var.operator_cidrs : can(cidrhost(c, 0)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "operator_cidrs must be CIDR blocks in canonical form, such as 198.51.100.0/24."
  }
}

variable "client_security_group_ids" {
  type        = list(string)
  description = "Security groups in the origin's VPC whose members may reach the origin port over private addresses, e.g. the edgecache dns servers' group (dns-server module)."
  default     = []

  validation {
    condition     = alltrue([for id in var.client_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "client_security_group_ids must be security group IDs such as sg-0123456789abcdef0."
  }
}

variable "enable_ssh" {
  type        = bool
  description = "Open SSH (port 22) to operator_cidrs."
  default     = false
}

variable "key_name" {
  type        = string
  description = "EC2 key pair for SSH; null for none (EC2 Instance Connect still works with enable_ssh)."
  default     = null
}

variable "release_url" {
  type        = string
  description = "Where the instance downloads edgecache-linux-x64.tar.gz (scripts/package.sh): an https:// URL it can read without credentials, or s3://bucket/key, which the instance role may then read (that one object only)."

  validation {
    condition     = can(regex("^(https://[^\\s'\"\\\\]+|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[^\\s'\"\\\\]+)$", var.release_url))
    error_message = "release_url must start with https:// or be s3://bucket/key, without spaces or quotes."
  }
}

variable "release_sha256" {
  type        = string
  description = "SHA-256 of the release tarball (sha256sum edgecache-linux-x64.tar.gz); the instance refuses a download that does not match."

  validation {
    condition     = can(regex("^[0-9a-fA-F]{64}$", var.release_sha256))
    error_message = "release_sha256 must be 64 hexadecimal digits."
  }
}

variable "token_source" {
  type        = string
  description = "Where the admin token is stored: \"ssm\" (Parameter Store SecureString) or \"secretsmanager\" (a plain-text secret). The instance reads it at every start of the service; it never appears in user data or on a command line."
  default     = "ssm"

  validation {
    condition     = contains(["ssm", "secretsmanager"], var.token_source)
    error_message = "token_source must be \"ssm\" or \"secretsmanager\"."
  }
}

variable "token_name" {
  type        = string
  description = "The token's parameter name (e.g. /edgecache/token) or ARN when token_source is ssm; the secret's name or ARN when secretsmanager. The instance role may read this one parameter or secret and nothing else. The token must be 1 or more of A-Z a-z 0-9 . _ ~ + / = - (e.g. openssl rand -hex 32)."

  validation {
    condition     = can(regex("^(arn:aws[a-z-]*:(ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+)|[A-Za-z0-9/_+=.@-]{1,2048})$", var.token_name))
    error_message = "token_name must be a parameter or secret name (A-Z a-z 0-9 / _ + = . @ -) or the ARN of an SSM parameter or a secret."
  }
}

variable "token_region" {
  type        = string
  description = "Region of the token's parameter or secret; null means this module's region. Ignored when token_name is an ARN (the ARN names the region)."
  default     = null

  validation {
    condition     = var.token_region == null ? true : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.token_region))
    error_message = "token_region must be null or an AWS region such as us-east-1."
  }
}

variable "token_kms_key_arn" {
  type        = string
  description = "Customer managed KMS key that encrypts the token; the role may then decrypt with it through SSM or Secrets Manager only. null when the token uses the AWS managed key (aws/ssm, aws/secretsmanager), which needs no grant."
  default     = null

  validation {
    condition     = var.token_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.token_kms_key_arn))
    error_message = "token_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "config" {
  type        = any
  description = "Origin settings, written as the Origin section of /etc/edgecache/origin.json (--config): e.g. { DefaultCacheControl = \"public, max-age=60\", CachePolicies = [{ Prefix = \"/api/\", CdnCacheControl = \"max-age=5\" }] }. Listen, Data and Token come from the module; never put the token here."
  default     = {}

  validation {
    condition     = can(keys(var.config)) && length(setintersection(toset(try(keys(var.config), [])), toset(["Token", "Listen", "Data"]))) == 0
    error_message = "config must be an object of Origin settings without Token, Listen or Data."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (merged with a Name tag)."
  default     = {}
}
