output "public_ips" {
  description = "Elastic IPs of the servers: the glue records of the delegated zone (dns module's delegate_subzone.name_server_ips)."
  value       = aws_eip.this[*].public_ip
}

output "private_ips" {
  description = "Private IPv4 addresses of the servers."
  value       = aws_instance.this[*].private_ip
}

output "instance_ids" {
  description = "Instance IDs of the servers."
  value       = aws_instance.this[*].id
}

output "security_group_id" {
  description = "ID of the servers' security group: give it to the origin module's client_security_group_ids so the servers can read the fleet."
  value       = aws_security_group.this.id
}

output "zone" {
  description = "Zone the servers answer for."
  value       = var.zone
}

output "iam_role_name" {
  description = "Name of the servers' IAM role."
  value       = aws_iam_role.this.name
}
