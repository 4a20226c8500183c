output "origin_url" {
  description = "The origin's URL."
  value       = module.origin.url
}

output "edge_ips" {
  description = "Edge addresses by region (from module.edges.edge_ips)."
  value       = { for region, edges in module.edges : region => edges.edge_ips }
}

output "first_edges" {
  description = "Edge addresses of the eu-west region."
  value       = module.edges["eu-west"].edge_ips
}
