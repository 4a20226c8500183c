output "region" {
  description = "EdgeCache region name of these edges (--region)."
  value       = var.region
}

output "aws_region" {
  description = "AWS region the edges run in (for latency-based DNS records)."
  value       = data.aws_region.current.name
}

output "asg_name" {
  description = "Name of the edges' auto scaling group."
  value       = aws_autoscaling_group.this.name
}

output "security_group_id" {
  description = "ID of the edges' security group."
  value       = aws_security_group.this.id
}

output "public_ips" {
  description = "Public IPv4 addresses of the running edges as of the last plan or refresh (read by the group's tag, not tracked live: the first apply shows none, and after the group replaced an edge, run terraform apply again)."
  value       = data.aws_instances.edges.public_ips
}

output "private_ips" {
  description = "Private IPv4 addresses of the running edges as of the last plan or refresh (see public_ips)."
  value       = data.aws_instances.edges.private_ips
}

output "instance_ids" {
  description = "Instance IDs of the running edges as of the last plan or refresh; each edge's --id is <region>-<instance ID>."
  value       = data.aws_instances.edges.ids
}

output "edge_urls" {
  description = "http://<public IP>:<port> of the running edges as of the last plan or refresh: the endpoints they report to the origin."
  value       = [for ip in data.aws_instances.edges.public_ips : "http://${ip}:${var.port}"]
}

output "port" {
  description = "Port the edges and their load balancer serve HTTP on."
  value       = var.port
}

output "lb_dns_name" {
  description = "DNS name of the region's network load balancer (always up to date with the group)."
  value       = aws_lb.this.dns_name
}

output "lb_zone_id" {
  description = "Route 53 hosted zone ID of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

output "lb_arn" {
  description = "ARN of the region's network load balancer."
  value       = aws_lb.this.arn
}

output "target_group_arn" {
  description = "ARN of the target group (HTTP health check on /_edge/health) the group registers its edges in."
  value       = aws_lb_target_group.this.arn
}

output "launch_template_id" {
  description = "ID of the edges' launch template."
  value       = aws_launch_template.this.id
}

output "iam_role_name" {
  description = "Name of the edges' IAM role."
  value       = aws_iam_role.this.name
}
