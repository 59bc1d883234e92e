//go:build tools

// Package toolchain pins, in go.mod, the Pulumi CLI this project builds: the
// tools build tag keeps this file out of every real build, while `go mod tidy`
// still records the CLI's main package and all it imports.
package toolchain

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
