# The EdgeCache origin: one EC2 instance running `edgecache origin` under systemd, its content and
# change log on a separate encrypted EBS volume that outlives the instance, a security group that
# lets only the edges and operators reach its port, and a role that may read the admin token only.

data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_subnet" "this" {
  id = var.subnet_id
}

# Amazon Linux 2023 (x86_64) unless ami_id names another AMI. The release is self-contained:
# no .NET is installed on the machine.
data "aws_ami" "this" {
  most_recent = true
  owners      = var.ami_id == null ? ["amazon"] : var.ami_owners

  filter {
    name   = var.ami_id == null ? "name" : "image-id"
    values = var.ami_id == null ? ["al2023-ami-2023.*-x86_64"] : [var.ami_id]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

data "aws_ec2_instance_type" "this" {
  instance_type = var.instance_type
}

locals {
  mount_point = "/var/lib/edgecache"

  # The token's ARN: the one resource the instance role may read.
  token_is_arn = startswith(var.token_name, "arn:")
  token_region = local.token_is_arn ? split(":", var.token_name)[3] : coalesce(var.token_region, data.aws_region.current.name)
  token_prefix = "arn:${data.aws_partition.current.partition}:${var.token_source}:${local.token_region}:${data.aws_caller_identity.current.account_id}"
  token_arn = local.token_is_arn ? var.token_name : (
    var.token_source == "ssm"
    ? "${local.token_prefix}:parameter/${trimprefix(var.token_name, "/")}"
    # A secret's ARN ends in a dash and six random characters.
    : "${local.token_prefix}:secret:${var.token_name}-??????"
  )
  token_command = (var.token_source == "ssm"
    ? "aws ssm get-parameter --region ${local.token_region} --name ${var.token_name} --with-decryption --query Parameter.Value --output text"
    : "aws secretsmanager get-secret-value --region ${local.token_region} --secret-id ${var.token_name} --query SecretString --output text"
  )

  release_s3_object_arn = startswith(var.release_url, "s3://") ? "arn:${data.aws_partition.current.partition}:s3:::${trimprefix(var.release_url, "s3://")}" : null

  origin_address = var.associate_public_ip ? one(aws_eip.this[*].public_ip) : aws_instance.this.private_ip

  # Rendered cloud-init: writes the unit, the two scripts and the config file, and runs the installer
  # once. No secret in it: the token is fetched from token_name at every start of the service.
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    unit_b64 = base64encode(templatefile("${path.module}/templates/edgecache-origin.service.tftpl", {
      port        = var.port
      mount_point = local.mount_point
    }))
    prepare_b64 = base64encode(templatefile("${path.module}/templates/edgecache-prepare.sh.tftpl", {
      token_command = local.token_command
    }))
    install_b64 = base64encode(templatefile("${path.module}/templates/edgecache-install.sh.tftpl", {
      release_url    = var.release_url
      release_sha256 = lower(var.release_sha256)
      aws_region     = data.aws_region.current.name
      volume_serial  = replace(aws_ebs_volume.data.id, "-", "")
      mount_point    = local.mount_point
    }))
    config_b64 = base64encode(jsonencode({ Origin = var.config }))
  })
}

# --- Network -------------------------------------------------------------------------------------

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "EdgeCache origin: its port from edges and operators only"
  vpc_id      = data.aws_subnet.this.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "origin" {
  for_each = toset(concat(var.edge_cidrs, var.operator_cidrs))

  security_group_id = aws_security_group.this.id
  description       = "EdgeCache origin: content, feed, acks, admin API"
  ip_protocol       = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
  tags              = merge(var.tags, { Name = "${var.name}-origin" })
}

resource "aws_vpc_security_group_ingress_rule" "origin_from_group" {
  count = length(var.client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "EdgeCache origin: fleet readers in this VPC"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.client_security_group_ids[count.index]
  tags                         = merge(var.tags, { Name = "${var.name}-origin" })
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  for_each = var.enable_ssh ? toset(var.operator_cidrs) : toset([])

  security_group_id = aws_security_group.this.id
  description       = "SSH from operators"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
  tags              = merge(var.tags, { Name = "${var.name}-ssh" })
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.this.id
  description       = "Outbound: release download, SSM or Secrets Manager, OS updates"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  tags              = merge(var.tags, { Name = "${var.name}-egress" })
}

# --- IAM: read the one token, and the release object when it is on S3 -----------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "instance" {
  statement {
    sid       = "ReadToken"
    actions   = var.token_source == "ssm" ? ["ssm:GetParameter"] : ["secretsmanager:GetSecretValue"]
    resources = [local.token_arn]
  }

  dynamic "statement" {
    for_each = var.token_kms_key_arn == null ? [] : [var.token_kms_key_arn]

    content {
      sid       = "DecryptToken"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["${var.token_source}.${local.token_region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.release_s3_object_arn == null ? [] : [local.release_s3_object_arn]

    content {
      sid       = "ReadRelease"
      actions   = ["s3:GetObject"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${var.name}-"
  description        = "EdgeCache origin instance: reads its admin token"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = merge(var.tags, { Name = var.name })
}

resource "aws_iam_role_policy" "this" {
  name   = "edgecache-origin"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.instance.json

  lifecycle {
    precondition {
      condition     = local.token_is_arn ? try(split(":", var.token_name)[2], "") == var.token_source : true
      error_message = "token_name is an ARN of another service than token_source (${var.token_source})."
    }
  }
}

resource "aws_iam_instance_profile" "this" {
  name_prefix = "${var.name}-"
  role        = aws_iam_role.this.name
  tags        = merge(var.tags, { Name = var.name })
}

# --- Data volume: outlives the instance ----------------------------------------------------------

resource "aws_ebs_volume" "data" {
  availability_zone = data.aws_subnet.this.availability_zone
  size              = var.data_volume_size
  type              = "gp3"
  encrypted         = true
  kms_key_id        = var.ebs_kms_key_arn
  final_snapshot    = var.data_volume_final_snapshot
  tags              = merge(var.tags, { Name = "${var.name}-data" })
}

# The instance finds the volume by its serial number (the volume ID without the dash), so the
# NVMe device name (/dev/nvme1n1 or another) does not matter.
resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.this.id

  # Stop the origin before the volume is detached (instance replacement, destroy): its log and
  # manifest are fsynced, but a clean unmount is better still.
  stop_instance_before_detaching = true
}

# --- Instance ------------------------------------------------------------------------------------

resource "aws_instance" "this" {
  ami                         = data.aws_ami.this.id
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = [aws_security_group.this.id]
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = var.associate_public_ip
  key_name                    = var.key_name
  user_data                   = local.user_data
  # A new release (URL, checksum) or setting means a new instance; the data volume moves over.
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_size
    encrypted             = true
    kms_key_id            = var.ebs_kms_key_arn
    delete_on_termination = true
    tags                  = merge(var.tags, { Name = "${var.name}-root" })
  }

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    # A newer Amazon Linux AMI must not replace the origin at some routine apply.
    ignore_changes = [ami]

    precondition {
      condition     = contains(data.aws_ec2_instance_type.this.supported_architectures, "x86_64")
      error_message = "instance_type ${var.instance_type} does not run x86_64; the release is a linux-x64 build."
    }
  }
}

resource "aws_eip" "this" {
  count = var.associate_public_ip ? 1 : 0

  domain   = "vpc"
  instance = aws_instance.this.id
  tags     = merge(var.tags, { Name = var.name })
}
