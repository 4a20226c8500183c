# EdgeCache in four AWS regions: the origin (and, optionally, edgecache dns servers) in
# origin_region, edges in us-east-1, eu-west-1 and ap-south-1, and Route 53 records that send each
# client to healthy edges of a nearby region. See README.md, "Deploy with Terraform".

provider "aws" {
  region = var.origin_region
}

provider "aws" {
  alias  = "us_east"
  region = "us-east-1"
}

provider "aws" {
  alias  = "eu_west"
  region = "eu-west-1"
}

provider "aws" {
  alias  = "ap_south"
  region = "ap-south-1"
}

locals {
  # One token for the whole network, read by every region's instances where it is stored.
  token_region = coalesce(var.token_region, var.origin_region)
  zone_name    = lower(trimsuffix(var.zone_name, "."))
}

module "origin" {
  source = "../../modules/origin"

  subnet_id           = var.origin_subnet_id
  associate_public_ip = var.origin_public_ip
  instance_type       = var.origin_instance_type
  data_volume_size    = var.origin_data_volume_size
  edge_cidrs          = var.edge_cidrs
  operator_cidrs      = var.operator_cidrs
  # The edgecache dns servers read the fleet over the origin's private address.
  client_security_group_ids = module.dns_server[*].security_group_id

  release_url    = var.release_url
  release_sha256 = var.release_sha256
  token_source   = var.token_source
  token_name     = var.token_name
  token_region   = local.token_region
  tags           = var.tags
}

module "edges_us_east" {
  source    = "../../modules/edge-region"
  providers = { aws = aws.us_east }

  region           = "us-east"
  subnet_ids       = var.edge_subnet_ids.us_east
  origin_url       = module.origin.origin_url
  instance_type    = var.edge_instance_type
  cache_size       = var.edge_cache_size
  config           = var.edge_config
  port             = var.edge_port
  min_size         = var.edge_capacity.min_size
  max_size         = var.edge_capacity.max_size
  desired_capacity = var.edge_capacity.desired_capacity
  operator_cidrs   = var.operator_cidrs

  release_url    = var.release_url
  release_sha256 = var.release_sha256
  token_source   = var.token_source
  token_name     = var.token_name
  token_region   = local.token_region
  tags           = var.tags
}

module "edges_eu_west" {
  source    = "../../modules/edge-region"
  providers = { aws = aws.eu_west }

  region           = "eu-west"
  subnet_ids       = var.edge_subnet_ids.eu_west
  origin_url       = module.origin.origin_url
  instance_type    = var.edge_instance_type
  cache_size       = var.edge_cache_size
  config           = var.edge_config
  port             = var.edge_port
  min_size         = var.edge_capacity.min_size
  max_size         = var.edge_capacity.max_size
  desired_capacity = var.edge_capacity.desired_capacity
  operator_cidrs   = var.operator_cidrs

  release_url    = var.release_url
  release_sha256 = var.release_sha256
  token_source   = var.token_source
  token_name     = var.token_name
  token_region   = local.token_region
  tags           = var.tags
}

module "edges_ap_south" {
  source    = "../../modules/edge-region"
  providers = { aws = aws.ap_south }

  region           = "ap-south"
  subnet_ids       = var.edge_subnet_ids.ap_south
  origin_url       = module.origin.origin_url
  instance_type    = var.edge_instance_type
  cache_size       = var.edge_cache_size
  config           = var.edge_config
  port             = var.edge_port
  min_size         = var.edge_capacity.min_size
  max_size         = var.edge_capacity.max_size
  desired_capacity = var.edge_capacity.desired_capacity
  operator_cidrs   = var.operator_cidrs

  release_url    = var.release_url
  release_sha256 = var.release_sha256
  token_source   = var.token_source
  token_name     = var.token_name
  token_region   = local.token_region
  tags           = var.tags
}

# Optional GeoDNS: edgecache dns servers next to the origin, answering <subzone>.<zone> with the
# healthy edges from the origin's fleet, the client's region first.
module "dns_server" {
  source = "../../modules/dns-server"
  count  = var.geodns == null ? 0 : 1

  subnet_ids     = var.geodns.subnet_ids
  instance_count = var.geodns.instance_count
  zone           = "${var.geodns.subzone}.${local.zone_name}"
  origin_url     = module.origin.private_url
  geo            = var.geodns.geo
  operator_cidrs = var.operator_cidrs

  release_url    = var.release_url
  release_sha256 = var.release_sha256
  token_source   = var.token_source
  token_name     = var.token_name
  token_region   = local.token_region
  tags           = var.tags
}

# Route 53 is global: the default provider serves.
module "dns" {
  source = "../../modules/dns"

  zone_id     = var.zone_id
  zone_name   = local.zone_name
  record_name = var.record_name
  port        = var.edge_port

  regions = {
    (module.edges_us_east.region) = {
      aws_region  = module.edges_us_east.aws_region
      edge_ips    = module.edges_us_east.public_ips
      lb_dns_name = module.edges_us_east.lb_dns_name
      lb_zone_id  = module.edges_us_east.lb_zone_id
    }
    (module.edges_eu_west.region) = {
      aws_region  = module.edges_eu_west.aws_region
      edge_ips    = module.edges_eu_west.public_ips
      lb_dns_name = module.edges_eu_west.lb_dns_name
      lb_zone_id  = module.edges_eu_west.lb_zone_id
    }
    (module.edges_ap_south.region) = {
      aws_region  = module.edges_ap_south.aws_region
      edge_ips    = module.edges_ap_south.public_ips
      lb_dns_name = module.edges_ap_south.lb_dns_name
      lb_zone_id  = module.edges_ap_south.lb_zone_id
    }
  }

  delegate_subzone = var.geodns == null ? null : {
    name            = var.geodns.subzone
    name_server_ips = module.dns_server[0].public_ips
  }

  tags = var.tags
}
