locals {
  name = "edge-${var.region}"
}

resource "terraform_data" "x" {
  input = "${local.name}/${local.nmae}/${var.regoin}"
}
