// The fleet's read of one tenant (fleet/tenant-status.ts) from a stack's configuration
// (fleet/stack-settings.ts), against the emulator: what the account holds, by the
// tenant's own answers, and nothing but reads.

import { strict as assert } from "assert";

import { stackSettings } from "../../fleet/stack-settings";
import { readTenantStatus } from "../../fleet/tenant-status";
import { ConfigError } from "../../lib/config";
import { ACCOUNT, baseSeed, dataverseEnvironment, environmentId, OPERATOR_APP_USER, stackConfig, SYSTEM_ADMINISTRATOR, withEmulator } from "../support/tenant";
import { RunningEmulator } from "../../emulator";

const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const DYNAMICS_ADMINISTRATOR = "44367163-eba1-44c3-98af-f5787879f96a";

function configMap(values: Record<string, string>) {
    return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, secret: key === "azuread:clientSecret" }]));
}

function settingsFor(emulator: RunningEmulator, extra: Record<string, string> = {}) {
    return stackSettings(
        configMap({
            ...stackConfig(emulator),
            "d365-backup-access:stage": "operational",
            "d365-backup-access:serviceAccount": "backup@contoso.onmicrosoft.com",
            "d365-backup-access:environments": '["*"]',
            ...extra,
        }),
        {},
    );
}

const writes = (emulator: RunningEmulator) => emulator.requests().filter((entry) => entry.method !== "GET" && entry.service !== "login");

describe("fleet: one tenant's status, read from the tenant", () => {
    it("names the account's roles with the end of a time-bound one, and per environment user, access mode and System Administrator", async () => {
        const end = new Date(Date.now() + 3600_000).toISOString();
        const seed = baseSeed({
            directoryRoleAssignments: [
                { principalId: ACCOUNT, roleDefinitionId: DYNAMICS_ADMINISTRATOR },
                { principalId: ACCOUNT, roleDefinitionId: GLOBAL_ADMINISTRATOR, startDateTime: new Date().toISOString(), endDateTime: end },
            ],
            environments: [
                dataverseEnvironment(1, {
                    systemUsers: [OPERATOR_APP_USER, { azureActiveDirectoryObjectId: ACCOUNT, accessMode: 0, roleTemplateIds: [SYSTEM_ADMINISTRATOR] }],
                }),
                dataverseEnvironment(2, { systemUsers: [OPERATOR_APP_USER, { azureActiveDirectoryObjectId: ACCOUNT, accessMode: 1, roleTemplateIds: [] }] }),
                dataverseEnvironment(3),
                // Dataverse refuses the operator here: reported, and the operator is not made an application user.
                dataverseEnvironment(4, { systemUsers: [] }),
                { id: environmentId(5), displayName: "No Dataverse", sku: "Production", dataverse: false },
            ],
        } as any);
        await withEmulator(seed, async (emulator) => {
            const { config, clientSettings } = settingsFor(emulator);
            const status = await readTenantStatus(config, clientSettings, () => undefined);
            assert.equal(status.accountObjectId, ACCOUNT);
            assert.deepEqual(
                status.directoryRoles.map((role) => [role.name, role.endDateTime && new Date(role.endDateTime).toISOString()]),
                [
                    ["Dynamics 365 Administrator", null],
                    ["Global Administrator", end],
                ],
            );
            assert.deepEqual(
                status.environments.map((e) => [e.id, e.user, e.accessMode, e.systemAdministrator, e.ok]),
                [
                    [environmentId(1), true, "read-write", true, true],
                    [environmentId(2), true, "administrative", false, false],
                    [environmentId(3), false, null, false, false],
                    [environmentId(4), false, null, false, false],
                ],
            );
            assert.match(status.environments[3].error ?? "", /Dataverse refuses the operator's application/);
            assert.deepEqual(writes(emulator), [], "reading the tenant wrote to it");
        });
    });

    it("reports Global Administrator held through a role-assignable group or eligible in PIM, which the program does not manage", async () => {
        const OTHER_USER = "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b";
        const TIER0 = "1a2b3c4d-0000-4000-8000-000000000001";
        const PIM_ADMINS = "1a2b3c4d-0000-4000-8000-000000000002";
        const NOT_MINE = "1a2b3c4d-0000-4000-8000-000000000003";
        const PLAIN = "1a2b3c4d-0000-4000-8000-000000000004";
        const eligibleUntil = new Date(Date.now() + 7 * 86400_000).toISOString();
        const seed = baseSeed({
            users: [...baseSeed().users!, { id: OTHER_USER, userPrincipalName: "admin@contoso.onmicrosoft.com" }],
            groups: [
                { id: TIER0, displayName: "Tier0 admins", isAssignableToRole: true, members: [ACCOUNT] },
                { id: PIM_ADMINS, displayName: "PIM admins", isAssignableToRole: true, members: [ACCOUNT] },
                { id: NOT_MINE, displayName: "Other admins", isAssignableToRole: true, members: [OTHER_USER] },
                { id: PLAIN, displayName: "Plain group", members: [ACCOUNT] },
            ],
            directoryRoleAssignments: [
                { principalId: ACCOUNT, roleDefinitionId: DYNAMICS_ADMINISTRATOR },
                { principalId: TIER0, roleDefinitionId: GLOBAL_ADMINISTRATOR },
                { principalId: PIM_ADMINS, roleDefinitionId: DYNAMICS_ADMINISTRATOR },
                { principalId: NOT_MINE, roleDefinitionId: GLOBAL_ADMINISTRATOR },
            ],
            roleEligibilitySchedules: [
                { principalId: ACCOUNT, roleDefinitionId: GLOBAL_ADMINISTRATOR, endDateTime: eligibleUntil },
                { principalId: PIM_ADMINS, roleDefinitionId: GLOBAL_ADMINISTRATOR },
                { principalId: OTHER_USER, roleDefinitionId: GLOBAL_ADMINISTRATOR },
                { principalId: ACCOUNT, roleDefinitionId: DYNAMICS_ADMINISTRATOR },
            ],
        } as any);
        await withEmulator(seed, async (emulator) => {
            const { config, clientSettings } = settingsFor(emulator);
            const status = await readTenantStatus(config, clientSettings, () => undefined);
            assert.deepEqual(
                status.directoryRoles.map((role) => role.name),
                ["Dynamics 365 Administrator"],
                "only direct assignments are the account's roles",
            );
            assert.deepEqual(status.unmanagedGlobalAdministrator, {
                throughGroups: ["Tier0 admins"],
                eligible: [
                    { throughGroup: null, endDateTime: eligibleUntil },
                    { throughGroup: "PIM admins", endDateTime: null },
                ],
            });
            assert.deepEqual(writes(emulator), [], "reading the tenant wrote to it");
        });
    });

    it("lists roles without ends in a tenant without Entra ID P2, where nothing can be time-bound", async () => {
        const seed = baseSeed({ entraIdP2: false, directoryRoleAssignments: [{ principalId: ACCOUNT, roleDefinitionId: DYNAMICS_ADMINISTRATOR }] } as any);
        await withEmulator(seed, async (emulator) => {
            const { config, clientSettings } = settingsFor(emulator);
            const status = await readTenantStatus(config, clientSettings, () => undefined);
            assert.deepEqual(status.directoryRoles, [{ name: "Dynamics 365 Administrator", roleDefinitionId: DYNAMICS_ADMINISTRATOR, endDateTime: null }]);
            assert.deepEqual(status.unmanagedGlobalAdministrator, { throughGroups: [], eligible: [] }, "without PIM nothing is eligible");
            assert.ok(
                emulator.requests().some((entry) => /roleAssignmentScheduleInstances/.test(entry.path) && entry.status === 400),
                "PIM was asked and refused",
            );
        });
    });

    it("says when the configured account does not exist in the tenant", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { config, clientSettings } = settingsFor(emulator, { "d365-backup-access:serviceAccount": "nobody@contoso.onmicrosoft.com" });
            const status = await readTenantStatus(config, clientSettings, () => undefined);
            assert.equal(status.accountObjectId, null);
            assert.deepEqual(
                status.environments.map((e) => [e.id, e.user, e.ok]),
                [[environmentId(1), false, false]],
            );
        });
    });

    it("refuses a misconfigured stack with every problem, the clients' included, before reading anything", () => {
        assert.throws(
            () =>
                stackSettings(
                    configMap({
                        "d365-backup-access:stage": "promote",
                        "d365-backup-access:environments": '["*"]',
                        "d365-backup-access:pollIntervalSeconds": "soon",
                    }),
                    {},
                ),
            (error: unknown) =>
                error instanceof ConfigError &&
                /"promote" is not a stage/.test(error.message) &&
                /serviceAccount is not set/.test(error.message) &&
                /pollIntervalSeconds: "soon" is not a number of seconds/.test(error.message),
        );
    });
});
