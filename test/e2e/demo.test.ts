// `npm run demo -- --yes --json`: the whole procedure through the CLI against the
// embedded tenant, checked against what the tenant holds; and bad input that ends
// with a clear message and leaves nothing behind.

import { strict as assert } from "assert";
import { execFile, spawn } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { REPOSITORY } from "./support/workspace";

function demo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile("npm", ["run", "--silent", "demo", "--", ...args], { cwd: REPOSITORY, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
    );
}

async function workspacesLeft(): Promise<string[]> {
    return (await fs.readdir(os.tmpdir())).filter((name) => name.startsWith("d365ba-e2e-") || name.startsWith("d365ba-pulumi-home-")).sort();
}

describe("npm run demo", function () {
    this.timeout(10 * 60 * 1000);

    it("walks bootstrap, the connector, operational, drift and re-authentication, and the tenant agrees at every stage", async () => {
        const seed = JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
        const before = await workspacesLeft();
        const { code, stdout, stderr } = await demo(["--yes", "--json", "--verbose"]);
        assert.equal(code, 0, stderr);
        const report = JSON.parse(stdout);
        assert.deepEqual(
            report.stages.map((s: any) => [s.stage, s.view.directoryRoles]),
            [
                ["bootstrap", ["Dynamics 365 Administrator", "Global Administrator"]],
                ["operational", ["Dynamics 365 Administrator", "Power Platform Administrator"]],
                ["reauth", ["Dynamics 365 Administrator", "Global Administrator", "Power Platform Administrator"]],
                ["operational again", ["Dynamics 365 Administrator", "Power Platform Administrator"]],
            ],
        );
        const withDataverse = seed.environments.filter((e: any) => e.dataverse !== false).map((e: any) => e.id).sort();
        for (const { stage, view } of report.stages) {
            assert.deepEqual(view.environments.map((e: any) => e.id).sort(), withDataverse, stage);
            for (const environment of view.environments) {
                assert.deepEqual([environment.user, environment.accessMode, environment.systemAdministrator], [true, "read-write", true], `${stage} ${environment.name}`);
            }
        }
        assert.ok(report.order.revokedGlobalAdministratorAt >= report.order.grantedPowerPlatformAdministratorAt, "granted before revoked");
        assert.deepEqual([report.drift.caught, report.drift.repaired], [true, true]);
        assert.match(stderr, /Now create the Dynamics 365 connector in the backup product/);
        assert.match(stderr, /What the tenant itself says the account held after each stage/);
        assert.match(stderr, /^ {6}Previewing update \(demo\):$/m, "--verbose shows the CLI's own output, indented");
        assert.match(stderr, /^ {3}\$ npx pulumi up --yes --skip-preview {2}→ ok in/m, "one line per command");
        assert.deepEqual(await workspacesLeft(), before, "the workspace is removed");
    });

    it("ends with a clear message and leaves nothing behind on a missing or invalid seed", async () => {
        const before = await workspacesLeft();
        const missing = await demo(["--yes", "--seed", "/nonexistent/seed.json"]);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /demo: cannot read the seed \/nonexistent\/seed\.json/);

        const file = path.join(os.tmpdir(), `d365ba-bad-seed-${process.pid}.json`);
        await fs.writeFile(file, JSON.stringify({ tenantId: "not-a-guid", users: [{ id: "x", userPrincipalName: "backup@contoso.com" }] }));
        try {
            const invalid = await demo(["--yes", "--seed", file]);
            assert.equal(invalid.code, 1);
            assert.match(invalid.stderr, /demo: .*tenantId/s);
        } finally {
            await fs.rm(file, { force: true });
        }
        assert.deepEqual(await workspacesLeft(), before);
    });
    it("stops the emulator and removes the workspace on Ctrl-C", async () => {
        const before = await workspacesLeft();
        // A terminal's Ctrl-C signals the whole foreground process group: do the same.
        const child = spawn("npm", ["run", "--silent", "demo", "--", "--yes"], { cwd: REPOSITORY, detached: true, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        // "close": after every process holding its standard error (the demo itself) has exited.
        const exited = new Promise<number | null>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 128 + 2 : null))));
        await new Promise<void>((resolve) =>
            child.stderr!.on("data", (chunk) => {
                stderr += chunk;
                if (stderr.includes("1. Bootstrap")) resolve();
            }),
        );
        process.kill(-child.pid!, "SIGINT");
        const code = await exited;
        assert.notEqual(code, 0, stderr);
        assert.match(stderr, /Interrupted: stopping the emulator and removing the workspace/);
        // The demo's own process removes what it made before it exits.
        assert.deepEqual(await workspacesLeft(), before);
    });
});
