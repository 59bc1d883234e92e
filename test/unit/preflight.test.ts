import { strict as assert } from "assert";

import { parseConfig } from "../../lib/config";
import { preflight, PreflightError, TenantReader } from "../../lib/preflight";
import { summarizeDynamicsLicenses } from "../../providers";
import type { EnvironmentInfo, LicenseDetail } from "../../providers";

const ACCOUNT_ID = "5c1e2a9b-3f4d-4e5f-8a6b-7c8d9e0f1a2b";
const ENVIRONMENT: EnvironmentInfo = {
    id: "0f4c6a3e-1b2d-4c5e-8f7a-9b0c1d2e3f4a",
    displayName: "Production",
    sku: "Production",
    state: "Enabled",
    isDefault: false,
    provisioningState: "Succeeded",
    location: "europe",
    dataverse: { instanceUrl: "https://org.crm4.dynamics.com/", instanceApiUrl: undefined, uniqueName: undefined, domainName: undefined, version: undefined },
    securityGroupId: undefined,
};

function licence(sku: string, status: string): LicenseDetail {
    return {
        skuId: "00000000-0000-0000-0000-000000000001",
        skuPartNumber: sku,
        servicePlans: [{ servicePlanId: "00000000-0000-0000-0000-000000000002", servicePlanName: "DYN365_ENTERPRISE_P1", provisioningStatus: status, appliesTo: "User" }],
    };
}

function tenant(licences: LicenseDetail[], environments: EnvironmentInfo[] = [ENVIRONMENT]): TenantReader & { licenceLookups: string[] } {
    const licenceLookups: string[] = [];
    return {
        licenceLookups,
        listEnvironments: async () => environments,
        licenseDetails: async (id) => {
            licenceLookups.push(id);
            return licences;
        },
        summarizeLicenses: summarizeDynamicsLicenses,
        directoryRoleAssignments: async () => [],
        isGroupMember: async () => false,
    };
}

function config(extra: Record<string, string> = {}) {
    const values: Record<string, string> = { stage: "bootstrap", serviceAccount: "backup@contoso.onmicrosoft.com", environments: '["*"]', ...extra };
    return parseConfig((key) => values[key]);
}

const silent = () => undefined;

describe("preflight", () => {
    it("passes a licensed account and plans the environments, looking the licence up by object id", async () => {
        const reader = tenant([licence("DYN365_ENTERPRISE_PLAN1", "Success")]);
        const report = await preflight(config(), ACCOUNT_ID, reader, silent);
        assert.deepEqual(report.dynamicsLicenses, ["DYN365_ENTERPRISE_PLAN1"]);
        assert.deepEqual(report.environments.targets.map((t) => t.id), [ENVIRONMENT.id]);
        assert.deepEqual(reader.licenceLookups, [ACCOUNT_ID]);
    });

    it("reports tenant-wide role assignments and group memberships the account already holds", async () => {
        const group = "99999999-9999-4999-8999-999999999999";
        const restricted: EnvironmentInfo = { ...ENVIRONMENT, securityGroupId: group };
        const reader = {
            ...tenant([licence("DYN365_ENTERPRISE_PLAN1", "Success")], [restricted]),
            directoryRoleAssignments: async () => [
                { id: "assignment-1", roleDefinitionId: "44367163-EBA1-44C3-98AF-F5787879F96A", directoryScopeId: "/" },
                { id: "assignment-2", roleDefinitionId: "62e90394-69f5-4237-9190-012177145e10", directoryScopeId: "/administrativeUnits/x" },
            ],
            isGroupMember: async (groupId: string, memberId: string) => groupId === group && memberId === ACCOUNT_ID,
        };
        const report = await preflight(config(), ACCOUNT_ID, reader, silent);
        assert.deepEqual(report.existing, {
            roleAssignmentIds: { "44367163-eba1-44c3-98af-f5787879f96a": "assignment-1" },
            groupMemberships: [group],
        });
    });

    it("warns when no environment is left to back up", async () => {
        const report = await preflight(config(), ACCOUNT_ID, tenant([licence("DYN365_ENTERPRISE_PLAN1", "Success")], []), silent);
        assert.match(report.warnings.join("\n"), /No environment with Dataverse was found/);
    });

    it("says to wait when the licence is assigned but not provisioned yet", async () => {
        await assert.rejects(preflight(config(), ACCOUNT_ID, tenant([licence("DYN365_ENTERPRISE_PLAN1", "PendingProvisioning")]), silent), (error: unknown) => {
            assert.ok(error instanceof PreflightError);
            assert.match(error.message, /DYN365_ENTERPRISE_PLAN1 assigned, but its Dynamics 365 service plans are not provisioned yet/);
            return true;
        });
    });

    it("turns a missing licence into a warning when requireDynamicsLicense is false", async () => {
        const report = await preflight(config({ requireDynamicsLicense: "false" }), ACCOUNT_ID, tenant([]), silent);
        assert.equal(report.warnings.length, 1);
        assert.match(report.warnings[0], /has no Dynamics 365 licence/);
    });

    it("reports environment and licence problems together", async () => {
        const unknown = "44444444-4444-4444-8444-444444444444";
        await assert.rejects(preflight(config({ environments: JSON.stringify([unknown]) }), ACCOUNT_ID, tenant([]), silent), (error: unknown) => {
            assert.ok(error instanceof PreflightError);
            assert.equal(error.problems.length, 2);
            assert.match(error.message, /nothing was changed/);
            return true;
        });
    });
});
