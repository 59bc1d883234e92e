package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// RunPlugin starts a plugin written for Node.js: a policy pack (pulumi up
// --policy-pack) or a provider/tool package, through @pulumi/pulumi's own
// runners, and streams its output back to the engine.
func (host *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	info := req.GetInfo()
	opts, err := parseRuntimeOptions(info.GetOptions().AsMap())
	if err != nil {
		return err
	}
	node, err := findNode()
	if err != nil {
		return err
	}

	policyPack := req.GetKind() == string(apitype.AnalyzerPlugin)
	runner := "@pulumi/pulumi/cmd/run-plugin"
	if policyPack {
		runner = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	script, err := resolveModule(ctx, node, info.GetProgramDirectory(), runner)
	if err != nil {
		return err
	}

	args := append(append([]string{}, opts.nodeargs...), script)
	env := append(append([]string{}, req.GetEnv()...), opts.typescriptEnv()...)
	dir := req.GetPwd()

	var proxy *sdk.PolicyProxy
	if policyPack {
		// The policy pack runner takes the pack directory last and runs in it.
		args = append(append(args, req.GetArgs()...), info.GetProgramDirectory())
		dir = info.GetProgramDirectory()

		// The engine sends the stack's configuration to the policy pack over
		// gRPC before the pack runs; the proxy receives it so that the pack
		// starts with it in its environment, then forwards the engine to it.
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		stack, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not receive the stack configuration for the policy pack: %w", err)
		}
		if stack != nil {
			more, err := policyPackEnv(stack)
			if err != nil {
				return err
			}
			env = append(env, more...)
		}
	} else {
		args = append(append(args, info.GetProgramDirectory()), req.GetArgs()...)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	interruptible(cmd)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if proxy != nil {
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("could not start the policy pack with %s: %w", node, err)
		}
		// Attach waits for the pack to exit.
		if err := proxy.Attach(ctx, cmd); err != nil {
			return fmt.Errorf("policy pack %s: %w", info.GetProgramDirectory(), err)
		}
		return closer.Close()
	}

	code, err := exitCode(cmd)
	if err != nil {
		return fmt.Errorf("could not run plugin %s with %s: %w", req.GetName(), node, err)
	}
	if code != 0 {
		return fmt.Errorf("Plugin %s exited with non-zero exit code: %d", req.GetName(), code)
	}
	return closer.Close()
}

// policyPackEnv is the stack a policy pack runs for, in the environment
// variables @pulumi/pulumi reads at start.
func policyPackEnv(stack *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_NODEJS_ORGANIZATION", stack.GetOrganization())
	add("PULUMI_NODEJS_PROJECT", stack.GetProject())
	add("PULUMI_NODEJS_STACK", stack.GetStack())
	add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
	if cfg := stack.GetConfig(); cfg != nil {
		text, err := json.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("cannot pass the stack configuration to the policy pack: %w", err)
		}
		add("PULUMI_CONFIG", string(text))
	}
	return env, nil
}
