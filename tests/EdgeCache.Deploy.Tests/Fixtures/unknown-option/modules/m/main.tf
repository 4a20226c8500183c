locals {
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    unit_b64 = base64encode(templatefile("${path.module}/templates/edgecache-edge.service.tftpl", { listen = "x" }))
  })
}
