resource "aws_instance" "edge" {
  count = var.edge_count
  ami   = "ami-0123456789abcdef0"
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    # indent() keeps the unit inside the YAML block scalar it is written into.
    unit = indent(6, templatefile("${path.module}/templates/edgecache-edge.service.tftpl", {
      origin_url = var.origin_url,
      region     = var.region,
      id         = "${var.region}-${count.index}",
    })),
  })
}
