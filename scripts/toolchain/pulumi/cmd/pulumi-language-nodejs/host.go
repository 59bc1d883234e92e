package main

import (
	"context"
	"errors"
	"fmt"

	"os/exec"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// languageHost serves the engine's LanguageRuntime requests. Methods it does
// not define (code generation, packing, linking) answer Unimplemented through
// the embedded server.
type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	tracing       string

	// cancelCtx ends when the engine sends Cancel; every node process we
	// start is tied to it.
	cancelCtx context.Context
	cancel    context.CancelFunc
}

func newLanguageHost(engineAddress, tracing string) *languageHost {
	ctx, cancel := context.WithCancel(context.Background())
	return &languageHost{engineAddress: engineAddress, tracing: tracing, cancelCtx: ctx, cancel: cancel}
}

func (host *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// Handshake is how an engine that attached to an already running host
// (PULUMI_DEBUG_LANGUAGES) tells it where the engine is.
func (host *languageHost) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	host.engineAddress = req.GetEngineAddress()
	if host.engineAddress != "" {
		if err := rpcutil.Healthcheck(host.cancelCtx, host.engineAddress, 5*time.Minute, host.cancel); err != nil {
			return nil, fmt.Errorf("could not start the health check of the engine at %s: %w", host.engineAddress, err)
		}
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (host *languageHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	host.cancel()
	return &emptypb.Empty{}, nil
}

// GetRequiredPlugins is the engine's older question; it asks GetRequiredPackages first.
func (host *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return nil, status.Error(codes.Unimplemented, "GetRequiredPlugins is superseded by GetRequiredPackages")
}

// RuntimeOptionsPrompts asks nothing: a project's runtime options are taken as written.
func (host *languageHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// InstallDependencies installs the program's npm dependencies (pulumi install).
func (host *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	info := req.GetInfo()
	opts, err := parseRuntimeOptions(info.GetOptions().AsMap())
	if err != nil {
		return err
	}

	// In an npm or yarn workspace, dependencies are installed at its root.
	dir := info.GetProgramDirectory()
	if root, err := npm.FindWorkspaceRoot(dir); err == nil {
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", root)
		dir = root
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("cannot tell whether %s is in an npm workspace: %w", dir, err)
	}

	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	if _, err := npm.Install(server.Context(), opts.packageManager, dir, false, stdout, stderr); err != nil {
		return fmt.Errorf("installing the dependencies in %s failed: %w", dir, err)
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

// About describes node and the package manager for `pulumi about`.
func (host *languageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	info := req.GetInfo()
	opts, err := parseRuntimeOptions(info.GetOptions().AsMap())
	if err != nil {
		return nil, err
	}
	node, err := findNode()
	if err != nil {
		return nil, err
	}
	metadata := map[string]string{}
	if pm, err := npm.ResolvePackageManager(opts.packageManager, info.GetProgramDirectory()); err == nil {
		metadata["packagemanager"] = pm.Name()
		if v, err := pm.Version(); err == nil {
			metadata["packagemanagerVersion"] = v.String()
		}
	}
	// A node that cannot tell its version still runs programs: report what we know.
	nodeVersion := ""
	if out, err := exec.CommandContext(ctx, node, "--version").Output(); err == nil {
		nodeVersion = strings.TrimSpace(string(out))
	}
	return &pulumirpc.AboutResponse{Executable: node, Version: nodeVersion, Metadata: metadata}, nil
}

// GetProgramDependencies lists the program's npm packages for `pulumi about`
// and the update's metadata.
func (host *languageHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	info := req.GetInfo()
	opts, err := parseRuntimeOptions(info.GetOptions().AsMap())
	if err != nil {
		return nil, err
	}
	pm, err := npm.ResolvePackageManager(opts.packageManager, info.GetProgramDirectory())
	if err != nil {
		return nil, fmt.Errorf("cannot choose a package manager for %s: %w", info.GetProgramDirectory(), err)
	}
	packages, err := pm.ListPackages(ctx, info.GetProgramDirectory(), req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("cannot list the npm packages of %s: %w", info.GetProgramDirectory(), err)
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(packages))
	for _, p := range packages {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
