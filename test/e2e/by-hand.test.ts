// The by-hand path on a fresh PULUMI_HOME, in a copy of the project: start the emulator
// and prepare the shell as the README's "Run it by hand" does, then a stack of one's own
// as docs/testing.md makes it (`npx pulumi stack init`, its configuration) and a preview.
// test/e2e/docs.test.ts runs those blocks as the docs write them; this one also checks
// what the shell is left with.

import { strict as assert } from "assert";
import { ChildProcess, execFile, spawn } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { copyProject } from "./support/workspace";

/** Starts `npm run emulator` and resolves once it printed its endpoints. */
function startEmulatorCli(project: string, envFile: string): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
        const child = spawn("npm", ["run", "--silent", "emulator", "--", "--seed", "emulator/seeds/demo.json", "--env-file", envFile], {
            cwd: project,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout!.on("data", (chunk) => {
            output += chunk;
            if (output.includes("\n")) resolve(child);
        });
        child.stderr!.on("data", (chunk) => (output += chunk));
        child.on("exit", (code) => reject(new Error(`the emulator exited with ${code}:\n${output}`)));
    });
}

const BY_HAND = `
set -euo pipefail
. "$WORK/emulator.env"
npm run --silent prepare-shell -- --pulumi-home "$WORK/home" --env-file "$WORK/pulumi.env"
. "$WORK/pulumi.env"
export PULUMI_CONFIG_PASSPHRASE=by-hand-passphrase
npx pulumi stack init contoso --secrets-provider passphrase --non-interactive
npx pulumi config set d365-backup-access:stage bootstrap
npx pulumi config set d365-backup-access:serviceAccount backup@contoso.onmicrosoft.com
npx pulumi config set --path 'd365-backup-access:environments[0]' '*'
npx pulumi preview --non-interactive
`;

describe("the by-hand path (README, docs/testing.md) against the emulator", function () {
    this.timeout(10 * 60 * 1000);
    let work: string;
    let emulator: ChildProcess | undefined;

    before(async () => {
        work = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-by-hand-"));
        await copyProject(path.join(work, "project"), ["scripts", "workspace", "cli", "emulator", "test/e2e/azuread-stand-in"]);
    });

    after(async () => {
        emulator?.kill("SIGTERM");
        await fs.rm(work, { recursive: true, force: true });
    });

    it("prepares a shell with `npm run prepare-shell`, and a preview of a new stack succeeds", async () => {
        const project = path.join(work, "project");
        emulator = await startEmulatorCli(project, path.join(work, "emulator.env"));
        const { PULUMI_HOME: _toolchainHome, ...inherited } = process.env;
        const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
            execFile(
                "bash",
                ["-c", BY_HAND],
                { cwd: project, env: { ...inherited, WORK: work, NO_COLOR: "1" }, maxBuffer: 16 * 1024 * 1024 },
                (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
            ),
        );
        assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
        assert.match(result.stderr, /prepare-shell: ready: Pulumi CLI v\S+, azuread plugin v\S+ \((TEST-ONLY stand-in|real)\)/);
        assert.match(result.stdout, /directory-role-global-administrator/);
        assert.match(result.stdout, /\+ \d+ to create/);
        // The shell's PULUMI_HOME and state are its own.
        const stacks = await fs.readdir(path.join(work, "home", "state", ".pulumi", "stacks"), { recursive: true });
        assert.ok(
            stacks.some((file) => String(file).endsWith("contoso.json") || String(file).includes("contoso")),
            stacks.join(),
        );
    });
});
