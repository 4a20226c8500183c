provider "aws" {
  region = "eu-west-1"
}

module "origin" {
  source    = "../../modules/origin"
  subnet_id = var.subnet_id
}

module "edges" {
  source     = "../../modules/edge-region"
  for_each   = var.regions
  region     = each.key
  origin_url = module.origin.url
  depends_on = [module.origin]
}
