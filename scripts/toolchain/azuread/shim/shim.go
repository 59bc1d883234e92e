// Package shim exposes the upstream Terraform azuread provider to
// pulumi-azuread, which bridges it to Pulumi.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/hashicorp/terraform-provider-azuread/internal/provider"
)

// NewProvider returns the Terraform azuread provider.
func NewProvider() *schema.Provider {
	return provider.AzureADProvider()
}
