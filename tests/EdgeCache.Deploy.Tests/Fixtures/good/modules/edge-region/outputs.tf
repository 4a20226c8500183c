output "edge_ips" {
  description = "Private addresses of the region's edges."
  value       = aws_instance.edge[*].private_ip
}
