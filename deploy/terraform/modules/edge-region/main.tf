# The edges of one EdgeCache region: an auto scaling group across the given subnets (availability
# zones) launching `edgecache edge` under systemd, a network load balancer whose HTTP health check
# on /_edge/health makes the group replace a failing edge, a security group, and a role that may
# read the admin token only.

data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_subnet" "this" {
  for_each = toset(var.subnet_ids)

  id = each.value
}

data "aws_subnet" "lb" {
  for_each = toset(local.lb_subnet_ids)

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
  name     = "${var.name}-${var.region}"
  asg_name = local.name
  vpc_id   = data.aws_subnet.this[var.subnet_ids[0]].vpc_id

  lb_subnet_ids = var.lb_subnet_ids == null ? var.subnet_ids : var.lb_subnet_ids

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

  # The load balancer's health checks come from its nodes' private addresses in its subnets.
  edge_port_cidrs = toset(concat(var.client_cidrs, [for s in data.aws_subnet.lb : s.cidr_block]))

  # Rendered cloud-init, the same for every edge; what differs (the edge's --id, its public
  # address) is read from the instance metadata at boot. No secret in it.
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    unit_b64 = base64encode(templatefile("${path.module}/templates/edgecache-edge.service.tftpl", {
      port       = var.port
      origin_url = var.origin_url
      region     = var.region
      cache_size = var.cache_size
    }))
    prepare_b64 = base64encode(templatefile("${path.module}/templates/edgecache-prepare.sh.tftpl", {
      token_command = local.token_command
      region        = var.region
      port          = var.port
    }))
    install_b64 = base64encode(templatefile("${path.module}/templates/edgecache-install.sh.tftpl", {
      release_url    = var.release_url
      release_sha256 = lower(var.release_sha256)
      aws_region     = data.aws_region.current.name
    }))
    config_b64 = base64encode(jsonencode(var.config))
  })
}

# --- Network -------------------------------------------------------------------------------------

resource "aws_security_group" "this" {
  name_prefix = "${local.name}-"
  description = "EdgeCache edges: HTTP from clients and the load balancer"
  vpc_id      = local.vpc_id
  tags        = merge(var.tags, { Name = local.name })

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = length(distinct([for s in data.aws_subnet.this : s.vpc_id])) == 1
      error_message = "subnet_ids must all be in one VPC."
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  for_each = local.edge_port_cidrs

  security_group_id = aws_security_group.this.id
  description       = "EdgeCache edge: clients, health checks"
  ip_protocol       = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
  tags              = merge(var.tags, { Name = "${local.name}-http" })
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
  tags              = merge(var.tags, { Name = "${local.name}-ssh" })
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.this.id
  description       = "Outbound: origin, upstreams, release download, SSM or Secrets Manager"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  tags              = merge(var.tags, { Name = "${local.name}-egress" })
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
  name_prefix        = "${substr(local.name, 0, 37)}-"
  description        = "EdgeCache edge instances of region ${var.region}: read the admin token"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = merge(var.tags, { Name = local.name })
}

resource "aws_iam_role_policy" "this" {
  name   = "edgecache-edge"
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
  name_prefix = "${substr(local.name, 0, 37)}-"
  role        = aws_iam_role.this.name
  tags        = merge(var.tags, { Name = local.name })
}

# --- Load balancer: one address per region, health checks that replace failing edges ------------

resource "aws_lb" "this" {
  name_prefix                      = "edge-"
  load_balancer_type               = "network"
  internal                         = false
  subnets                          = local.lb_subnet_ids
  enable_cross_zone_load_balancing = true
  tags                             = merge(var.tags, { Name = local.name })

  lifecycle {
    precondition {
      condition     = alltrue([for s in data.aws_subnet.lb : s.vpc_id == local.vpc_id])
      error_message = "lb_subnet_ids must be in the VPC of subnet_ids."
    }
  }
}

resource "aws_lb_target_group" "this" {
  name_prefix          = "edge-"
  port                 = var.port
  protocol             = "TCP"
  target_type          = "instance"
  vpc_id               = local.vpc_id
  deregistration_delay = 30
  tags                 = merge(var.tags, { Name = local.name })

  health_check {
    enabled             = true
    protocol            = "HTTP"
    path                = "/_edge/health"
    port                = "traffic-port"
    matcher             = "200"
    interval            = 10
    healthy_threshold   = 3
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "this" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.port
  protocol          = "TCP"
  tags              = merge(var.tags, { Name = local.name })

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}

# --- Launch template and auto scaling group -------------------------------------------------------

resource "aws_launch_template" "this" {
  name_prefix            = "${local.name}-"
  description            = "EdgeCache edge, region ${var.region}"
  image_id               = data.aws_ami.this.id
  instance_type          = var.instance_type
  key_name               = var.key_name
  user_data              = base64encode(local.user_data)
  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.this.arn
  }

  network_interfaces {
    device_index                = 0
    associate_public_ip_address = var.associate_public_ip
    security_groups             = [aws_security_group.this.id]
    delete_on_termination       = true
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = data.aws_ami.this.root_device_name

    ebs {
      volume_type           = "gp3"
      volume_size           = var.root_volume_size
      encrypted             = true
      kms_key_id            = var.ebs_kms_key_arn
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = local.name, "edgecache:region" = var.region })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(var.tags, { Name = local.name })
  }

  tag_specifications {
    resource_type = "network-interface"
    tags          = merge(var.tags, { Name = local.name })
  }

  tags = merge(var.tags, { Name = local.name })

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = contains(data.aws_ec2_instance_type.this.supported_architectures, "x86_64")
      error_message = "instance_type ${var.instance_type} does not run x86_64; the release is a linux-x64 build."
    }
  }
}

resource "aws_autoscaling_group" "this" {
  name                      = local.asg_name
  min_size                  = var.min_size
  max_size                  = var.max_size
  desired_capacity          = var.desired_capacity
  vpc_zone_identifier       = var.subnet_ids
  target_group_arns         = [aws_lb_target_group.this.arn]
  health_check_type         = "ELB"
  health_check_grace_period = var.health_check_grace_period
  wait_for_capacity_timeout = "15m"

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  # A new launch template version (release, settings, AMI) replaces the edges a few at a time.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 50
      instance_warmup        = var.health_check_grace_period
    }
  }

  dynamic "tag" {
    for_each = merge(var.tags, { Name = local.name, "edgecache:region" = var.region })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = false # the launch template tags the instances
    }
  }

  lifecycle {
    precondition {
      condition     = var.min_size <= var.desired_capacity && var.desired_capacity <= var.max_size
      error_message = "Need min_size <= desired_capacity <= max_size."
    }
  }
}

# The edges running when Terraform reads this (during plan or refresh), found by the tag the group
# puts on its instances. It deliberately does not depend on the group: it is then read at plan time,
# so the dns module can make one record per address. The group replaces edges on its own; run
# terraform apply again to bring these addresses (and the DNS records fed from them) up to date.
data "aws_instances" "edges" {
  instance_tags = {
    "aws:autoscaling:groupName" = local.asg_name
  }
  instance_state_names = ["running"]
}
