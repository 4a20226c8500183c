output "url" {
  description = "URL edges follow the origin at."
  value       = "http://${aws_instance.origin.private_ip}:${var.port}"
}
