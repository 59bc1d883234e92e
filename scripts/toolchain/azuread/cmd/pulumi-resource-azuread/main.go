// Command pulumi-resource-azuread is the Pulumi azuread resource provider,
// built from github.com/pulumi/pulumi-azuread/provider/v6.
//
// The provider module's own main package embeds a schema-embed.json that its
// `go generate` writes next to it; files cannot be added to a module in the
// module cache, so this main does the same with a schema-embed.json that
// build.sh writes here in its build copy: the provider's committed
// cmd/pulumi-resource-azuread/schema.json with "version" set to the
// provider's version.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	azuread "github.com/pulumi/pulumi-azuread/provider/v6"
	"github.com/pulumi/pulumi-azuread/provider/v6/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

func main() {
	tfbridge.Main("azuread", version.Version, azuread.Provider(), pulumiSchema)
}
