// Builds pulumi-resource-azuread from its Go module. The provider module's
// own replace directives do not apply to a module that depends on it, so the
// ones it needs are repeated here (from its go.mod at the pinned version):
// its Terraform shim, which lives in a ./shim directory that the provider's
// module zip does not contain (our ./shim module provides the same package),
// and Pulumi's fork of the Terraform plugin SDK.
//
// go.sum is absent because the Go module proxy our build machines reach does
// not serve the provider module; build.sh therefore builds a copy of this
// directory with -mod=mod. See README.md.
module d365-backup-access/toolchain/azuread

go 1.25.9

require (
	github.com/hashicorp/terraform-provider-azuread/shim v0.0.0
	github.com/pulumi/pulumi-azuread/provider/v6 v6.9.1
	github.com/pulumi/pulumi-terraform-bridge/v3 v3.130.0
)

replace (
	github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 v2.0.0-20260318212141-5525259d096b
	github.com/hashicorp/terraform-provider-azuread/shim => ./shim
	github.com/hashicorp/vault => github.com/hashicorp/vault v1.21.0
)
