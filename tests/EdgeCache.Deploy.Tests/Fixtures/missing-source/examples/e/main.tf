module "m" {
  source = "../../modules/nope"
}
