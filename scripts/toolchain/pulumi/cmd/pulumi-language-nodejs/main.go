// Command pulumi-language-nodejs is the Node.js language host that the Pulumi
// engine starts to run, preview, refresh and destroy a Node.js (TypeScript)
// program.
//
// Why this project builds its own: the upstream host is a Go module of its own
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that the
// Go module proxy our machines can reach does not serve, while the SDK module
// it is built on (github.com/pulumi/pulumi/sdk/v3) is served. This host speaks
// the same LanguageRuntime protocol, with the same command line, environment
// and exit-code conventions towards @pulumi/pulumi's Node.js runtime, for
// everything a deployment needs: Run, GetRequiredPackages, InstallDependencies,
// RunPlugin (policy packs and Node.js plugins), About and
// GetProgramDependencies. Code generation (pulumi new/convert/package) is not
// implemented and answers Unimplemented.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func main() {
	tracing := flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	runtimeName := flag.String("runtime", "nodejs", "The JavaScript runtime; only nodejs is supported")
	showVersion := flag.Bool("version", false, "Print the plugin version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	if *runtimeName != "nodejs" {
		cmdutil.Exit(fmt.Errorf("unsupported runtime %q: this language host runs programs with nodejs only", *runtimeName))
	}

	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-nodejs", "pulumi-language-nodejs", *tracing)

	// The engine passes its own address as the only positional argument.
	engineAddress := flag.Arg(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	serverCancel := make(chan bool)
	go func() {
		<-ctx.Done()
		stop()
		close(serverCancel)
	}()

	// Exit on our own when the engine goes away, so a crashed CLI leaves no
	// language host behind.
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start the health check of the engine at %s: %w", engineAddress, err))
		}
	}

	host := newLanguageHost(engineAddress, *tracing)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: serverCancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start the language host's gRPC server: %w", err))
	}

	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("the language host's gRPC server stopped: %w", err))
	}
}
