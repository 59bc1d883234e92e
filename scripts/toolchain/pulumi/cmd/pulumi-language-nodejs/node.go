package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// findNode returns the node executable on the PATH.
func findNode() (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("could not find node on the PATH (%s): %w", os.Getenv("PATH"), err)
	}
	return node, nil
}

// resolveModule asks node itself where `module` resolves from `dir`, so the
// program runs with the same @pulumi/pulumi its own code imports (node's
// lookup through parent node_modules, workspaces and symlinks included).
func resolveModule(ctx context.Context, node, dir, module string) (string, error) {
	// The module name goes in through argv, never into the script text.
	script := `try { console.log(require.resolve(process.argv[1])); } catch (e) { ` +
		`console.error(e.code === "MODULE_NOT_FOUND" ? "MODULE_NOT_FOUND" : e.message); process.exit(1); }`
	cmd := exec.CommandContext(ctx, node, "-e", script, module)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		reason := strings.TrimSpace(stderr.String())
		if reason == "MODULE_NOT_FOUND" {
			return "", fmt.Errorf("cannot find %s from %s: the Pulumi SDK (@pulumi/pulumi) is not installed "+
				"there; run `npm install` (or `pulumi install`) in that directory first", module, dir)
		}
		if reason == "" {
			reason = err.Error()
		}
		return "", fmt.Errorf("cannot resolve %s from %s: %s", module, dir, reason)
	}
	return strings.TrimSpace(string(out)), nil
}

// exitCode runs cmd to completion and returns its exit code. err is set only
// when the process could not be started or waited for at all.
func exitCode(cmd *exec.Cmd) (int, error) {
	err := cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if code := exitErr.ExitCode(); code >= 0 {
			return code, nil
		}
		return -1, fmt.Errorf("%s was ended by a signal: %w", cmd.Path, err)
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// interruptible makes cmd get SIGINT (then, after a grace period, SIGKILL)
// when ctx ends, so that node can flush its output and release the engine.
func interruptible(cmd *exec.Cmd) {
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
}
