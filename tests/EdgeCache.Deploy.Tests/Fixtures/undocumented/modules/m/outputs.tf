output "documented" {
  description = "Documented."
  value       = var.documented
}

output "undocumented" {
  value = var.documented
}
