// End to end: Global Administrator that ends by itself (elevationHours, Entra PIM),
// through the real CLI against the emulator, whose clock the test moves forward so the
// end is observable without waiting hours.

import { strict as assert } from "assert";
import * as path from "path";

import { RunningEmulator, startEmulator } from "../../emulator";
import { registerSecret } from "../support/secret-guard";
import { createWorkspace, PulumiWorkspace, REPOSITORY } from "./support/workspace";
import { backupAccount, loadSeed, startTenantStack, stopTenantStack, tenantStack } from "./support/tenant";

const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const POWER_PLATFORM_ADMINISTRATOR = "11648597-926c-4cf3-9c36-bcebb0ba8dcc";
const HOUR = 3600_000;
const PIM_REQUESTS = /roleManagement\/directory\/roleAssignmentScheduleRequests/;

/** A bootstrap stack that asks for Global Administrator for two hours. */
const elevating = (stack: string, account: string) => ({ stack, account, stage: "bootstrap", config: { "d365-backup-access:elevationHours": "2" } });

function globalAdministratorOf(emulator: RunningEmulator, principalId: string) {
    return emulator.state().directoryRoleAssignments!.find((a) => a.principalId === principalId && a.roleDefinitionId === GLOBAL_ADMINISTRATOR);
}

async function outputs(workspace: PulumiWorkspace): Promise<Record<string, any>> {
    return JSON.parse((await workspace.run(["stack", "output", "--json"])).stdout);
}

async function elevationState(workspace: PulumiWorkspace): Promise<Record<string, any> | undefined> {
    const state = JSON.parse((await workspace.run(["stack", "export"])).stdout);
    return state.deployment.resources.find((r: any) => r.urn.endsWith("::time-bound-global-administrator"))?.outputs;
}

async function previewOps(workspace: PulumiWorkspace): Promise<string[]> {
    const { stdout } = await workspace.run(["preview", "--json"]);
    return (JSON.parse(stdout).steps ?? []).filter((s: any) => s.op !== "same").map((s: any) => `${s.op} ${s.urn.split("::").pop()}`);
}

describe("end to end: time-bound Global Administrator (elevationHours)", function () {
    this.timeout(15 * 60 * 1000);

    let seed: any;
    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;
    let account: { id: string; userPrincipalName: string };

    before(async () => {
        seed = await loadSeed();
        account = backupAccount(seed);
        ({ emulator, workspace } = await startTenantStack(seed, elevating("fabrikam", account.userPrincipalName)));
    });

    after(() => stopTenantStack(emulator, workspace));

    it("1. bootstrap with elevationHours 2: Global Administrator is active with an end, through PIM", async () => {
        const planned = await previewOps(workspace);
        assert.ok(planned.includes("create time-bound-global-administrator"), planned.join());
        assert.ok(!planned.some((op) => op.endsWith("directory-role-global-administrator")), planned.join());

        await workspace.run(["up", "--yes", "--skip-preview"]);
        const held = globalAdministratorOf(emulator, account.id);
        assert.ok(held?.endDateTime, "time-bound in the tenant");
        assert.equal(Date.parse(held.endDateTime!) - Date.parse(held.startDateTime!), 2 * HOUR);
        const out = await outputs(workspace);
        assert.equal(out.globalAdministratorUntil, held.endDateTime);
        assert.match(out.nextSteps, /holds Global Administrator \(time-bound, until \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
        assert.match(out.nextSteps, /create the Dynamics 365 connector before/);
        await workspace.run(["preview", "--expect-no-changes"]);
    });

    it("2. three hours later: gone in the tenant, refresh reports it ended, `up --refresh` grants nothing and says how to ask again", async () => {
        emulator.advanceClock(3 * 3600);
        assert.equal(globalAdministratorOf(emulator, account.id), undefined, "ended by itself");

        await workspace.run(["refresh", "--yes", "--skip-preview"]);
        assert.equal((await elevationState(workspace))?.status, "ended", "kept in state as ended, not dropped");

        emulator.clearRequests();
        // What a scheduled drift job runs, unattended.
        await workspace.run(["up", "--refresh", "--yes", "--skip-preview"]);
        const writes = emulator.requests().filter((r) => r.service === "graph" && r.method !== "GET");
        assert.deepEqual(
            writes.map((r) => `${r.method} ${r.path}`),
            [],
            "no grant of any kind",
        );
        assert.equal(globalAdministratorOf(emulator, account.id), undefined);
        const out = await outputs(workspace);
        assert.match(out.nextSteps, /time-bound Global Administrator ended .*; it is not granted again by itself/);
        assert.match(out.nextSteps, /d365-backup-access:elevationJustification/);
    });

    it("3. a new justification asks for a new elevation on purpose (the old one is removed first)", async () => {
        await workspace.setConfig("d365-backup-access:elevationJustification", "CHG-1234: connector creation was interrupted");
        const planned = await previewOps(workspace);
        assert.ok(
            planned.some((op) => /replace.* time-bound-global-administrator$/.test(op)),
            planned.join(),
        );
        await workspace.run(["up", "--yes", "--skip-preview"]);
        const held = globalAdministratorOf(emulator, account.id);
        assert.ok(held?.endDateTime);
        assert.ok(Date.parse(held.endDateTime!) > emulator.now(), "active again");
        assert.equal((await elevationState(workspace))?.justification, "CHG-1234: connector creation was interrupted");
    });

    it("4. operational removes the active elevation after Power Platform Administrator exists", async () => {
        emulator.clearRequests();
        await workspace.setConfig("d365-backup-access:stage", "operational");
        await workspace.run(["up", "--yes", "--skip-preview"]);
        assert.equal(globalAdministratorOf(emulator, account.id), undefined);
        const roles = emulator
            .state()
            .directoryRoleAssignments!.filter((a) => a.principalId === account.id)
            .map((a) => a.roleDefinitionId);
        assert.ok(roles.includes(POWER_PLATFORM_ADMINISTRATOR));
        const log = emulator.requests().filter((r) => r.service === "graph" && r.method === "POST");
        const grant = log.find((r) => /roleManagement\/directory\/roleAssignments/.test(r.path) && r.status === 201);
        const removal = log.find((r) => PIM_REQUESTS.test(r.path) && r.status === 201);
        assert.ok(grant && removal, JSON.stringify(log));
        assert.ok(grant.endMs <= removal.startMs, `granted at ${grant.endMs}, removed at ${removal.startMs}`);
        assert.equal(await elevationState(workspace), undefined);
        await workspace.run(["preview", "--expect-no-changes"]);
    });

    it("5. a tenant without Entra ID P2 fails in preview, naming the licence and the alternative, and changes nothing", async () => {
        const withoutP2 = await startEmulator({ ...seed, entraIdP2: false });
        const fresh = await tenantStack(withoutP2, elevating("northwind", account.userPrincipalName));
        try {
            const preview = await fresh.run(["preview"], { allowFailure: true });
            assert.notEqual(preview.code, 0);
            const text = preview.stdout + preview.stderr;
            assert.match(text, /the tenant has no Microsoft Entra ID P2 \(Graph answered AadPremiumLicenseRequired\)/);
            assert.match(text, /unset d365-backup-access:elevationHours/);
            assert.deepEqual(
                withoutP2.requests().filter((r) => r.method !== "GET" && r.service !== "login"),
                [],
            );
        } finally {
            await withoutP2.stop();
            await fresh.remove();
        }
    });

    it("6. an operator signed in as the service account itself (Azure CLI user) is refused in preview, before anything changes", async () => {
        const admin = seed.users.find((user: any) => user.userPrincipalName.startsWith("admin@"));
        const password = "admin-password-emulator-only";
        registerSecret(password);
        const tenant = await startEmulator({ ...seed, users: seed.users.map((u: any) => (u.id === admin.id ? { ...u, password } : u)) });
        const { ARM_CLIENT_ID: _id, ARM_CLIENT_SECRET: _secret, ...signInByCli } = tenant.env;
        const fresh = await createWorkspace({
            stack: "self",
            env: {
                ...signInByCli,
                // The Azure CLI, signed in as the admin (a test stand-in answering get-access-token).
                PATH: `${path.join(REPOSITORY, "test", "e2e", "support", "azure-cli")}${path.delimiter}${process.env.PATH}`,
                EMULATED_AZ_USER: admin.userPrincipalName,
                EMULATED_AZ_PASSWORD: password,
            },
        });
        try {
            await fresh.setConfig("d365-backup-access:serviceAccount", admin.userPrincipalName);
            await fresh.setConfig("d365-backup-access:environments[0]", "*", { path: true });
            await fresh.setConfig("d365-backup-access:stage", "bootstrap");
            const preview = await fresh.run(["preview"], { allowFailure: true });
            assert.notEqual(preview.code, 0);
            const text = preview.stdout + preview.stderr;
            assert.match(
                text,
                /d365-backup-access:serviceAccount: admin@contoso\.onmicrosoft\.com is the operator's own identity \(object id [0-9a-f-]+, the identity this program signs in as\)/,
            );
            assert.match(text, /would demote itself/);
            const signedIn = tenant.requests().filter((r) => r.service === "graph" && r.caller?.oid === admin.id);
            assert.ok(signedIn.length > 0, "the program and the azuread provider signed in as the admin, through the Azure CLI");
            assert.deepEqual(
                tenant.requests().filter((r) => r.method !== "GET" && r.service !== "login"),
                [],
            );
        } finally {
            await tenant.stop();
            await fresh.remove();
        }
    });
});
