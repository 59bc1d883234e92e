// End to end: the program as Pulumi runs it, through program.js and the compile cache
// rather than ts-node. When the program fails, what the CLI prints still points at the
// TypeScript: an unexpected error's stack names index.ts and the line, a syntax error
// names the file, line and column.
//
// Needs the toolchain of scripts/toolchain/build.sh. Run with
// `node -r ts-node/register/transpile-only test/run-suite.ts --spec test/e2e/program-entry.test.ts`.

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as path from "path";

import { RunningEmulator, startEmulator } from "../../emulator";
import { createWorkspace, PulumiWorkspace } from "./support/workspace";
import { loadSeed, withoutClientSecret } from "./support/tenant";

/** Runs `change` on a file of the workspace's project for the length of `body`. */
async function withEdited<T>(file: string, change: (text: string) => string, body: () => Promise<T>): Promise<T> {
    const original = await fs.readFile(file, "utf8");
    await fs.writeFile(file, change(original));
    try {
        return await body();
    } finally {
        await fs.writeFile(file, original);
    }
}

describe("the program's entry through the Pulumi CLI", function () {
    this.timeout(10 * 60 * 1000);

    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;

    before(async () => {
        const seed = await loadSeed();
        const account = seed.users.find((user: any) => user.userPrincipalName.startsWith("backup@"));
        emulator = await startEmulator(seed);
        workspace = await createWorkspace({ stack: "contoso", env: withoutClientSecret(emulator.env) });
        await workspace.setConfig("azuread:clientSecret", emulator.env.ARM_CLIENT_SECRET, { secret: true });
        await workspace.setConfig("d365-backup-access:serviceAccount", account.userPrincipalName);
        await workspace.setConfig("d365-backup-access:environments[0]", "*", { path: true });
        await workspace.setConfig("d365-backup-access:stage", "bootstrap");
    });

    after(async () => {
        await emulator?.stop();
        await workspace?.remove();
    });

    it("an unexpected error in the program is reported with its stack at index.ts and the line that threw", async () => {
        const program = path.join(workspace.directory, "index.ts");
        let line = 0;
        const preview = await withEdited(
            program,
            (text) => {
                const lines = text.split("\n");
                const main = lines.findIndex((l) => l.startsWith("async function main()"));
                assert.ok(main >= 0, "index.ts has a main()");
                lines.splice(main + 1, 0, '    throw new TypeError("deliberate failure");');
                line = main + 2;
                return lines.join("\n");
            },
            () => workspace.run(["preview"], { allowFailure: true }),
        );
        const output = preview.stdout + preview.stderr;
        assert.notEqual(preview.code, 0, output);
        assert.match(output, /TypeError: deliberate failure/, output);
        assert.match(output, new RegExp(`at main \\(${workspace.directory.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/index\\.ts:${line}:\\d+\\)`), output);
    });

    it("a syntax error is reported with the file, line and column", async () => {
        const preview = await withEdited(
            path.join(workspace.directory, "lib", "next-steps.ts"),
            (text) => `${text}\nexport const broken = 1 +;\n`,
            () => workspace.run(["preview"], { allowFailure: true }),
        );
        const output = preview.stdout + preview.stderr;
        assert.notEqual(preview.code, 0, output);
        assert.match(output, /next-steps\.ts\(\d+,26\): error TS1109: Expression expected\./, output);
    });

    it("runs the edited source again once the edit is undone", async () => {
        const { stdout } = await workspace.run(["preview"]);
        assert.match(stdout, /\+ \d+ to create/, stdout);
    });
});
