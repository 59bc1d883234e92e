package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// exitAfterUserMessage is the exit code with which @pulumi/pulumi's runner says
// "the user has already been shown an actionable error": the engine should
// stop without adding a message of its own.
const exitAfterUserMessage = 32

// Run runs the program once (for preview, update, refresh or destroy) and
// reports how it ended. Failures of the program are reported in the response,
// not as gRPC errors, as the engine expects.
func (host *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	fail := func(err error) (*pulumirpc.RunResponse, error) {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	opts, err := parseRuntimeOptions(info.GetOptions().AsMap())
	if err != nil {
		return fail(err)
	}
	node, err := findNode()
	if err != nil {
		return fail(err)
	}
	runner, err := resolveModule(ctx, node, info.GetProgramDirectory(), "@pulumi/pulumi/cmd/run")
	if err != nil {
		return fail(err)
	}
	configJSON, err := programConfig(req.GetConfig())
	if err != nil {
		return fail(fmt.Errorf("cannot pass the stack configuration to the program: %w", err))
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return fail(fmt.Errorf("cannot pass the secret configuration keys to the program: %w", err))
	}

	args := append(append([]string{}, opts.nodeargs...), runnerArguments(runner, host.engineAddress, host.tracing, req)...)
	env := append(os.Environ(),
		"PULUMI_CONFIG="+configJSON,
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	env = append(env, opts.typescriptEnv()...)

	// The program ends when the engine cancels us or abandons this request.
	cmdCtx, cancel := context.WithCancel(host.cancelCtx)
	defer cancel()
	stopWithRequest := context.AfterFunc(ctx, cancel)
	defer stopWithRequest()

	cmd := exec.CommandContext(cmdCtx, node, args...)
	interruptible(cmd)
	cmd.Env = env
	// Wrapped so that exec gives node pipes rather than our own descriptors:
	// node may switch its stdio to non-blocking mode, which must not leak into
	// this process's stdout and stderr that the engine reads.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}

	code, err := exitCode(cmd)
	switch {
	case err != nil:
		return fail(fmt.Errorf("could not run the program with %s: %w", node, err))
	case code == 0:
		return &pulumirpc.RunResponse{}, nil
	case code == exitAfterUserMessage:
		return &pulumirpc.RunResponse{Bail: true}, nil
	default:
		return fail(fmt.Errorf("Program exited with non-zero exit code: %d", code))
	}
}

// runnerArguments is the command line of @pulumi/pulumi/cmd/run: the runner
// script, its flags, the program's entry point and the program's own arguments.
func runnerArguments(runner, engineAddress, tracing string, req *pulumirpc.RunRequest) []string {
	args := []string{runner}
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", req.GetInfo().GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", req.GetInfo().GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	flag("tracing", tracing)

	entryPoint := req.GetInfo().GetEntryPoint()
	if entryPoint == "" {
		entryPoint = "."
	}
	args = append(args, entryPoint)
	return append(args, req.GetArgs()...)
}

// programConfig is the stack configuration as the PULUMI_CONFIG JSON object.
// Keys are written as "<namespace>:config:<name>", the one spelling that every
// @pulumi/pulumi version reads (newer versions also read "<namespace>:<name>").
func programConfig(values map[string]string) (string, error) {
	out := make(map[string]string, len(values))
	for k, v := range values {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", fmt.Errorf("configuration key %q: %w", k, err)
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	text, err := json.Marshal(out)
	if err != nil {
		return "", err
	}
	return string(text), nil
}
