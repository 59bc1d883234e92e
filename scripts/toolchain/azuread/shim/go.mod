// The package pulumi-azuread imports as its Terraform provider. Its import
// path sits under github.com/hashicorp/terraform-provider-azuread, which is
// what lets it import that module's internal/provider package.
module github.com/hashicorp/terraform-provider-azuread/shim

go 1.25.5

require (
	github.com/hashicorp/terraform-plugin-sdk/v2 v2.38.2
	github.com/hashicorp/terraform-provider-azuread v1.6.1-0.20260219201236-38d1993a1ea6
)
