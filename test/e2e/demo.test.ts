// `npm run demo -- --yes --json`: the whole procedure through the CLI against the
// embedded tenant, checked against what the tenant holds, with its Teams environment and
// the one still provisioning skipped and shown with their reasons; and bad input that
// ends with a clear message and leaves nothing behind.

import { strict as assert } from "assert";
import { execFile, spawn } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { isServed, skippedEnvironments } from "../support/served-environments";
import { REPOSITORY } from "./support/workspace";

/**
 * The demo's environment: a temporary directory of its own (TMPDIR), so what it leaves
 * behind is exactly what that directory holds afterwards; the emulator's CA cache comes
 * from D365BA_EMULATOR_CA_DIR, as for every test.
 */
async function demoEnvironment(): Promise<{ env: NodeJS.ProcessEnv; tmp: string }> {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "d365ba-demo-test-"));
    return { tmp, env: { ...process.env, NO_COLOR: "1", TMPDIR: tmp } };
}

function demo(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile("npm", ["run", "--silent", "demo", "--", ...args], { cwd: REPOSITORY, maxBuffer: 16 * 1024 * 1024, env }, (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
    );
}

/** What the demo left of its own (d365ba-*) in its temporary directory; then removes that directory. */
async function leftBehind(tmp: string): Promise<string[]> {
    // Node tooling keeps caches there too (v8-compile-cache): not the demo's.
    const entries = (await fs.readdir(tmp)).filter((name) => name.startsWith("d365ba-"));
    await fs.rm(tmp, { recursive: true, force: true });
    return entries;
}

describe("npm run demo", function () {
    this.timeout(10 * 60 * 1000);

    it("walks bootstrap, the connector, operational, drift and re-authentication, and the tenant agrees at every stage", async () => {
        const seed = JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
        const { env, tmp } = await demoEnvironment();
        const { code, stdout, stderr } = await demo(["--yes", "--json", "--verbose"], env);
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
        const withDataverse = seed.environments.filter((e: any) => e.dataverse !== false);
        const served = new Set(withDataverse.filter(isServed).map((e: any) => e.id));
        assert.equal(served.size, 3, "the demo tenant's three ordinary environments");
        for (const { stage, view } of report.stages) {
            assert.deepEqual(view.environments.map((e: any) => e.id).sort(), withDataverse.map((e: any) => e.id).sort(), stage);
            for (const environment of view.environments) {
                // The skipped environments are left as they were: the account is no user there.
                const expected = served.has(environment.id) ? [true, "read-write", true] : [false, null, false];
                assert.deepEqual([environment.user, environment.accessMode, environment.systemAdministrator], expected, `${stage} ${environment.name}`);
            }
        }
        // The Teams environment and the one still provisioning, from the stack's output, with their codes and sentences.
        assert.deepEqual(
            report.skipped.map((e: any) => [e.id, e.displayName, e.kind, e.reasonCode, e.kept]),
            skippedEnvironments(seed).map((e: any) => [e.id, e.displayName, e.sku, e.sku === "Teams" ? "teams" : "provisioning", false]),
        );
        assert.deepEqual(
            report.skipped.map((e: any) => e.reasonCode),
            ["teams", "provisioning"],
        );
        assert.match(report.skipped[0].reason, /no Web API access to Dataverse for Teams/);
        assert.match(report.skipped[1].reason, /Dataverse database is still being provisioned \(provisioningState LinkedDatabaseProvisioning\)/);
        // The final table marks them in every stage and gives the reasons after the stages.
        assert.equal(stderr.match(/^ {4}Contoso Projects \(Teams\) +not a user +skipped \[teams\]$/gm)?.length, report.stages.length, stderr);
        assert.equal(stderr.match(/^ {4}Contoso Service \(provisioning\) +not a user +skipped \[provisioning\]$/gm)?.length, report.stages.length, stderr);
        assert.match(
            stderr,
            /^skipped by the program \(stack output skippedEnvironments\), and why:\n {4}Contoso Projects \(Teams\) +\[teams\] a Dataverse for Teams environment: .*\n {4}Contoso Service \(provisioning\) +\[provisioning\] its Dataverse database is still being provisioned/m,
        );
        assert.match(stderr, /^ {3}\$ npx pulumi stack output skippedEnvironments --json {2}→ ok in/m);
        assert.ok(report.order.revokedGlobalAdministratorAt >= report.order.grantedPowerPlatformAdministratorAt, "granted before revoked");
        assert.deepEqual([report.drift.caught, report.drift.repaired], [true, true]);
        assert.match(stderr, /Now create the Dynamics 365 connector in the backup product/);
        assert.match(stderr, /What the tenant itself says the account held after each stage/);
        assert.match(stderr, /^ {6}Previewing update \(demo\):$/m, "--verbose shows the CLI's own output, indented");
        assert.match(stderr, /^ {3}\$ npx pulumi up --yes --skip-preview {2}→ ok in/m, "one line per command");
        assert.deepEqual(await leftBehind(tmp), [], "the workspace is removed");
    });

    it("ends with a clear message and leaves nothing behind on a missing or invalid seed", async () => {
        const { env, tmp } = await demoEnvironment();
        const missing = await demo(["--yes", "--seed", "/nonexistent/seed.json"], env);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /demo: cannot read the seed \/nonexistent\/seed\.json/);

        const file = path.join(os.tmpdir(), `d365ba-bad-seed-${process.pid}.json`);
        await fs.writeFile(file, JSON.stringify({ tenantId: "not-a-guid", users: [{ id: "x", userPrincipalName: "backup@contoso.com" }] }));
        try {
            const invalid = await demo(["--yes", "--seed", file], env);
            assert.equal(invalid.code, 1);
            assert.match(invalid.stderr, /demo: .*tenantId/s);
        } finally {
            await fs.rm(file, { force: true });
        }
        assert.deepEqual(await leftBehind(tmp), []);
    });

    it("stops the emulator and removes the workspace on Ctrl-C", async () => {
        const { env, tmp } = await demoEnvironment();
        // A terminal's Ctrl-C signals the whole foreground process group: do the same.
        const child = spawn("npm", ["run", "--silent", "demo", "--", "--yes"], { cwd: REPOSITORY, env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
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
        assert.deepEqual(await leftBehind(tmp), []);
    });
});
