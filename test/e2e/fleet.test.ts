// `npm run fleet` over five emulated tenants, one stack each in one project and one
// local backend, through the pinned Pulumi CLI: status (read-only, proven by each
// tenant's request log and the state files), preview with --stage (nothing changes,
// not even the stack's stage), up --stage operational with concurrency where one
// tenant's update fails while the others finish, and drift found by status.

import { strict as assert } from "assert";
import { createHash } from "crypto";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { RunningEmulator, startEmulator } from "../../emulator";
import { DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR } from "../../lib/directory-roles";
import { SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID } from "../../providers";
import { inspectForSecrets } from "../support/secret-guard";
import { createFleetProject, FleetProject } from "./support/fleet-project";
import { readAllFiles, REPOSITORY } from "./support/workspace";

const GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
const STACKS = ["tenant-1", "tenant-2", "tenant-3", "tenant-4", "tenant-5"];
/** Its update fails: Graph refuses every new directory role assignment. */
const FAILING = "tenant-4";
/** Holds a time-bound role the program does not manage. */
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
    return createHash("sha256").update(files.map((f) => `${f.file}\n${f.text}`).join("\n")).digest("hex");
}

function rolesOf(emulator: RunningEmulator, principalId: string): string[] {
    return emulator.state().directoryRoleAssignments!.filter((a) => a.principalId === principalId).map((a) => a.roleDefinitionId).sort();
}

describe("npm run fleet: many tenants through the pinned CLI", function () {
    this.timeout(20 * 60 * 1000);

    let project: FleetProject;
    let tenants: Tenant[];
    let account: { id: string; userPrincipalName: string };
    let environmentIds: string[];
    let roleEnd: string;
    const logDirectory = path.join(os.tmpdir(), `d365ba-fleet-logs-${process.pid}`);

    const tenant = (stack: string) => tenants.find((t) => t.stack === stack)!;

    before(async () => {
        const demo = JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
        account = demo.users.find((user: any) => user.userPrincipalName.startsWith("backup@"));
        environmentIds = demo.environments.filter((e: any) => e.dataverse !== false).map((e: any) => e.id);
        roleEnd = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString();
        project = await createFleetProject();
        tenants = [];
        for (const [index, stack] of STACKS.entries()) {
            const seed = seedFor(demo, index + 1);
            if (stack === TIME_BOUND) {
                seed.directoryRoleAssignments.push({ principalId: account.id, roleDefinitionId: GLOBAL_READER, startDateTime: new Date().toISOString(), endDateTime: roleEnd });
            }
            if (stack === FAILING) {
                seed.faults = [{ route: "/roleManagement/directory/roleAssignments$", method: "POST", status: 403, code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." }];
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

    it("status --all reads every tenant itself, writes nothing to the tenants nor to state", async () => {
        tenants.forEach((t) => t.emulator.clearRequests());
        const stateBefore = await stateFingerprint(project.stateDirectory);
        const { code, stdout, stderr } = await project.fleet(["status", "--all", "--json", "--log-dir", logDirectory]);
        assert.equal(code, 0, stderr);
        const report = JSON.parse(stdout);
        assert.deepEqual(report.tenants.map((t: any) => [t.stack, t.result, t.stage]), STACKS.map((stack) => [stack, "ok", "bootstrap"]));
        for (const row of report.tenants) {
            assert.deepEqual(row.drift, [], `${row.stack}: nothing deployed, nothing drifted`);
            assert.equal(row.lastUpdate, null, `${row.stack} was never updated`);
            assert.equal(row.tenant.accountObjectId, account.id);
            assert.deepEqual(row.tenant.environments.map((e: any) => e.id).sort(), [...environmentIds].sort());
            // The demo tenant's third environment already has the account, as Administrative: a user, not yet ok.
            const present = row.tenant.environments.filter((e: any) => e.user);
            assert.deepEqual(present.map((e: any) => [e.accessMode, e.systemAdministrator, e.ok]), [["administrative", false, false]]);
        }
        const timeBound = report.tenants.find((t: any) => t.stack === TIME_BOUND).tenant.directoryRoles;
        assert.deepEqual(timeBound.map((r: any) => [r.name, r.endDateTime && new Date(r.endDateTime).toISOString()]), [["Global Reader", roleEnd]]);
        for (const t of tenants) {
            assert.ok(t.emulator.requests().some((entry) => entry.service === "dataverse"), `${t.stack}: its Dataverse was read`);
            assert.deepEqual(writes(t.emulator), [], `${t.stack}: status wrote to the tenant`);
        }
        assert.equal(await stateFingerprint(project.stateDirectory), stateBefore, "status changed the state");
        assert.match(stderr, /5 of 5 tenants ok/);
    });

    it("preview --stage operational shows each tenant's plan and changes nothing, not even the stacks' stage", async () => {
        tenants.forEach((t) => t.emulator.clearRequests());
        const { code, stdout, stderr } = await project.fleet(["preview", "--stacks", "tenant-1,tenant-5", "--stage", "operational", "--json", "--log-dir", logDirectory]);
        assert.equal(code, 0, stderr);
        const report = JSON.parse(stdout);
        assert.deepEqual(report.tenants.map((row: any) => row.stack), ["tenant-1", "tenant-5"]);
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
    });

    it(`up --all --stage operational --concurrency 3: ${FAILING} fails and is named, the other tenants finish`, async () => {
        tenants.forEach((t) => t.emulator.clearRequests());
        const { code, stdout, stderr } = await project.fleet(["up", "--all", "--stage", "operational", "--concurrency", "3", "--log-dir", logDirectory]);
        assert.equal(code, 1, stderr);
        assert.match(stderr, new RegExp(`1 tenant failed: ${FAILING}\\b`));
        const lines = stdout.trim().split("\n");
        assert.match(lines[0], /^tenant\s+stage\s+directory roles\s+environments ok\s+changes\s+result\s+duration$/);
        for (const stack of STACKS) {
            const row = lines.find((line: string) => line.startsWith(`${stack} `));
            assert.ok(row, `${stack} has a row:\n${stdout}`);
            if (stack === FAILING) {
                assert.match(row, /bootstrap → operational\s.*\s\d\/3\s+-\s+FAILED\s/, row);
                assert.match(stdout, new RegExp(`^Failed:\\n  ${FAILING}: .*Insufficient privileges.* \\(log: .*${FAILING}\\.log\\)$`, "m"));
            } else {
                assert.match(row, /bootstrap → operational\s+Dynamics 365 Administrator, (Global Reader \(until [^)]+\), )?Power Platform Administrator\s+3\/3\s+\+\d+.*\s+ok\s/, row);
            }
        }
        // Only the failing tenant has environments that are not ready, listed below the table.
        assert.match(stdout, new RegExp(`^Environments not ready:\\n(  ${FAILING}  .*\\n)+\\nFailed:`, "m"));
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
        assert.deepEqual(logs, STACKS.map((stack) => `${stack}.log`));
        assert.match(await fs.readFile(path.join(logDirectory, `${FAILING}.log`), "utf8"), /Insufficient privileges/);
        for (const file of logs) inspectForSecrets(`the fleet's log ${file}`, await fs.readFile(path.join(logDirectory, file), "utf8"));
    });

    it("status finds drift in one tenant without repairing it, and says when each stack was updated", async () => {
        const drifted = tenant("tenant-1");
        const [first] = environmentIds;
        drifted.emulator.mutate((state) => {
            const user = state.environments.find((e) => e.id === first)!.systemUsers.find((u) => u.azureActiveDirectoryObjectId === account.id)!;
            user.roleTemplateIds = user.roleTemplateIds.filter((id) => id !== SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID);
        });
        tenants.forEach((t) => t.emulator.clearRequests());
        const stateBefore = await stateFingerprint(project.stateDirectory);
        const { code, stdout, stderr } = await project.fleet(["status", "--stacks", "tenant-1,tenant-2", "--json", "--log-dir", logDirectory]);
        assert.equal(code, 0, stderr);
        const rows = JSON.parse(stdout).tenants;
        assert.deepEqual(rows.map((r: any) => r.stack), ["tenant-1", "tenant-2"]);
        const one = rows.find((r: any) => r.stack === "tenant-1");
        assert.deepEqual(one.drift, [`system-administrator-${first}`]);
        assert.equal(one.tenant.environments.filter((e: any) => e.ok).length, environmentIds.length - 1);
        const two = rows.find((r: any) => r.stack === "tenant-2");
        assert.deepEqual(two.drift, []);
        assert.equal(two.stage, "operational");
        assert.ok(Date.parse(two.lastUpdate) > 0, `tenant-2 was updated: ${two.lastUpdate}`);
        for (const t of tenants) assert.deepEqual(writes(t.emulator), [], `${t.stack}: status wrote to the tenant`);
        assert.equal(await stateFingerprint(project.stateDirectory), stateBefore, "status changed the state");
        const user = drifted.emulator.state().environments!.find((e) => e.id === first)!.systemUsers!.find((u) => u.azureActiveDirectoryObjectId === account.id)!;
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

    it("an unknown stack name ends before anything runs, listing the stacks there are", async () => {
        const { code, stderr } = await project.fleet(["up", "--stacks", "tenant-1,tenant-9", "--stage", "operational"]);
        assert.equal(code, 2);
        assert.match(stderr, /--stacks: "tenant-9" matches no stack; the stacks are: tenant-1, tenant-2, tenant-3, tenant-4, tenant-5\./);
    });
});
