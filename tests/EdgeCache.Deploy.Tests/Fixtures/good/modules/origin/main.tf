locals {
  # The unit travels base64-encoded so cloud-init's YAML never sees its ${} or quotes.
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    unit_b64 = base64encode(templatefile("${path.module}/templates/edgecache-origin.service.tftpl", {
      port     = var.port
      data_dir = "/var/lib/edgecache" // where blobs live
    }))
    token_parameter = coalesce(var.token_parameter, "/edgecache/token")
  })
}

resource "aws_instance" "origin" {
  ami           = data.aws_ami.debian.id
  instance_type = var.instance_type
  subnet_id     = var.subnet_id
  user_data     = local.user_data

  tags = {
    Name = "edgecache-origin"
  }
}

data "aws_ami" "debian" {
  most_recent = true
  owners      = ["136693071363"]
}
