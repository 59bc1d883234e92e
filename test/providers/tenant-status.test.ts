// The fleet's read of one tenant (fleet/tenant-status.ts) from a stack's configuration
// (fleet/stack-settings.ts), against the emulator: what the account holds, by the
// tenant's own answers, and nothing but reads.

import { strict as assert } from "assert";

import { stackSettings } from "../../fleet/stack-settings";
import { readTenantStatus } from "../../fleet/tenant-status";
import { ConfigError } from "../../lib/config";
import { ACCOUNT, baseSeed, dataverseEnvironment, environmentId, OPERATOR_APP_USER, stackConfig, SYSTEM_ADMINISTRATOR, withEmulator } from "./support/tenant";
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
                dataverseEnvironment(1, { systemUsers: [OPERATOR_APP_USER, { azureActiveDirectoryObjectId: ACCOUNT, accessMode: 0, roleTemplateIds: [SYSTEM_ADMINISTRATOR] }] }),
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

    it("lists roles without ends in a tenant without Entra ID P2, where nothing can be time-bound", async () => {
        const seed = baseSeed({ entraIdP2: false, directoryRoleAssignments: [{ principalId: ACCOUNT, roleDefinitionId: DYNAMICS_ADMINISTRATOR }] } as any);
        await withEmulator(seed, async (emulator) => {
            const { config, clientSettings } = settingsFor(emulator);
            const status = await readTenantStatus(config, clientSettings, () => undefined);
            assert.deepEqual(status.directoryRoles, [{ name: "Dynamics 365 Administrator", roleDefinitionId: DYNAMICS_ADMINISTRATOR, endDateTime: null }]);
            assert.ok(emulator.requests().some((entry) => /roleAssignmentScheduleInstances/.test(entry.path) && entry.status === 400), "PIM was asked and refused");
        });
    });

    it("says when the configured account does not exist in the tenant", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { config, clientSettings } = settingsFor(emulator, { "d365-backup-access:serviceAccount": "nobody@contoso.onmicrosoft.com" });
            const status = await readTenantStatus(config, clientSettings, () => undefined);
            assert.equal(status.accountObjectId, null);
            assert.deepEqual(status.environments.map((e) => [e.id, e.user, e.ok]), [[environmentId(1), false, false]]);
        });
    });

    it("refuses a misconfigured stack with every problem, the clients' included, before reading anything", () => {
        assert.throws(
            () =>
                stackSettings(
                    configMap({ "d365-backup-access:stage": "promote", "d365-backup-access:environments": '["*"]', "d365-backup-access:pollIntervalSeconds": "soon" }),
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
