output "latency_fqdn" {
  description = "Name that sends each client to the load balancer of the region with the lowest latency to it."
  value       = local.latency_name
}

output "region_fqdns" {
  description = "Per region, <region>.<zone>: the health-checked multivalue records of its edges."
  value       = { for region in keys(var.regions) : region => "${region}.${local.zone}" }
}

output "health_check_ids" {
  description = "Route 53 health check IDs, by \"<region>/<edge IP>\"."
  value       = { for key, check in aws_route53_health_check.edge : key => check.id }
}

output "subzone_fqdn" {
  description = "The subzone delegated to edgecache dns; null when there is none."
  value       = local.subzone_fqdn
}

output "name_server_fqdn" {
  description = "Name of the delegated subzone's name server (ns.<subzone>.<zone>, with glue records); null when there is none."
  value       = local.name_server_fqdn
}
