// `npm run fleet` over five emulated tenants, one stack each in one project and one
// local backend, through the pinned Pulumi CLI: status (read-only, proven by each
// tenant's request log and the state files; it fails tenants not yet served), preview
// with --stage (nothing changes, not even the stack file, also when interrupted by
// SIGINT or SIGTERM), up --stage operational with the policy pack and concurrency where
// one tenant's directory roles are refused and another's environment refuses the
// account while everything else converges (--continue-on-error, the environment named),
// drift found by status (which then fails the tenant), a stale lock and pending operations
// named with `fleet recover` (which clears them), and a stack still holding 0.1.0
// provider code named, not refreshed, by status.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash, randomUUID } from "crypto";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { RunningEmulator, startEmulator } from "../../emulator";
import { DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR } from "../../lib/directory-roles";
import { SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "../../providers";
import { inspectForSecrets, registerSecret } from "../support/secret-guard";
import { servedEnvironments } from "../support/served-environments";
import { createFleetProject, FleetProject } from "./support/fleet-project";
import { readAllFiles, REPOSITORY } from "./support/workspace";
import { rolesOf } from "./support/tenant";

const GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
const STACKS = ["tenant-1", "tenant-2", "tenant-3", "tenant-4", "tenant-5"];
/** Its update fails: Graph refuses every new directory role assignment. */
const FAILING = "tenant-4";
/** Holds a time-bound role the program does not manage; its first environment refuses to add the account. */
const TIME_BOUND = "tenant-3";

interface Tenant {
    readonly stack: string;
    readonly emulator: RunningEmulator;
}

/** Tenant n: the demo tenant with its own tenant id and operator secret. */
function seedFor(demo: any, n: number): any {
    const seed = JSON.parse(JSON.stringify(demo));
    seed.tenantId = `5f1c7a3e-2b4d-4c6e-9a8b-${String(n).padStart(12, "0")}`;
    seed.operator.clientSecret = `fleet-tenant-${n}-operator-secret-${process.pid}`;
    return seed;
}

/** Requests that could change a tenant: anything but a read, sign-ins aside. */
function writes(emulator: RunningEmulator) {
    return emulator.requests().filter((entry) => entry.method !== "GET" && entry.service !== "login");
}

async function stateFingerprint(directory: string): Promise<string> {
    const files = (await readAllFiles(directory)).sort((a, b) => a.file.localeCompare(b.file));
    return createHash("sha256")
        .update(files.map((f) => `${f.file}\n${f.text}`).join("\n"))
        .digest("hex");
}

describe("npm run fleet: many tenants through the pinned CLI", function () {
    this.timeout(20 * 60 * 1000);

    let project: FleetProject;
    let tenants: Tenant[];
    let account: { id: string; userPrincipalName: string };
    let environmentIds: string[];
    let roleEnd: string;
    let demo: any;
    const logDirectory = path.join(os.tmpdir(), `d365ba-fleet-logs-${process.pid}`);

    const tenant = (stack: string) => tenants.find((t) => t.stack === stack)!;
    /** The temporary copies of stack settings that preview --stage makes. */
    const stageCopies = async () => (await fs.readdir(os.tmpdir())).filter((name) => name.startsWith("d365ba-stage-"));
    const stackFile = (stack: string) => fs.readFile(path.join(project.directory, `Pulumi.${stack}.yaml`));
    const checkpointFile = (stack: string) => path.join(project.stateDirectory, ".pulumi", "stacks", "d365-backup-access", `${stack}.json`);
    const lockDirectory = (stack: string) => path.join(project.stateDirectory, ".pulumi", "locks", "organization", "d365-backup-access", stack);
    /** A lock file as the CLI writes one, for a process `pid` of this host. */
    async function writeLock(stack: string, pid: number): Promise<string> {
        await fs.mkdir(lockDirectory(stack), { recursive: true });
        const file = path.join(lockDirectory(stack), `${randomUUID()}.json`);
        await fs.writeFile(file, JSON.stringify({ pid, username: os.userInfo().username, hostname: os.hostname(), timestamp: new Date().toISOString() }));
        return file;
    }

    before(async () => {
        demo = JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
        account = demo.users.find((user: any) => user.userPrincipalName.startsWith("backup@"));
        // The demo tenant's Teams environment and the one still provisioning are skipped: status reads the others.
        environmentIds = servedEnvironments(demo).map((e: any) => e.id);
        roleEnd = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString();
        project = await createFleetProject();
        tenants = [];
        for (const [index, stack] of STACKS.entries()) {
            const seed = seedFor(demo, index + 1);
            if (stack === TIME_BOUND) {
                seed.directoryRoleAssignments.push({
                    principalId: account.id,
                    roleDefinitionId: GLOBAL_READER,
                    startDateTime: new Date().toISOString(),
                    endDateTime: roleEnd,
                });
            }
            if (stack === TIME_BOUND) {
                seed.faults = [
                    {
                        route: `environments/${environmentIds[0]}/addUser`,
                        method: "POST",
                        status: 403,
                        code: "Forbidden",
                        message: "The caller is not allowed to add users to this environment.",
                    },
                ];
            }
            if (stack === FAILING) {
                seed.faults = [
                    {
                        route: "/roleManagement/directory/roleAssignments$",
                        method: "POST",
                        status: 403,
                        code: "Authorization_RequestDenied",
                        message: "Insufficient privileges to complete the operation.",
                    },
                ];
            }
            const emulator = await startEmulator(seed, { warn: () => undefined });
            tenants.push({ stack, emulator });
            await project.addTenant(stack, emulator, account.userPrincipalName, "bootstrap");
        }
    });

    after(async () => {
        for (const t of tenants ?? []) await t.emulator.stop();
        await project?.remove();
        await fs.rm(logDirectory, { recursive: true, force: true });
    });

    it("status --all reads every tenant itself, writes nothing to the tenants nor to state, and fails the tenants not yet served", async () => {
        tenants.forEach((t) => t.emulator.clearRequests());
        const stateBefore = await stateFingerprint(project.stateDirectory);
        const { code, stdout, stderr } = await project.fleet(["status", "--all", "--json", "--log-dir", logDirectory]);
        assert.equal(code, 1, stderr);
        const report = JSON.parse(stdout);
        assert.deepEqual(
            report.tenants.map((t: any) => [t.stack, t.result, t.stage]),
            STACKS.map((stack) => [stack, "failed", "bootstrap"]),
        );
        for (const row of report.tenants) {
            // Never updated: the roles of the stack's stage, and every environment, are missing.
            assert.match(row.error, /^missing: directory role Global Administrator; directory role Dynamics 365 Administrator; .*: not a user/, row.stack);
            assert.deepEqual(
                row.tenant.skipped.map((entry: any) => entry.id).sort(),
                demo.environments
                    .filter((e: any) => !environmentIds.includes(e.id))
                    .map((e: any) => e.id)
                    .sort(),
            );
            assert.deepEqual(row.drift, [], `${row.stack}: nothing deployed, nothing drifted`);
            assert.equal(row.lastUpdate, null, `${row.stack} was never updated`);
            assert.equal(row.tenant.accountObjectId, account.id);
            assert.deepEqual(row.tenant.environments.map((e: any) => e.id).sort(), [...environmentIds].sort());
            // The demo tenant's third environment already has the account, as Administrative: a user, not yet ok.
            const present = row.tenant.environments.filter((e: any) => e.user);
            assert.deepEqual(
                present.map((e: any) => [e.accessMode, e.systemAdministrator, e.ok]),
                [["administrative", false, false]],
            );
        }
        const timeBound = report.tenants.find((t: any) => t.stack === TIME_BOUND).tenant.directoryRoles;
        assert.deepEqual(
            timeBound.map((r: any) => [r.name, r.endDateTime && new Date(r.endDateTime).toISOString()]),
            [["Global Reader", roleEnd]],
        );
        for (const t of tenants) {
            assert.ok(
                t.emulator.requests().some((entry) => entry.service === "dataverse"),
                `${t.stack}: its Dataverse was read`,
            );
            assert.deepEqual(writes(t.emulator), [], `${t.stack}: status wrote to the tenant`);
        }
        assert.equal(await stateFingerprint(project.stateDirectory), stateBefore, "status changed the state");
        assert.match(stderr, /0 of 5 tenants ok/);
    });

    it("preview --stage operational shows each tenant's plan (with the policy pack) and changes nothing, not even the stack files", async () => {
        tenants.forEach((t) => t.emulator.clearRequests());
        const stackFilesBefore = new Map<string, Buffer>();
        for (const stack of STACKS) stackFilesBefore.set(stack, await stackFile(stack));
        const { code, stdout, stderr } = await project.fleet([
            "preview",
            "--stacks",
            "tenant-1,tenant-5",
            "--stage",
            "operational",
            "--json",
            "--log-dir",
            logDirectory,
        ]);
        assert.equal(code, 0, stderr);
        const report = JSON.parse(stdout);
        assert.deepEqual(
            report.tenants.map((row: any) => row.stack),
            ["tenant-1", "tenant-5"],
        );
        for (const row of report.tenants) {
            assert.equal(row.result, "ok", `${row.stack}: ${row.error}`);
            assert.deepEqual([row.previousStage, row.stage], ["bootstrap", "operational"]);
            assert.ok(row.changes.create > 0, `${row.stack} plans creates: ${JSON.stringify(row.changes)}`);
        }
        for (const t of tenants) {
            assert.deepEqual(writes(t.emulator), [], `${t.stack}: a preview wrote to the tenant`);
            const { stdout: stage } = await project.pulumi(["config", "get", "d365-backup-access:stage", "--stack", t.stack]);
            assert.equal(stage.trim(), "bootstrap", `${t.stack} keeps its stage`);
        }
        for (const stack of STACKS) assert.ok((await stackFile(stack)).equals(stackFilesBefore.get(stack)!), `Pulumi.${stack}.yaml was written`);
        // The policy pack ran (by default) on each previewed tenant.
        assert.match(await fs.readFile(path.join(logDirectory, "tenant-1.log"), "utf8"), /d365-backup-access@v\S+ \(local: \S*policy\)/);
    });

    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        it(`preview --stage reauth interrupted by ${signal} while it runs leaves the stack file as it was`, async () => {
            const t = tenant("tenant-2");
            const before = await stackFile(t.stack);
            const copiesBefore = await stageCopies();
            t.emulator.clearRequests();
            const started = project.start("fleet", ["preview", "--stacks", t.stack, "--stage", "reauth", "--no-policy-pack", "--log-dir", logDirectory]);
            // The preview runs once the program reads the tenant.
            let exited = false;
            void started.exited.then(() => (exited = true));
            while (!exited && !t.emulator.requests().some((entry) => entry.service !== "login")) await new Promise((resolve) => setTimeout(resolve, 100));
            assert.ok(!exited, `the preview ended before the program ran:\n${started.output()}`);
            started.signal(signal);
            await started.exited;
            assert.ok((await stackFile(t.stack)).equals(before), `Pulumi.${t.stack}.yaml changed:\n${(await stackFile(t.stack)).toString("utf8")}`);
            assert.deepEqual(writes(t.emulator), [], "the preview wrote to the tenant");
            assert.deepEqual(
                (await stageCopies()).filter((name) => !copiesBefore.includes(name)),
                [],
                "the temporary copy of the stack settings is removed",
            );
        });
    }

    it(`up --all --stage operational --concurrency 3: ${FAILING} and ${TIME_BOUND} fail and are named, everything else converges`, async () => {
        tenants.forEach((t) => t.emulator.clearRequests());
        const { code, stdout, stderr } = await project.fleet(["up", "--all", "--stage", "operational", "--concurrency", "3", "--log-dir", logDirectory]);
        assert.equal(code, 1, stderr);
        assert.match(stderr, new RegExp(`2 tenants failed: ${TIME_BOUND}, ${FAILING}\\b`));
        const lines = stdout.trim().split("\n");
        assert.match(lines[0], /^tenant\s+stage\s+directory roles\s+environments ok\s+changes\s+result\s+duration$/);
        for (const stack of STACKS) {
            const row = lines.find((line: string) => line.startsWith(`${stack} `));
            assert.ok(row, `${stack} has a row:\n${stdout}`);
            if (stack === FAILING) {
                // Its directory roles were refused; its environments still converged (--continue-on-error).
                assert.match(row, /bootstrap → operational\s+none\s+3\/3\s+-\s+FAILED\s/, row);
                assert.match(stdout, new RegExp(`^  ${FAILING}: .*Insufficient privileges.* \\(log: .*${FAILING}\\.log\\)$`, "m"));
            } else if (stack === TIME_BOUND) {
                // Its first environment refused the account; the roles and the other environments converged.
                assert.match(
                    row,
                    /bootstrap → operational\s+Dynamics 365 Administrator, Global Reader \(until [^)]+\), Power Platform Administrator\s+2\/3\s+-\s+FAILED\s/,
                    row,
                );
                assert.match(
                    stdout,
                    new RegExp(
                        `^  ${TIME_BOUND}: did not converge in 1 environment \\(log: .*${TIME_BOUND}\\.log\\)\\n    ${environmentIds[0]}: Power Platform admin API \\(BAP\\) refused add the account to the environment \\(addUser\\): The caller is not allowed to add users to this environment`,
                        "m",
                    ),
                );
            } else {
                assert.match(
                    row,
                    /bootstrap → operational\s+Dynamics 365 Administrator, (Global Reader \(until [^)]+\), )?Power Platform Administrator\s+3\/3\s+\+\d+.*\s+ok\s/,
                    row,
                );
            }
        }
        // Only the environment that refused is not ready, listed below the table.
        assert.match(stdout, new RegExp(`^Environments not ready:\\n  ${TIME_BOUND}  [^\\n]*\\(${environmentIds[0]}\\): not a user\\n\\nFailed:`, "m"));
        for (const t of tenants) {
            const expected = t.stack === FAILING ? [] : [DYNAMICS_365_ADMINISTRATOR.templateId, POWER_PLATFORM_ADMINISTRATOR.templateId];
            const held = rolesOf(t.emulator, account.id).filter((role) => role !== GLOBAL_READER);
            if (t.stack !== FAILING) assert.deepEqual(held, expected.sort(), t.stack);
            else assert.ok(!held.includes(POWER_PLATFORM_ADMINISTRATOR.templateId), "the failing tenant got no new role");
        }
        // At most three tenants were being changed at once, and more than one: from each tenant's own request log.
        const windows = tenants.map((t) => {
            const log = t.emulator.requests();
            return { start: log[0].startMs, end: log[log.length - 1].endMs };
        });
        const overlapping = windows.map((w) => windows.filter((o) => o.start <= w.start && o.end >= w.start).length);
        assert.ok(Math.max(...overlapping) <= 3, `more than 3 tenants at once: ${JSON.stringify(windows)}`);
        assert.ok(Math.max(...overlapping) >= 2, "the tenants ran one at a time");

        const logs = (await fs.readdir(logDirectory)).sort();
        assert.deepEqual(
            logs,
            STACKS.map((stack) => `${stack}.log`),
        );
        assert.match(await fs.readFile(path.join(logDirectory, `${FAILING}.log`), "utf8"), /Insufficient privileges/);
        for (const stack of STACKS.filter((stack) => stack !== FAILING && stack !== TIME_BOUND)) {
            assert.match(
                await fs.readFile(path.join(logDirectory, `${stack}.log`), "utf8"),
                /d365-backup-access@v\S+ \(local: \S*policy\)/,
                `${stack}: the policy pack ran`,
            );
        }
        for (const file of logs) inspectForSecrets(`the fleet's log ${file}`, await fs.readFile(path.join(logDirectory, file), "utf8"));
        // After the request logs were read: status names the environment too.
        const json = JSON.parse((await project.fleet(["status", "--stacks", TIME_BOUND, "--json", "--log-dir", logDirectory])).stdout);
        assert.match(json.tenants[0].error, new RegExp(`^missing: [^;]*\\(${environmentIds[0]}\\): not a user$`), "status names it too");
    });

    it("status finds drift in one tenant without repairing it, fails that tenant, and says when each stack was updated", async () => {
        const drifted = tenant("tenant-1");
        const [first] = environmentIds;
        drifted.emulator.mutate((state) => {
            const user = state.environments.find((e) => e.id === first)!.systemUsers.find((u) => u.azureActiveDirectoryObjectId === account.id)!;
            user.roleTemplateIds = user.roleTemplateIds.filter((id) => id !== SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID);
        });
        tenants.forEach((t) => t.emulator.clearRequests());
        const stateBefore = await stateFingerprint(project.stateDirectory);
        // As in a CI system that sets PULUMI_SKIP_CONFIRMATIONS for every pulumi command: the
        // drift check's `refresh --preview-only` must not turn into `--yes` (which the CLI refuses with it).
        const { code, stdout, stderr } = await project.fleet(["status", "--stacks", "tenant-1,tenant-2", "--json", "--log-dir", logDirectory], {
            PULUMI_SKIP_CONFIRMATIONS: "true",
        });
        assert.equal(code, 1, stderr);
        assert.match(stderr, /1 tenant failed: tenant-1\b/);
        const rows = JSON.parse(stdout).tenants;
        assert.deepEqual(
            rows.map((r: any) => r.stack),
            ["tenant-1", "tenant-2"],
        );
        const one = rows.find((r: any) => r.stack === "tenant-1");
        assert.deepEqual(one.drift, [`system-administrator-${first}`]);
        assert.match(
            one.error,
            new RegExp(`^missing: [^;]*\\(${first}\\): user, read-write, no System Administrator; drifted: system-administrator-${first}$`),
        );
        assert.equal(one.tenant.environments.filter((e: any) => e.ok).length, environmentIds.length - 1);
        const two = rows.find((r: any) => r.stack === "tenant-2");
        assert.deepEqual([two.result, two.drift], ["ok", []]);
        assert.equal(two.stage, "operational");
        assert.ok(Date.parse(two.lastUpdate) > 0, `tenant-2 was updated: ${two.lastUpdate}`);
        for (const t of tenants) assert.deepEqual(writes(t.emulator), [], `${t.stack}: status wrote to the tenant`);
        assert.equal(await stateFingerprint(project.stateDirectory), stateBefore, "status changed the state");
        const user = drifted.emulator
            .state()
            .environments!.find((e) => e.id === first)!
            .systemUsers!.find((u) => u.azureActiveDirectoryObjectId === account.id)!;
        assert.ok(!user.roleTemplateIds!.includes(SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID), "status repaired nothing");
    });

    it("status names a tenant whose stack is misconfigured, with the program's own message, and reads the others", async () => {
        await project.addTenant("tenant-6", tenant("tenant-2").emulator, account.userPrincipalName, "promote");
        try {
            const { code, stdout, stderr } = await project.fleet(["status", "--stacks", "tenant-2,tenant-6", "--log-dir", logDirectory]);
            assert.equal(code, 1, stderr);
            assert.match(stdout, /^tenant-2 +operational .* ok +\d/m);
            assert.match(stdout, /^Failed:\n {2}tenant-6: The stack configuration has a problem; nothing was changed: .*"promote" is not a stage/m);
            assert.match(stderr, /1 tenant failed: tenant-6\b/);
        } finally {
            await project.pulumi(["stack", "rm", "tenant-6", "--yes", "--force"]);
        }
    });

    it("pending operations and a stale lock stop preview, status and up, which name `fleet recover`; recover refuses a live lock and clears the rest", async () => {
        const t = tenant("tenant-5");
        const [first] = environmentIds;
        // What a kill right after Dataverse answered leaves: the role association made, its create still pending in state.
        const checkpoint = JSON.parse(await fs.readFile(checkpointFile(t.stack), "utf8"));
        const latest = checkpoint.checkpoint.latest;
        const index = latest.resources.findIndex((r: any) => r.urn.endsWith(`::system-administrator-${first}`));
        assert.ok(index >= 0, "the association is in state");
        latest.pending_operations = [{ resource: latest.resources[index], type: "creating" }];
        latest.resources.splice(index, 1);
        await fs.writeFile(checkpointFile(t.stack), JSON.stringify(checkpoint, null, 4));
        t.emulator.clearRequests();

        const preview = await project.fleet(["preview", "--stacks", t.stack, "--no-policy-pack", "--log-dir", logDirectory]);
        assert.equal(preview.code, 1, preview.stderr);
        assert.match(
            preview.stdout,
            new RegExp(
                `^ {2}${t.stack}: the stack holds 1 pending operation \\(creating system-administrator-${first}\\) left by an update that was interrupted; nothing was run\\. Run \`npm run fleet -- recover --stacks ${t.stack}\``,
                "m",
            ),
        );

        const dead = spawnSync(process.execPath, ["-e", ""]).pid;
        await writeLock(t.stack, dead);
        for (const command of ["status", "up"]) {
            const { code, stdout, stderr } = await project.fleet([command, "--stacks", t.stack, "--log-dir", logDirectory]);
            assert.equal(code, 1, stderr);
            assert.match(
                stdout,
                new RegExp(
                    `^ {2}${t.stack}: the stack is locked by an interrupted update: stale lock .*\\(pid ${dead}\\).*no longer running on this host\\. Run \`npm run fleet -- recover --stacks ${t.stack}\`\\.`,
                    "m",
                ),
                command,
            );
        }
        assert.deepEqual(writes(t.emulator), [], "nothing ran against the tenant");

        const live = await writeLock(t.stack, process.pid);
        const refused = await project.fleet(["recover", "--stacks", t.stack, "--no-policy-pack", "--log-dir", logDirectory]);
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(refused.stdout, new RegExp(`pid ${process.pid}\\) at \\S+: that process is still running on this host[;.]`));
        assert.match(
            refused.stdout,
            new RegExp(`Wait for that update to end; only when you know it no longer runs, run \`npm run fleet -- recover --stacks ${t.stack} --force\``),
        );
        assert.ok((await fs.readdir(lockDirectory(t.stack))).length === 2, "a refused recover removes no lock");
        await fs.rm(live);

        const rolesBefore = rolesOf(t.emulator, account.id);
        const { code, stdout, stderr } = await project.fleet(["recover", "--stacks", t.stack, "--no-policy-pack", "--json", "--log-dir", logDirectory]);
        assert.equal(code, 0, stderr);
        const [row] = JSON.parse(stdout).tenants;
        assert.deepEqual([row.result, row.stage], ["ok", "operational"], row.error);
        assert.deepEqual(row.recovery, ["stale lock removed", `1 pending operation (creating system-administrator-${first}) cleared`]);
        assert.equal(row.tenant.environments.filter((e: any) => e.ok).length, environmentIds.length);
        assert.deepEqual(await fs.readdir(lockDirectory(t.stack)), []);
        const after = JSON.parse((await project.pulumi(["stack", "export", "--stack", t.stack])).stdout).deployment;
        assert.deepEqual(after.pending_operations ?? [], []);
        assert.ok(
            after.resources.some((r: any) => r.urn.endsWith(`::system-administrator-${first}`)),
            "the association is in state again (adopted)",
        );
        assert.deepEqual(rolesOf(t.emulator, account.id), rolesBefore);
        const user = t.emulator
            .state()
            .environments!.find((e) => e.id === first)!
            .systemUsers!.find((u) => u.azureActiveDirectoryObjectId === account.id)!;
        assert.deepEqual(
            user.roleTemplateIds!.filter((id) => id === SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID),
            [SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID],
        );
    });

    it("status names a stack whose state still holds 0.1.0 provider code with the command that upgrades it, and does not refresh it", async () => {
        const fixture = path.join(__dirname, "fixtures", "state-0.1.0");
        const seed = JSON.parse(await fs.readFile(path.join(fixture, "tenant.json"), "utf8"));
        registerSecret(seed.operator.clientSecret);
        const legacy = await startEmulator(seed, { warn: () => undefined });
        try {
            await project.pulumi(["stack", "init", "contoso", "--secrets-provider", "passphrase"]);
            await project.pulumi(["stack", "import", "--stack", "contoso", "--file", path.join(fixture, "state.json")]);
            // That version's settings (its secret encrypted with the state's salt), pointed at this emulator.
            await fs.copyFile(path.join(fixture, "Pulumi.contoso.yaml"), path.join(project.directory, "Pulumi.contoso.yaml"));
            const settings = {
                "azuread:tenantId": legacy.tenantId,
                "azuread:clientId": seed.operator.clientId,
                "azuread:metadataHost": legacy.endpoints.metadataHost,
                "d365-backup-access:endpoints.bap": legacy.endpoints.bap,
                "d365-backup-access:customEndpoints": "true",
            };
            await project.pulumi([
                "config",
                "set-all",
                "--stack",
                "contoso",
                "--path",
                ...Object.entries(settings).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]),
            ]);
            const stateBefore = await stateFingerprint(project.stateDirectory);
            const { code, stdout, stderr } = await project.fleet(["status", "--stacks", "contoso", "--json", "--log-dir", logDirectory]);
            assert.equal(code, 1, stderr);
            const [row] = JSON.parse(stdout).tenants;
            assert.equal(row.drift, null, "no drift check");
            assert.match(row.error, /provider code written by version 0\.1\.0 \(6 resources\).*status does not refresh it.*`npx pulumi up --stack contoso`/);
            assert.ok(row.tenant.environments.length > 0, "the tenant itself was read");
            assert.ok(!/Refreshing|refreshing/.test(await fs.readFile(path.join(logDirectory, "contoso.log"), "utf8")), "no refresh ran");
            assert.deepEqual(
                legacy.requests().filter((entry) => entry.method !== "GET" && entry.service !== "login"),
                [],
            );
            assert.equal(await stateFingerprint(project.stateDirectory), stateBefore);
        } finally {
            await project.pulumi(["stack", "rm", "contoso", "--yes", "--force"]);
            await legacy.stop();
        }
    });

    it("an unknown stack name ends before anything runs, listing the stacks there are", async () => {
        const { code, stderr } = await project.fleet(["up", "--stacks", "tenant-1,tenant-9", "--stage", "operational"]);
        assert.equal(code, 2);
        assert.match(stderr, /--stacks: "tenant-9" matches no stack; the stacks are: tenant-1, tenant-2, tenant-3, tenant-4, tenant-5\./);
    });
});
