output "instance_id" {
  description = "ID of the origin's EC2 instance."
  value       = aws_instance.this.id
}

output "private_ip" {
  description = "Private IPv4 address of the origin."
  value       = aws_instance.this.private_ip
}

output "public_ip" {
  description = "The origin's Elastic IP; null unless associate_public_ip is true."
  value       = one(aws_eip.this[*].public_ip)
}

output "origin_url" {
  description = "URL the edges follow and operators publish to (--origin): http://<Elastic IP or private IP>:<port>."
  value       = "http://${local.origin_address}:${var.port}"
}

output "private_url" {
  description = "URL of the origin on its private address, for readers in its VPC (the edgecache dns servers)."
  value       = "http://${aws_instance.this.private_ip}:${var.port}"
}

output "port" {
  description = "Port of the origin's listener."
  value       = var.port
}

output "security_group_id" {
  description = "ID of the origin's security group."
  value       = aws_security_group.this.id
}

output "data_volume_id" {
  description = "ID of the EBS volume holding the origin's data (/var/lib/edgecache)."
  value       = aws_ebs_volume.data.id
}

output "iam_role_name" {
  description = "Name of the origin instance's IAM role (attach more policies to it if needed, e.g. AmazonSSMManagedInstanceCore for Session Manager)."
  value       = aws_iam_role.this.name
}
