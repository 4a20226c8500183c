output "url" {
  description = "Only module.m.other in a description is text, not a reference."
  value       = module.m.url
}

output "nope" {
  description = "A typo."
  value       = upper(module.m.nope) # module.m.comment is no reference either
}
