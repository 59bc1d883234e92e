package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestParseRuntimeOptionsDefaultsToTypeScriptAndAutoPackageManager(t *testing.T) {
	opts, err := parseRuntimeOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !opts.typescript || opts.packageManager != "auto" || opts.tsconfig != "" || len(opts.nodeargs) != 0 {
		t.Fatalf("unexpected defaults: %+v", opts)
	}
	if got := opts.typescriptEnv(); !reflect.DeepEqual(got, []string{"PULUMI_NODEJS_TYPESCRIPT=true"}) {
		t.Fatalf("typescriptEnv() = %v", got)
	}
}

func TestParseRuntimeOptionsReadsEveryOption(t *testing.T) {
	opts, err := parseRuntimeOptions(map[string]any{
		"typescript":     false,
		"tsconfig":       "tsconfig.build.json",
		"nodeargs":       `--max-old-space-size=4096 --require "./a b.js"`,
		"packagemanager": "pnpm",
		"somethingElse":  42,
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.typescript || opts.tsconfig != "tsconfig.build.json" || opts.packageManager != "pnpm" {
		t.Fatalf("options not read: %+v", opts)
	}
	if want := []string{"--max-old-space-size=4096", "--require", "./a b.js"}; !reflect.DeepEqual(opts.nodeargs, want) {
		t.Fatalf("nodeargs = %q, want %q", opts.nodeargs, want)
	}
	if got := opts.typescriptEnv(); !reflect.DeepEqual(got, []string{"PULUMI_NODEJS_TSCONFIG_PATH=tsconfig.build.json"}) {
		t.Fatalf("typescriptEnv() = %v", got)
	}
}

func TestParseRuntimeOptionsRejectsBadValuesNamingKeyAndValue(t *testing.T) {
	cases := map[string]map[string]any{
		"typescript":     {"typescript": "yes"},
		"tsconfig":       {"tsconfig": 3.0},
		"nodeargs":       {"nodeargs": []any{"--x"}},
		"packagemanager": {"packagemanager": "cargo"},
	}
	for key, raw := range cases {
		_, err := parseRuntimeOptions(raw)
		if err == nil {
			t.Fatalf("%s: expected an error for %v", key, raw)
		}
		if !strings.Contains(err.Error(), key) {
			t.Fatalf("%s: error %q does not name the option", key, err)
		}
	}
}

func TestProgramConfigUsesTheConfigSpellingEveryRuntimeReads(t *testing.T) {
	text, err := programConfig(map[string]string{"proj:stage": "bootstrap", "azuread:tenantId": "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"proj:config:stage": "bootstrap", "azuread:config:tenantId": "t"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("programConfig = %v, want %v", got, want)
	}
	if _, err := programConfig(map[string]string{"no-namespace": "x"}); err == nil {
		t.Fatal("expected an error for a key without a namespace")
	}
}

func TestRunnerArgumentsFollowTheRunnersCommandLine(t *testing.T) {
	opts, _ := structpb.NewStruct(nil)
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1",
		Organization:   "org",
		Project:        "proj",
		Stack:          "dev",
		DryRun:         true,
		Parallel:       8,
		Args:           []string{"extra"},
		Info: &pulumirpc.ProgramInfo{
			RootDirectory: "/p", ProgramDirectory: "/p/src", EntryPoint: ".", Options: opts,
		},
	}
	got := runnerArguments("/n/run.js", "127.0.0.1:2", "", req)
	want := []string{
		"/n/run.js", "--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2", "--organization", "org",
		"--project", "proj", "--root-directory", "/p", "--stack", "dev", "--pwd", "/p/src", "--dry-run",
		"--parallel", "8", ".", "extra",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("runnerArguments =\n%q\nwant\n%q", got, want)
	}

	req.DryRun = false
	req.Info.EntryPoint = ""
	got = runnerArguments("/n/run.js", "", "http://trace", req)
	if strings.Contains(strings.Join(got, " "), "--dry-run") || strings.Contains(strings.Join(got, " "), "--engine") {
		t.Fatalf("unset flags were passed: %q", got)
	}
	if got[len(got)-2] != "." || got[len(got)-4] != "--tracing" {
		t.Fatalf("entry point or tracing missing: %q", got)
	}
}

func writeJSON(t *testing.T, path string, value any) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	text, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRequiredPackagesFindsPluginsWhereNpmPutsThem(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	// A scoped package whose plugin name comes from the package name.
	writeJSON(t, filepath.Join(nm, "@pulumi", "azuread", "package.json"), map[string]any{
		"name": "@pulumi/azuread", "version": "6.9.1", "pulumi": map[string]any{"resource": true},
	})
	// The SDK itself declares no plugin.
	writeJSON(t, filepath.Join(nm, "@pulumi", "pulumi", "package.json"), map[string]any{
		"name": "@pulumi/pulumi", "version": "3.248.0", "pulumi": map[string]any{"comment": "x"},
	})
	// A third-party package naming its plugin, nested under another package.
	writeJSON(t, filepath.Join(nm, "outer", "package.json"), map[string]any{"name": "outer", "version": "1.0.0"})
	writeJSON(t, filepath.Join(nm, "outer", "node_modules", "acme-thing", "package.json"), map[string]any{
		"name": "acme-thing", "version": "2.0.0",
		"pulumi": map[string]any{"resource": true, "name": "acme", "version": "v2.1.0", "server": "https://example.invalid"},
	})
	// The same plugin reached twice (a symlinked copy) is listed once.
	if err := os.Symlink(filepath.Join(nm, "@pulumi", "azuread"), filepath.Join(nm, "azuread-link")); err != nil {
		t.Fatal(err)
	}

	got, err := requiredPackages(dir)
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, p := range got {
		summary = append(summary, p.Kind+" "+p.Name+" "+p.Version+" "+p.Server)
	}
	want := []string{"resource acme v2.1.0 https://example.invalid", "resource azuread v6.9.1 "}
	if !reflect.DeepEqual(summary, want) {
		t.Fatalf("requiredPackages = %q, want %q", summary, want)
	}
}

func TestRequiredPackagesReportsBrokenManifestsButKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	writeJSON(t, filepath.Join(nm, "@pulumi", "azuread", "package.json"), map[string]any{
		"name": "@pulumi/azuread", "version": "6.9.1", "pulumi": map[string]any{"resource": true},
	})
	writeJSON(t, filepath.Join(nm, "nameless", "package.json"), map[string]any{
		"name": "nameless", "version": "1.0.0", "pulumi": map[string]any{"resource": true},
	})
	if err := os.MkdirAll(filepath.Join(nm, "broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nm, "broken", "package.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}

	got, err := requiredPackages(dir)
	if err == nil || !strings.Contains(err.Error(), "nameless") || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("expected errors naming both bad packages, got %v", err)
	}
	if len(got) != 1 || got[0].Name != "azuread" {
		t.Fatalf("the good plugin was lost: %v", got)
	}
}

func TestRequiredPackagesWithoutNodeModulesIsEmpty(t *testing.T) {
	got, err := requiredPackages(t.TempDir())
	if err != nil || len(got) != 0 {
		t.Fatalf("requiredPackages = %v, %v", got, err)
	}
}
