module "m" {
  source = "../../modules/m"
  "quoted" = 1
}
