# edgecache dns servers: authoritative GeoDNS for one (delegated) zone, answering with the healthy
# edges read from the origin's fleet. Each server is an EC2 instance with an Elastic IP (the glue
# records of the delegation must not change), running `edgecache dns` under systemd on port 53.

data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_subnet" "this" {
  for_each = toset(var.subnet_ids)

  id = each.value
}

# Amazon Linux 2023 (x86_64) unless ami_id names another AMI.
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
  vpc_id = data.aws_subnet.this[var.subnet_ids[0]].vpc_id

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

  geo_file = join("", concat(
    ["# CIDR region (written by Terraform, deploy/terraform/modules/dns-server)\n"],
    [for cidr, region in var.geo : "${cidr} ${region}\n"]
  ))

  # Rendered cloud-init, the same for every server. No secret in it.
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    unit_b64 = base64encode(templatefile("${path.module}/templates/edgecache-dns.service.tftpl", {
      zone       = var.zone
      origin_url = var.origin_url
      ttl        = var.ttl
    }))
    prepare_b64 = base64encode(templatefile("${path.module}/templates/edgecache-prepare.sh.tftpl", {
      token_command = local.token_command
    }))
    install_b64 = base64encode(templatefile("${path.module}/templates/edgecache-install.sh.tftpl", {
      release_url    = var.release_url
      release_sha256 = lower(var.release_sha256)
      aws_region     = data.aws_region.current.name
    }))
    geo_b64 = base64encode(local.geo_file)
  })
}

# --- Network -------------------------------------------------------------------------------------

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "edgecache dns: DNS over UDP and TCP from resolvers"
  vpc_id      = local.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = length(distinct([for s in data.aws_subnet.this : s.vpc_id])) == 1
      error_message = "subnet_ids must all be in one VPC."
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "dns_udp" {
  for_each = toset(var.client_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "DNS over UDP"
  ip_protocol       = "udp"
  from_port         = 53
  to_port           = 53
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
  tags              = merge(var.tags, { Name = "${var.name}-dns-udp" })
}

resource "aws_vpc_security_group_ingress_rule" "dns_tcp" {
  for_each = toset(var.client_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "DNS over TCP (truncated answers)"
  ip_protocol       = "tcp"
  from_port         = 53
  to_port           = 53
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
  tags              = merge(var.tags, { Name = "${var.name}-dns-tcp" })
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
  description       = "Outbound: origin fleet, release download, SSM or Secrets Manager"
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
  description        = "edgecache dns instances: read the admin token"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = merge(var.tags, { Name = var.name })
}

resource "aws_iam_role_policy" "this" {
  name   = "edgecache-dns"
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

# --- Instances, each with a fixed address ---------------------------------------------------------

resource "aws_instance" "this" {
  count = var.instance_count

  ami                         = data.aws_ami.this.id
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_ids[count.index % length(var.subnet_ids)]
  vpc_security_group_ids      = [aws_security_group.this.id]
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = true
  key_name                    = var.key_name
  user_data                   = local.user_data
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
    tags                  = merge(var.tags, { Name = "${var.name}-${count.index + 1}" })
  }

  tags = merge(var.tags, { Name = "${var.name}-${count.index + 1}" })

  lifecycle {
    ignore_changes = [ami]

    precondition {
      condition     = contains(data.aws_ec2_instance_type.this.supported_architectures, "x86_64")
      error_message = "instance_type ${var.instance_type} does not run x86_64; the release is a linux-x64 build."
    }
  }
}

resource "aws_eip" "this" {
  count = var.instance_count

  domain   = "vpc"
  instance = aws_instance.this[count.index].id
  tags     = merge(var.tags, { Name = "${var.name}-${count.index + 1}" })
}
