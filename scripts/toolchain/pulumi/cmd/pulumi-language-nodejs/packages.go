package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// GetRequiredPackages lists the resource plugins the program's installed npm
// packages declare ("pulumi": {"resource": true, ...} in their package.json),
// so that the engine can check they are installed before the program runs.
func (host *languageHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	packages, err := requiredPackages(req.GetInfo().GetProgramDirectory())
	if err != nil {
		// A broken package.json somewhere in node_modules must not stop a
		// deployment that may not need it; the engine reports missing plugins.
		logging.V(3).Infof("errors while looking for plugins in node_modules: %v", err)
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

// nodePackage is the part of a package.json that declares a Pulumi plugin.
type nodePackage struct {
	Name    string                  `json:"name"`
	Version string                  `json:"version"`
	Pulumi  plugin.PulumiPluginJSON `json:"pulumi"`
}

// requiredPackages walks programDir/node_modules the way npm lays it out
// (packages, @scope/packages and their own nested node_modules), following
// symlinks once, and returns one dependency per plugin name and version.
func requiredPackages(programDir string) ([]*pulumirpc.PackageDependency, error) {
	found := map[string]*pulumirpc.PackageDependency{}
	visited := map[string]bool{}
	var errs []error

	var walkNodeModules func(dir string)
	var visitPackage func(dir string)

	walkNodeModules = func(dir string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			return
		}
		for _, entry := range entries {
			name := entry.Name()
			if strings.HasPrefix(name, ".") {
				continue // .bin, .package-lock.json, .cache
			}
			path := filepath.Join(dir, name)
			if strings.HasPrefix(name, "@") {
				walkNodeModules(path) // a scope holds packages
				continue
			}
			visitPackage(path)
		}
	}

	visitPackage = func(dir string) {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			errs = append(errs, err)
			return
		}
		if visited[real] {
			return
		}
		visited[real] = true
		if info, err := os.Stat(real); err != nil || !info.IsDir() {
			return
		}

		if dep, err := pluginOf(filepath.Join(real, "package.json")); err != nil {
			errs = append(errs, err)
		} else if dep != nil {
			found[dep.Name+"@"+dep.Version] = dep
		}
		walkNodeModules(filepath.Join(real, "node_modules"))
	}

	walkNodeModules(filepath.Join(programDir, "node_modules"))

	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	packages := make([]*pulumirpc.PackageDependency, 0, len(keys))
	for _, k := range keys {
		packages = append(packages, found[k])
	}
	return packages, errors.Join(errs...)
}

// pluginOf reads one package.json and returns the resource plugin it
// declares, or nil when it declares none.
func pluginOf(packageJSON string) (*pulumirpc.PackageDependency, error) {
	text, err := os.ReadFile(packageJSON)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var pkg nodePackage
	if err := json.Unmarshal(text, &pkg); err != nil {
		return nil, fmt.Errorf("%s: %w", packageJSON, err)
	}
	if !pkg.Pulumi.Resource {
		return nil, nil
	}

	name := pkg.Pulumi.Name
	if name == "" {
		// Only @pulumi/<name> packages may leave the plugin name implicit.
		trimmed, ok := strings.CutPrefix(pkg.Name, "@pulumi/")
		if !ok || trimmed == "" {
			return nil, fmt.Errorf("%s: package %q declares a Pulumi resource plugin but no "+
				`"pulumi": {"name": ...}`, packageJSON, pkg.Name)
		}
		name = trimmed
	}
	version := pkg.Pulumi.Version
	if version == "" {
		version = pkg.Version
	}
	if version == "" {
		return nil, fmt.Errorf("%s: package %q declares a Pulumi resource plugin without a version",
			packageJSON, pkg.Name)
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}

	dep := &pulumirpc.PackageDependency{
		Kind:    "resource",
		Name:    name,
		Version: version,
		Server:  pkg.Pulumi.Server,
	}
	if p := pkg.Pulumi.Parameterization; p != nil {
		dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
	}
	return dep, nil
}
