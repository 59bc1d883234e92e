// End to end: what `pulumi destroy` and removing an environment give back, through the
// real Pulumi CLI against the tenant emulator. The account already holds Dynamics 365
// Administrator, membership of the restricted environment's security group and System
// Administrator in two environments before the stack exists: the stack adopts them, and
// leaves them as found; what it granted (Global Administrator, System Administrator where
// it associated it) is removed, and only in the business unit where it was made; a
// time-bound Global Administrator's delete ends only its own assignment. Last, the
// operator never demotes itself: changing serviceAccount away from the operator's
// own identity is refused with nothing changed.
//
// Needs the toolchain of scripts/toolchain/build.sh. Run with `npm run test:e2e`.

import { strict as assert } from "assert";
import * as path from "path";

import { RunningEmulator, startEmulator } from "../../emulator";
import { registerSecret } from "../support/secret-guard";
import { createWorkspace, PulumiWorkspace, REPOSITORY } from "./support/workspace";
import { backupAccount, loadSeed, rolesOf, startTenantStack, stopTenantStack, withoutOperatorCredentials } from "./support/tenant";

const TEMPLATE = {
    globalAdministrator: "62e90394-69f5-4237-9190-012177145e10",
    dynamicsAdministrator: "44367163-eba1-44c3-98af-f5787879f96a",
    systemAdministrator: "627090ff-40a3-4053-8790-584edc5be201",
};
const PRODUCTION = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const SALES = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";
const FINANCE = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f";
const GROUP = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";

function userIn(emulator: RunningEmulator, environmentId: string, objectId: string) {
    return emulator
        .state()
        .environments!.find((e) => e.id === environmentId)!
        .systemUsers!.find((user) => user.azureActiveDirectoryObjectId === objectId)!;
}

function isGroupMember(emulator: RunningEmulator, objectId: string): boolean {
    return emulator
        .state()
        .groups!.find((group) => group.id === GROUP)!
        .members!.includes(objectId);
}

/** Every resource of the state but the providers, with its outputs. */
async function grantsInState(workspace: PulumiWorkspace): Promise<unknown[]> {
    const { stdout } = await workspace.run(["stack", "export"]);
    return JSON.parse(stdout)
        .deployment.resources.filter((r: any) => !r.type.startsWith("pulumi:providers:"))
        .map((r: any) => ({ urn: r.urn, outputs: r.outputs }));
}

const writes = (emulator: RunningEmulator) => emulator.requests().filter((r) => r.method !== "GET" && r.service !== "login");

describe("end to end: destroy and removal give back only what the stack granted", function () {
    this.timeout(15 * 60 * 1000);

    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;
    let account: { id: string; userPrincipalName: string };

    before(async () => {
        const seed = await loadSeed();
        account = backupAccount(seed);
        // What the account holds before the stack exists.
        seed.directoryRoleAssignments.push({ principalId: account.id, roleDefinitionId: TEMPLATE.dynamicsAdministrator });
        seed.groups.find((group: any) => group.id === GROUP).members.push(account.id);
        for (const environmentId of [PRODUCTION, SALES]) {
            seed.environments
                .find((e: any) => e.id === environmentId)
                .systemUsers.push({ azureActiveDirectoryObjectId: account.id, accessMode: 0, roleTemplateIds: [TEMPLATE.systemAdministrator] });
        }
        ({ emulator, workspace } = await startTenantStack(seed, { stack: "contoso", account: account.userPrincipalName, stage: "bootstrap", clientId: true }));
    });

    after(() => stopTenantStack(emulator, workspace));

    it("1. the preview states what destroy would give back; bootstrap adopts what the account held", async () => {
        const preview = await workspace.run(["preview"]);
        const text = preview.stdout + preview.stderr;
        assert.match(text, /only what this stack granted\. Removes: Global Administrator \(whatever its origin\)\./);
        assert.match(text, new RegExp(`Leaves in place \\(held before this stack\\): Dynamics 365 Administrator; membership of security group ${GROUP}\\.`));

        await workspace.run(["up", "--yes", "--skip-preview"]);
        assert.deepEqual(rolesOf(emulator, account.id), [TEMPLATE.globalAdministrator, TEMPLATE.dynamicsAdministrator].sort());
        assert.deepEqual(userIn(emulator, FINANCE, account.id).roleTemplateIds, [TEMPLATE.systemAdministrator], "granted in Finance");

        // The next preview knows each Dataverse role's origin from the state.
        const again = await workspace.run(["preview"]);
        assert.match(
            again.stdout + again.stderr,
            new RegExp(`System Administrator in environment ${FINANCE} \\(only the copy it associated, in its business unit\\)`),
        );
        assert.match(
            again.stdout + again.stderr,
            new RegExp(`System Administrator in environment ${PRODUCTION}; System Administrator in environment ${SALES}`),
        );
    });

    it("2. removing an environment from the list leaves the role the account held there", async () => {
        await workspace.run(["config", "rm", "d365-backup-access:environments"]);
        await workspace.setConfig("d365-backup-access:environments[0]", SALES, { path: true });
        await workspace.setConfig("d365-backup-access:environments[1]", FINANCE, { path: true });
        emulator.clearRequests();
        const { stdout } = await workspace.run(["up", "--yes", "--skip-preview"]);
        assert.match(stdout, new RegExp(`system-administrator-${PRODUCTION}`), "the environment's resources left the stack");
        assert.deepEqual(userIn(emulator, PRODUCTION, account.id).roleTemplateIds, [TEMPLATE.systemAdministrator], "left as found");
        assert.deepEqual(
            writes(emulator).filter((r) => r.service === "dataverse"),
            [],
            "nothing was written to Dataverse",
        );
    });

    it("3. `pulumi destroy` removes what the stack granted, leaves what the account held, and a role copy in another business unit", async () => {
        // Meanwhile someone gives the account Finance's child business unit's copy of System Administrator.
        emulator.mutate((tenant) => {
            const user = tenant.environments.find((e) => e.id === FINANCE)!.systemUsers.find((u) => u.azureActiveDirectoryObjectId === account.id)!;
            user.childUnitRoleTemplateIds = [TEMPLATE.systemAdministrator];
        });
        await workspace.run(["destroy", "--yes", "--skip-preview"]);

        assert.deepEqual(rolesOf(emulator, account.id), [TEMPLATE.dynamicsAdministrator], "Global Administrator removed, Dynamics 365 Administrator left");
        assert.ok(isGroupMember(emulator, account.id), "the group membership is left");
        assert.deepEqual(userIn(emulator, SALES, account.id).roleTemplateIds, [TEMPLATE.systemAdministrator], "the adopted association is left");
        assert.deepEqual(userIn(emulator, PRODUCTION, account.id).roleTemplateIds, [TEMPLATE.systemAdministrator]);
        const finance = userIn(emulator, FINANCE, account.id);
        assert.deepEqual(finance.roleTemplateIds, [], "the copy the stack associated is removed");
        assert.deepEqual(finance.childUnitRoleTemplateIds, [TEMPLATE.systemAdministrator], "the other business unit's copy is untouched");
    });

    it("4. a time-bound Global Administrator's delete ends only its own assignment, not one granted after it ended", async () => {
        await workspace.setConfig("d365-backup-access:elevationHours", "2");
        await workspace.run(["up", "--yes", "--skip-preview"]);
        assert.ok(rolesOf(emulator, account.id).includes(TEMPLATE.globalAdministrator), "elevated");

        emulator.advanceClock(3 * 3600);
        assert.ok(!rolesOf(emulator, account.id).includes(TEMPLATE.globalAdministrator), "the stack's own elevation ended");
        // Someone grants Global Administrator to the account again, by hand.
        emulator.mutate((tenant) => {
            tenant.directoryRoleAssignments.push({
                id: "0b0b0b0b-0000-4000-8000-00000000000b",
                principalId: account.id,
                roleDefinitionId: TEMPLATE.globalAdministrator,
                directoryScopeId: "/",
                startDateTime: new Date(emulator.now()).toISOString(),
                endDateTime: null,
            });
        });
        await workspace.setConfig("d365-backup-access:stage", "operational");
        emulator.clearRequests();
        const { stdout } = await workspace.run(["up", "--yes", "--skip-preview"]);
        assert.match(stdout, /through another assignment .* it is left in place/);
        assert.ok(rolesOf(emulator, account.id).includes(TEMPLATE.globalAdministrator), "the other assignment stays");
        const removals = emulator.requests().filter((r) => r.method === "POST" && /roleAssignmentScheduleRequests/.test(r.path));
        assert.deepEqual(removals, [], "no adminRemove was sent");
    });

    it("5. serviceAccount changed away from the operator's own identity is refused, with nothing changed", async () => {
        const seed = await loadSeed();
        const admin = seed.users.find((user: any) => user.userPrincipalName.startsWith("admin@"));
        const password = "admin-password-emulator-only";
        registerSecret(password);
        const tenant = await startEmulator({ ...seed, users: seed.users.map((u: any) => (u.id === admin.id ? { ...u, password } : u)) });
        const handover = await createWorkspace({
            stack: "handover",
            env: {
                ...withoutOperatorCredentials(tenant.env),
                // The Azure CLI, signed in as the admin (a test stand-in answering get-access-token).
                PATH: `${path.join(REPOSITORY, "test", "e2e", "support", "azure-cli")}${path.delimiter}${process.env.PATH}`,
                EMULATED_AZ_USER: admin.userPrincipalName,
                EMULATED_AZ_PASSWORD: password,
            },
        });
        try {
            // First the app registration manages the admin's access (the admin is the configured account).
            await handover.setConfig("azuread:clientId", tenant.env.ARM_CLIENT_ID);
            await handover.setConfig("azuread:clientSecret", tenant.env.ARM_CLIENT_SECRET, { secret: true });
            await handover.setConfig("d365-backup-access:serviceAccount", admin.userPrincipalName);
            await handover.setConfig("d365-backup-access:environments[0]", PRODUCTION, { path: true });
            await handover.setConfig("d365-backup-access:stage", "operational");
            await handover.setConfig("d365-backup-access:requireDynamicsLicense", "false");
            await handover.run(["up", "--yes", "--skip-preview"]);
            const before = { roles: rolesOf(tenant, admin.id), grants: await grantsInState(handover) };

            // Then the admin signs in itself (Azure CLI) and hands the stack to the backup account.
            await handover.run(["config", "rm", "azuread:clientId"]);
            await handover.run(["config", "rm", "azuread:clientSecret"]);
            await handover.setConfig("d365-backup-access:serviceAccount", account.userPrincipalName);
            tenant.clearRequests();
            for (const command of [["preview"], ["up", "--yes", "--skip-preview"]]) {
                const result = await handover.run(command, { allowFailure: true });
                assert.notEqual(result.code, 0, command.join(" "));
                const text = result.stdout + result.stderr;
                assert.match(text, new RegExp(`The stack's state holds \\d+ grant\\(s\\) to the operator's own identity \\(object id ${admin.id}`));
                assert.match(text, /directory-role-dynamics-365-administrator/);
                assert.match(text, /the operator would demote itself/);
            }
            assert.deepEqual(writes(tenant), [], "nothing was written to the tenant");
            assert.deepEqual(rolesOf(tenant, admin.id), before.roles);
            // (The engine records the azuread provider's new sign-in settings; no grant changes.)
            assert.deepEqual(await grantsInState(handover), before.grants, "the state's grants are unchanged");
        } finally {
            await tenant.stop();
            await handover.remove();
        }
    });
});
