locals {
  unit = templatefile("${path.module}/templates/unit.service.tftpl", { listen = "x", token = "t" })
}
