output "url" {
  description = "URL."
  value       = "http://example.net"
}
