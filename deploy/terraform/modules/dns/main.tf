# Route 53 records that spread clients over the edges:
#  - <region>.<zone>: one multivalue A record per edge, each with an HTTP health check on
#    /_edge/health, so resolvers get up to eight healthy edges of that region;
#  - <record_name>.<zone> (or the apex): latency-based aliases to each region's load balancer,
#    which Route 53 skips when none of its edges is healthy;
#  - optionally <subzone>.<zone>, delegated to edgecache dns servers (GeoDNS from the origin's fleet).

locals {
  zone         = lower(trimsuffix(var.zone_name, "."))
  latency_name = var.record_name == "" ? local.zone : "${var.record_name}.${local.zone}"

  # One entry per edge address: "<region>/<ip>" => { region, ip }.
  edges = {
    for e in flatten([
      for region, r in var.regions : [
        for ip in r.edge_ips : { key = "${region}/${ip}", region = region, ip = ip }
      ]
    ]) : e.key => e
  }

  subzone_fqdn     = var.delegate_subzone == null ? null : "${var.delegate_subzone.name}.${local.zone}"
  name_server_fqdn = var.delegate_subzone == null ? null : "ns.${var.delegate_subzone.name}.${local.zone}"
}

resource "aws_route53_health_check" "edge" {
  for_each = local.edges

  type              = "HTTP"
  ip_address        = each.value.ip
  port              = var.port
  resource_path     = "/_edge/health"
  failure_threshold = 3
  request_interval  = 10
  tags              = merge(var.tags, { Name = "edgecache-${each.value.region}-${each.value.ip}" })
}

resource "aws_route53_record" "region" {
  for_each = local.edges

  zone_id                          = var.zone_id
  name                             = "${each.value.region}.${local.zone}"
  type                             = "A"
  ttl                              = var.ttl
  records                          = [each.value.ip]
  set_identifier                   = "${each.value.region}-${each.value.ip}"
  multivalue_answer_routing_policy = true
  health_check_id                  = aws_route53_health_check.edge[each.key].id
}

resource "aws_route53_record" "latency" {
  for_each = var.regions

  zone_id        = var.zone_id
  name           = local.latency_name
  type           = "A"
  set_identifier = each.key

  latency_routing_policy {
    region = each.value.aws_region
  }

  alias {
    name                   = each.value.lb_dns_name
    zone_id                = each.value.lb_zone_id
    evaluate_target_health = true
  }

  lifecycle {
    precondition {
      condition     = !contains(keys(var.regions), var.record_name)
      error_message = "record_name must differ from every region name: <region>.<zone> holds that region's multivalue records."
    }
  }
}

resource "aws_route53_record" "subzone_ns" {
  count = var.delegate_subzone == null ? 0 : 1

  zone_id = var.zone_id
  name    = local.subzone_fqdn
  type    = "NS"
  ttl     = var.delegate_subzone.ttl
  records = [local.name_server_fqdn]

  lifecycle {
    precondition {
      condition     = !contains(concat(keys(var.regions), [var.record_name]), var.delegate_subzone.name)
      error_message = "delegate_subzone.name must differ from record_name and from every region name."
    }
  }
}

# Glue: the name server's name lies inside the delegated subzone.
resource "aws_route53_record" "subzone_glue" {
  count = var.delegate_subzone == null ? 0 : 1

  zone_id = var.zone_id
  name    = local.name_server_fqdn
  type    = "A"
  ttl     = var.delegate_subzone.ttl
  records = var.delegate_subzone.name_server_ips
}
