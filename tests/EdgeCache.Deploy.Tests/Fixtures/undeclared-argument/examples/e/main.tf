module "m" {
  source = "../../modules/m"
  count  = 1
  a      = "x"
  b      = "y"
}
