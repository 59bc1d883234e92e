import { strict as assert } from "assert";

import { parseConfig } from "../../lib/config";
import { preflight, PreflightError, TenantReader } from "../../lib/preflight";
import { summarizeDynamicsLicenses } from "../../providers";
import type { EnvironmentInfo, LicenseDetail } from "../../providers";

const ACCOUNT_ID = "5c1e2a9b-3f4d-4e5f-8a6b-7c8d9e0f1a2b";
const OPERATOR_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
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
        servicePlans: [
            { servicePlanId: "00000000-0000-0000-0000-000000000002", servicePlanName: "DYN365_ENTERPRISE_P1", provisioningStatus: status, appliesTo: "User" },
        ],
    };
}

interface FakeTenant extends TenantReader {
    licenceLookups: string[];
    scheduleLookups: string[];
}

function tenant(licences: LicenseDetail[], environments: EnvironmentInfo[] = [ENVIRONMENT], extra: Partial<TenantReader> = {}): FakeTenant {
    const licenceLookups: string[] = [];
    const scheduleLookups: string[] = [];
    return {
        licenceLookups,
        scheduleLookups,
        listEnvironments: async () => environments,
        readEnvironment: async () => undefined,
        licenseDetails: async (id) => {
            licenceLookups.push(id);
            return licences;
        },
        summarizeLicenses: summarizeDynamicsLicenses,
        directoryRoleAssignments: async () => [],
        isGroupMember: async () => false,
        activeRoleSchedules: async (id) => {
            scheduleLookups.push(id);
            return [];
        },
        operatorObjectId: async () => OPERATOR_ID,
        ...extra,
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
        assert.deepEqual(
            report.environments.targets.map((t) => t.id),
            [ENVIRONMENT.id],
        );
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

    describe("environments the state serves", () => {
        const GONE = "a0000099-0000-4000-8000-000000000099";
        const MISSED = "a0000098-0000-4000-8000-000000000098";
        const licensed = () => [licence("DYN365_ENTERPRISE_PLAN1", "Success")];

        it("asks BAP for each served environment the listing lacks: a 404 is reported as deleted, an answer is served", async () => {
            const asked: string[] = [];
            const missed: EnvironmentInfo = { ...ENVIRONMENT, id: MISSED, displayName: "Missed by the listing" };
            const reader = tenant(licensed(), [ENVIRONMENT], {
                readEnvironment: async (id) => {
                    asked.push(id);
                    return id === MISSED ? missed : undefined;
                },
            });
            const inState = new Map([
                [GONE, { user: true, role: true, roleKeepsUser: false, displayName: "Pilot" }],
                [MISSED, { user: true, role: true, roleKeepsUser: false }],
                [ENVIRONMENT.id, { user: true, role: true, roleKeepsUser: false }],
            ]);
            const lines: string[] = [];
            const report = await preflight(config(), ACCOUNT_ID, reader, (line) => lines.push(line), [], inState);
            assert.deepEqual(asked.sort(), [GONE, MISSED].sort(), "only the served environments the listing lacks are asked for");
            assert.deepEqual(report.environments.targets.map((t) => t.id).sort(), [ENVIRONMENT.id, MISSED].sort());
            assert.deepEqual(
                report.environments.skipped.map((s) => [s.id, s.displayName, s.reasonCode]),
                [[GONE, "Pilot", "deleted"]],
            );
            assert.match(lines.join("\n"), /1 skipped \(deleted 1\)/);
        });

        it("adopts the membership of a held environment's security group instead of leaving it out", async () => {
            const group = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f";
            const disabled: EnvironmentInfo = { ...ENVIRONMENT, state: "Disabled", securityGroupId: group };
            const asked: string[] = [];
            const reader = tenant(licensed(), [disabled], { isGroupMember: async (id) => (asked.push(id), true) });
            const report = await preflight(
                config(),
                ACCOUNT_ID,
                reader,
                silent,
                [],
                new Map([[ENVIRONMENT.id, { user: true, role: true, roleKeepsUser: false }]]),
            );
            assert.deepEqual(
                report.environments.held.map((h) => h.id),
                [ENVIRONMENT.id],
            );
            assert.deepEqual(asked, [group]);
            assert.deepEqual(report.existing.groupMemberships, [group]);
        });
    });

    describe("guard rails", () => {
        const licensed = () => [licence("DYN365_ENTERPRISE_PLAN1", "Success")];

        it("refuses a service account that is the operator's own identity, before anything changes", async () => {
            const reader = tenant(licensed(), [ENVIRONMENT], { operatorObjectId: async () => ACCOUNT_ID.toUpperCase() });
            await assert.rejects(preflight(config(), ACCOUNT_ID, reader, silent), (error: unknown) => {
                assert.ok(error instanceof PreflightError);
                assert.match(error.message, /d365-backup-access:serviceAccount: backup@contoso\.onmicrosoft\.com is the operator's own identity/);
                assert.match(error.message, /would demote itself/);
                return true;
            });
        });

        it("refuses a Graph token without an oid claim: the guard cannot be skipped, and nothing else is read", async () => {
            const reader = tenant(licensed(), [ENVIRONMENT], { operatorObjectId: async () => undefined });
            await assert.rejects(preflight(config(), ACCOUNT_ID, reader, silent), (error: unknown) => {
                assert.ok(error instanceof PreflightError);
                assert.match(error.message, /The operator's Microsoft Graph token has no oid \(object id\) claim/);
                assert.match(error.message, /Sign in as an identity whose tokens carry it/);
                return true;
            });
            assert.deepEqual(reader.licenceLookups, []);
        });

        it("refuses when the state holds grants to the operator and the configured account is another one", async () => {
            const urn =
                "urn:pulumi:contoso::d365-backup-access::d365-backup-access:index:ServiceAccountAccess$azuread:index/groupMember:GroupMember::security-group-member-g";
            const grants = [
                { principalId: OPERATOR_ID.toLowerCase(), urn },
                { principalId: ACCOUNT_ID, urn: "urn:x::other" },
            ];
            await assert.rejects(preflight(config(), ACCOUNT_ID, tenant(licensed()), silent, grants), (error: unknown) => {
                assert.ok(error instanceof PreflightError);
                assert.match(error.message, /state holds 1 grant\(s\) to the operator's own identity/);
                assert.match(error.message, /security-group-member-g/);
                assert.match(error.message, /serviceAccount is now backup@contoso\.onmicrosoft\.com/);
                return true;
            });
            // The account's own grants in the state are no obstacle.
            await preflight(config(), ACCOUNT_ID, tenant(licensed()), silent, [{ principalId: ACCOUNT_ID, urn }]);
        });

        it("reads PIM only when Global Administrator is to be time-bound in this stage", async () => {
            const reader = tenant(licensed());
            await preflight(config({ stage: "operational", elevationHours: "2" }), ACCOUNT_ID, reader, silent);
            await preflight(config({ stage: "bootstrap" }), ACCOUNT_ID, reader, silent);
            assert.deepEqual(reader.scheduleLookups, []);
            await preflight(config({ stage: "reauth", elevationHours: "2" }), ACCOUNT_ID, reader, silent);
            assert.deepEqual(reader.scheduleLookups, [ACCOUNT_ID]);
        });

        it("names the Entra ID P2 licence and the alternative when the tenant has no PIM", async () => {
            const noP2 = Object.assign(new Error("Microsoft Graph refused PIM: The tenant needs an AAD Premium 2 license."), {
                name: "D365BackupAccessError",
                kind: "configuration",
                code: "AadPremiumLicenseRequired",
                status: 400,
            });
            const reader = tenant(licensed(), [ENVIRONMENT], { activeRoleSchedules: async () => Promise.reject(noP2) });
            await assert.rejects(preflight(config({ elevationHours: "2" }), ACCOUNT_ID, reader, silent), (error: unknown) => {
                assert.ok(error instanceof PreflightError);
                assert.match(error.message, /elevationHours is set, but the tenant has no Microsoft Entra ID P2 \(Graph answered AadPremiumLicenseRequired\)/);
                assert.match(error.message, /unset d365-backup-access:elevationHours/);
                return true;
            });
        });

        it("warns that a permanent Global Administrator will be made time-bound", async () => {
            const permanent = { id: "a", roleDefinitionId: GLOBAL_ADMINISTRATOR, directoryScopeId: "/", startDateTime: null, endDateTime: null };
            const reader = tenant(licensed(), [ENVIRONMENT], { activeRoleSchedules: async () => [permanent] });
            const report = await preflight(config({ elevationHours: "3" }), ACCOUNT_ID, reader, silent);
            assert.equal(report.warnings.length, 1);
            assert.match(report.warnings[0], /holds Global Administrator permanently; the update makes it end in 3 h/);
            const timeBound = { ...permanent, endDateTime: "2026-12-01T10:00:00Z" };
            const quiet = await preflight(
                config({ elevationHours: "3" }),
                ACCOUNT_ID,
                tenant(licensed(), [ENVIRONMENT], { activeRoleSchedules: async () => [timeBound] }),
                silent,
            );
            assert.deepEqual(quiet.warnings, []);
        });
    });
});
