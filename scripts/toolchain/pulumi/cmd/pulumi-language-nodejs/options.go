package main

import (
	"fmt"

	"github.com/google/shlex"

	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
)

// runtimeOptions are the `runtime.options` of a Pulumi.yaml whose runtime is
// nodejs. Unknown keys are ignored, as the engine passes every key through.
type runtimeOptions struct {
	// typescript makes @pulumi/pulumi load the program through ts-node; on by default.
	typescript bool
	// tsconfig is the tsconfig.json that ts-node should use, if not the default.
	tsconfig string
	// nodeargs are extra options for the node process, before the script.
	nodeargs []string
	// packageManager installs dependencies and lists them.
	packageManager npm.PackageManagerType
}

func parseRuntimeOptions(raw map[string]any) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true, packageManager: npm.AutoPackageManager}
	for key, value := range raw {
		switch key {
		case "typescript":
			enabled, ok := value.(bool)
			if !ok {
				return opts, fmt.Errorf("runtime option typescript must be true or false, got %#v", value)
			}
			opts.typescript = enabled
		case "tsconfig":
			path, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option tsconfig must be a path, got %#v", value)
			}
			opts.tsconfig = path
		case "nodeargs":
			line, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option nodeargs must be a string of node options, got %#v", value)
			}
			args, err := shlex.Split(line)
			if err != nil {
				return opts, fmt.Errorf("runtime option nodeargs %q cannot be split into arguments: %w", line, err)
			}
			opts.nodeargs = args
		case "packagemanager":
			name, _ := value.(string)
			switch pm := npm.PackageManagerType(name); pm {
			case npm.AutoPackageManager, npm.NpmPackageManager, npm.YarnPackageManager,
				npm.PnpmPackageManager, npm.BunPackageManager:
				opts.packageManager = pm
			default:
				return opts, fmt.Errorf(
					"runtime option packagemanager must be one of auto, npm, yarn, pnpm or bun, got %#v", value)
			}
		}
	}
	return opts, nil
}

// typescriptEnv is the environment that tells @pulumi/pulumi's runners how to load TypeScript.
func (opts runtimeOptions) typescriptEnv() []string {
	var env []string
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return env
}
