output "origin_url" {
  description = "URL of the origin: what the edges follow and operators publish to (edgecache publish --origin)."
  value       = module.origin.origin_url
}

output "origin_private_url" {
  description = "URL of the origin on its private address."
  value       = module.origin.private_url
}

output "edge_addresses" {
  description = "Public IPv4 addresses of each region's running edges, as of the last plan or refresh (apply again after the groups replaced edges)."
  value = {
    (module.edges_us_east.region)  = module.edges_us_east.public_ips
    (module.edges_eu_west.region)  = module.edges_eu_west.public_ips
    (module.edges_ap_south.region) = module.edges_ap_south.public_ips
  }
}

output "edge_load_balancers" {
  description = "DNS name of each region's network load balancer."
  value = {
    (module.edges_us_east.region)  = module.edges_us_east.lb_dns_name
    (module.edges_eu_west.region)  = module.edges_eu_west.lb_dns_name
    (module.edges_ap_south.region) = module.edges_ap_south.lb_dns_name
  }
}

output "site_name" {
  description = "The name clients use: latency-based, the nearest region's load balancer."
  value       = module.dns.latency_fqdn
}

output "region_names" {
  description = "Per region, <region>.<zone>: the health-checked multivalue records of its edges."
  value       = module.dns.region_fqdns
}

output "geodns_zone" {
  description = "Subzone answered by edgecache dns; null without geodns."
  value       = module.dns.subzone_fqdn
}

output "geodns_server_ips" {
  description = "Elastic IPs of the edgecache dns servers (the glue records); empty without geodns."
  value       = flatten(module.dns_server[*].public_ips)
}
