locals {
  units = [
    templatefile("${path.module}/templates/cache.service.tftpl", {}),
    templatefile("${path.module}/templates/other.service.tftpl", {}),
  ]
}
