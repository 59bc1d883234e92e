//go:build tools

// Package toolchain pins, in go.mod, the workflow linter this project builds:
// the tools build tag keeps this file out of every real build, while
// `go mod tidy` still records actionlint's main package and all it imports.
package toolchain

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
