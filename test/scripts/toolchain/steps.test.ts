// The toolchain build's progress lines (scripts/toolchain/steps.sh, sourced by build.sh
// and actionlint.sh): one line per step, the Go downloads' chatter only with --verbose,
// and a failed step's output always shown. The real steps.sh runs here on small shell
// commands in place of the Go builds, so nothing is built; build.sh itself runs only up
// to its argument check.

import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as path from "path";

const TOOLCHAIN = path.resolve(__dirname, "..", "..", "..", "scripts", "toolchain");

interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

function bash(args: string[]): Promise<Run> {
    return new Promise((resolve) =>
        execFile("bash", ["--noprofile", "--norc", ...args], (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
        ),
    );
}

// A script shaped like build.sh: strict mode, steps.sh sourced, a die that ends an open
// step, and the same EXIT trap.
function script(verbose: boolean, body: string): string {
    return [
        "set -euo pipefail",
        `steps_verbose=${verbose ? 1 : 0}`,
        "steps_prefix=toolchain",
        `source ${JSON.stringify(path.join(TOOLCHAIN, "steps.sh"))}`,
        'die() { step_fail; log "error: $*"; exit 1; }',
        "trap 'status=$?; step_fail; [[ $status -eq 0 ]] || log \"failed (exit $status)\"' EXIT",
        "fetch() { echo 'go: downloading example.com/a v1.0.0' >&2; echo 'listed'; }",
        "broken() { echo 'go: downloading example.com/b v2.0.0' >&2; echo 'b.go:3: undefined: x' >&2; return 7; }",
        "checked() { echo 'built it' >&2; die \"the freshly built binary does not run\"; }",
        body,
    ].join("\n");
}

const run = (verbose: boolean, body: string) => bash(["-c", script(verbose, body)]);
const lines = (text: string) => text.split("\n").filter((line) => line !== "");

describe("toolchain build progress (scripts/toolchain/steps.sh)", () => {
    it("prints one line per step and keeps a passing step's output to itself", async () => {
        const result = await run(false, 'step "download the Go modules" fetch\nstep "build it" true\nlog "ready"');
        assert.equal(result.code, 0);
        assert.equal(result.stdout, "");
        const printed = lines(result.stderr);
        assert.equal(printed.length, 3, result.stderr);
        assert.match(printed[0], /^toolchain: download the Go modules \.\.\. done in \d+s$/);
        assert.match(printed[1], /^toolchain: build it \.\.\. done in \d+s$/);
        assert.equal(printed[2], "toolchain: ready");
        assert.doesNotMatch(result.stderr, /go: downloading|listed/);
    });

    it("shows a failed step's output under its line, and fails with the step's status", async () => {
        const result = await run(false, 'step "build pulumi" broken\nlog "not reached"');
        assert.equal(result.code, 7);
        assert.deepEqual(
            lines(result.stderr).map((line) => line.replace(/\d+s$/, "Ns")),
            ["toolchain: build pulumi ... failed after Ns", "go: downloading example.com/b v2.0.0", "b.go:3: undefined: x", "toolchain: failed (exit 7)"],
        );
    });

    it("a step whose status is tested fails alone, and the script goes on", async () => {
        const result = await run(false, 'if ! step "build the provider" broken; then log "BLOCKED: the provider"; fi\nlog "partly ready"');
        assert.equal(result.code, 0);
        const printed = lines(result.stderr);
        assert.match(printed[0], /^toolchain: build the provider \.\.\. failed after \d+s$/);
        assert.deepEqual(printed.slice(1), [
            "go: downloading example.com/b v2.0.0",
            "b.go:3: undefined: x",
            "toolchain: BLOCKED: the provider",
            "toolchain: partly ready",
        ]);
    });

    it("an error raised inside a step still shows what the step printed, then the error", async () => {
        const result = await run(false, 'step "build pulumi" checked');
        assert.equal(result.code, 1);
        const printed = lines(result.stderr);
        assert.match(printed[0], /^toolchain: build pulumi \.\.\. failed after \d+s$/);
        assert.deepEqual(printed.slice(1), ["built it", "toolchain: error: the freshly built binary does not run", "toolchain: failed (exit 1)"]);
    });

    it("with --verbose, streams each step's output between its start and end lines", async () => {
        const result = await run(true, 'step "download the Go modules" fetch');
        assert.equal(result.code, 0);
        assert.equal(result.stdout, "listed\n");
        const printed = lines(result.stderr);
        assert.deepEqual(printed.slice(0, 2), ["toolchain: download the Go modules ...", "go: downloading example.com/a v1.0.0"]);
        assert.match(printed[2], /^toolchain: download the Go modules: done in \d+s$/);
        assert.equal(printed.length, 3);
    });

    it("build.sh takes --verbose only: another argument is a usage error (exit 2) before anything runs", async () => {
        const result = await bash([path.join(TOOLCHAIN, "build.sh"), "--quiet"]);
        assert.equal(result.code, 2);
        assert.equal(result.stderr, "toolchain: error: unknown argument '--quiet'\nusage: bash scripts/toolchain/build.sh [--verbose]\n");
        const help = await bash([path.join(TOOLCHAIN, "build.sh"), "--help"]);
        assert.equal(help.code, 0);
        assert.equal(help.stdout, "usage: bash scripts/toolchain/build.sh [--verbose]\n");
    });
});
