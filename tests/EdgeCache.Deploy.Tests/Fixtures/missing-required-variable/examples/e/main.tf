module "m" {
  source = "../../modules/m"
  a      = "x"
}
