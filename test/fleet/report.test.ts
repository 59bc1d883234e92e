import { strict as assert } from "assert";

import { formatTable } from "../../cli";
import {
    environmentLines,
    failureLines,
    formatChanges,
    formatRoles,
    formatSkipped,
    skippedLines,
    statusProblems,
    summaryLine,
    tableRows,
    TenantReport,
} from "../../fleet/report";
import { TenantStatus } from "../../fleet/tenant-status";
import { DYNAMICS_365_ADMINISTRATOR, GLOBAL_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR } from "../../lib/directory-roles";

const environment = (id: string, ok: boolean) => ({
    id,
    name: id,
    securityGroupId: null,
    user: ok,
    accessMode: ok ? "read-write" : null,
    disabled: false,
    systemAdministrator: ok,
    ok,
});

const tenantStatus: TenantStatus = {
    account: "backup@contoso.onmicrosoft.com",
    accountObjectId: "3b6c9d2e-4f5a-4b7c-8d9e-0f1a2b3c4d5e",
    directoryRoles: [
        { name: "Dynamics 365 Administrator", roleDefinitionId: "44367163-eba1-44c3-98af-f5787879f96a", endDateTime: null },
        { name: "Global Administrator", roleDefinitionId: "62e90394-69f5-4237-9190-012177145e10", endDateTime: "2026-12-01T14:00:00Z" },
    ],
    environments: [environment("a", true), environment("b", true), environment("c", false)],
    skipped: [],
};

/** As lib/environment-plan.ts lists them; status reads no state, so none is kept. */
const TEAMS = {
    id: "t1",
    displayName: "Marketing team",
    kind: "Teams",
    reasonCode: "teams",
    reason: "a Dataverse for Teams environment",
    kept: false,
} as const;
const PROVISIONING = {
    id: "p1",
    displayName: "Service",
    kind: "Production",
    reasonCode: "provisioning",
    reason: "its Dataverse database is still being provisioned",
    kept: false,
} as const;

const report = (overrides: Partial<TenantReport>): TenantReport => ({
    stack: "contoso",
    stage: "reauth",
    result: "ok",
    durationSeconds: 12.34,
    tenant: tenantStatus,
    logFile: "contoso.log",
    ...overrides,
});

describe("fleet report", () => {
    it("names directory roles with the end of a time-bound one", () => {
        assert.equal(formatRoles(tenantStatus), "Dynamics 365 Administrator, Global Administrator (until 2026-12-01 14:00 UTC)");
        assert.equal(formatRoles({ ...tenantStatus, directoryRoles: [] }), "none");
        assert.equal(formatRoles(null), "?");
    });

    it("adds Global Administrator held through a group or eligible in PIM, marked as not managed by the program", () => {
        const unmanaged = {
            throughGroups: ["Tier0 admins"],
            eligible: [
                { throughGroup: null, endDateTime: "2026-12-24T08:00:00Z" },
                { throughGroup: "PIM admins", endDateTime: null },
            ],
        };
        assert.equal(
            formatRoles({ ...tenantStatus, directoryRoles: tenantStatus.directoryRoles.slice(0, 1), unmanagedGlobalAdministrator: unmanaged }),
            "Dynamics 365 Administrator, Global Administrator through group Tier0 admins (not managed by this program), " +
                "Global Administrator eligible in PIM until 2026-12-24 08:00 UTC (not managed by this program), " +
                "Global Administrator eligible in PIM through group PIM admins (not managed by this program)",
        );
        assert.equal(formatRoles({ ...tenantStatus, directoryRoles: [], unmanagedGlobalAdministrator: { throughGroups: [], eligible: [] } }), "none");
        assert.equal(
            formatRoles({ ...tenantStatus, directoryRoles: [], unmanagedGlobalAdministrator: { throughGroups: [], eligible: [], error: "403" } }),
            "Global Administrator through groups or PIM: not read",
        );
    });

    it("lays out the status table: stage, roles, environments ok/total, skipped with their reason codes, drift, last update, result, duration", () => {
        const rows = tableRows("status", [
            report({
                drift: ["system-administrator-a"],
                lastUpdate: "2026-11-30T18:03:07.000Z",
                tenant: { ...tenantStatus, skipped: [TEAMS, PROVISIONING, { ...TEAMS, id: "t2" }] },
            }),
            report({
                stack: "fabrikam",
                stage: null,
                result: "failed",
                error: "cannot sign in",
                tenant: null,
                drift: null,
                lastUpdate: "2026-11-30T18:04:00Z",
                lastUpdateResult: "failed",
                durationSeconds: 1,
            }),
            report({ stack: "adatum", drift: [], lastUpdate: null }),
        ]);
        assert.equal(
            formatTable(rows),
            [
                "tenant    stage   directory roles                                                                environments ok  skipped                  drift                       last update                    result  duration",
                "--------  ------  -----------------------------------------------------------------------------  ---------------  -----------------------  --------------------------  -----------------------------  ------  --------",
                "contoso   reauth  Dynamics 365 Administrator, Global Administrator (until 2026-12-01 14:00 UTC)  2/3              3 (teams, provisioning)  1 (system-administrator-a)  2026-11-30 18:03 UTC           ok      12.3 s",
                "fabrikam  ?       ?                                                                              ?                ?                        ?                           2026-11-30 18:04 UTC (failed)  FAILED  1.0 s",
                "adatum    reauth  Dynamics 365 Administrator, Global Administrator (until 2026-12-01 14:00 UTC)  2/3              none                     none                        never                          ok      12.3 s",
            ].join("\n"),
        );
        assert.equal(formatSkipped(null), "?");
    });

    it("lists each tenant's skipped environments below the table with the reason code and why", () => {
        assert.deepEqual(
            skippedLines([
                report({ tenant: { ...tenantStatus, skipped: [TEAMS, PROVISIONING] } }),
                report({ stack: "fabrikam-eu", tenant: null }),
                report({ stack: "adatum" }),
            ]),
            [
                "contoso      Marketing team (t1) skipped [teams]: a Dataverse for Teams environment.",
                "contoso      Service (p1) skipped [provisioning]: its Dataverse database is still being provisioned.",
            ],
        );
    });

    describe("what status finds missing or drifted (the tenant then fails)", () => {
        it("is nothing when every environment to serve is ready and nothing drifted, whatever was skipped", () => {
            const ready = { ...tenantStatus, environments: [environment("a", true)], skipped: [TEAMS, PROVISIONING] };
            assert.equal(statusProblems(ready, []), undefined);
            assert.equal(statusProblems(ready, null), undefined, "a drift check that did not run is the check's own failure");
        });

        it("names each environment missing access with what it lacks, and what drifted", () => {
            const status = {
                ...tenantStatus,
                skipped: [TEAMS],
                environments: [
                    environment("a", true),
                    { ...environment("b", false), name: "Sales" },
                    { ...environment("c", false), name: "Ops", error: "Dataverse refuses the operator" },
                ],
            };
            assert.equal(
                statusProblems(status, ["system-administrator-a", "directory-role-power-platform-administrator"]),
                "missing: Sales (b): not a user; Ops (c): could not be read: Dataverse refuses the operator; drifted: system-administrator-a, directory-role-power-platform-administrator",
            );
            assert.equal(statusProblems({ ...status, environments: [environment("a", true)] }, ["system-administrator-a"]), "drifted: system-administrator-a");
        });

        it("does not fail on drift in a skipped environment the stack still holds", () => {
            const status = { ...tenantStatus, environments: [environment("a", true)], skipped: [{ ...PROVISIONING, id: "P1" }] };
            assert.equal(statusProblems(status, ["environment-user-p1", "system-administrator-p1"]), undefined);
            assert.equal(statusProblems(status, ["environment-user-p1", "system-administrator-a"]), "drifted: system-administrator-a");
        });

        it("names each directory role expected that the account does not hold", () => {
            const ready = { ...tenantStatus, environments: [environment("a", true)] };
            // tenantStatus holds Dynamics 365 Administrator and Global Administrator.
            assert.equal(statusProblems(ready, [], [DYNAMICS_365_ADMINISTRATOR, GLOBAL_ADMINISTRATOR]), undefined);
            assert.equal(
                statusProblems(ready, [], [DYNAMICS_365_ADMINISTRATOR, POWER_PLATFORM_ADMINISTRATOR]),
                "missing: directory role Power Platform Administrator",
            );
        });

        it("names an account the tenant does not know", () => {
            const unknown = { ...tenantStatus, accountObjectId: null, directoryRoles: [], environments: [environment("a", false)] };
            assert.equal(
                statusProblems(unknown, [], [POWER_PLATFORM_ADMINISTRATOR]),
                "missing: backup@contoso.onmicrosoft.com is not a user of the tenant; a (a): not a user",
            );
        });
    });

    it("lists the environments that are not ready, saying what is missing in each", () => {
        const status: TenantStatus = {
            ...tenantStatus,
            environments: [
                environment("ready", true),
                {
                    id: "e2",
                    name: "Sales",
                    securityGroupId: null,
                    user: true,
                    accessMode: "administrative",
                    disabled: false,
                    systemAdministrator: false,
                    ok: false,
                },
                { id: "e3", name: "Finance", securityGroupId: null, user: false, accessMode: null, disabled: false, systemAdministrator: false, ok: false },
                { id: "e4", name: "HR", securityGroupId: null, user: true, accessMode: "read-write", disabled: true, systemAdministrator: true, ok: false },
                {
                    id: "e5",
                    name: "Ops",
                    securityGroupId: null,
                    user: false,
                    accessMode: null,
                    disabled: false,
                    systemAdministrator: false,
                    ok: false,
                    error: "Dataverse refuses the operator\nmore",
                },
            ],
        };
        assert.deepEqual(environmentLines([report({ tenant: status }), report({ stack: "unread-tenant", tenant: null })]), [
            "contoso        Sales (e2): user, administrative, no System Administrator",
            "contoso        Finance (e3): not a user",
            "contoso        HR (e4): user (disabled), read-write, System Administrator",
            "contoso        Ops (e5): could not be read: Dataverse refuses the operator",
        ]);
    });

    it("names each failed tenant below the table with its reason and its log", () => {
        assert.deepEqual(failureLines([report({}), report({ stack: "fabrikam", result: "failed", error: "cannot sign in", logFile: "logs/fabrikam.log" })]), [
            "fabrikam: cannot sign in (log: logs/fabrikam.log)",
        ]);
    });

    it("lists an update's unconverged environments one per line under the tenant, then the other failed resources", () => {
        const failed = report({
            stack: "fabrikam",
            result: "failed",
            error: "did not converge: e1: refused; e2: not licensed; also failed: directory-role-power-platform-administrator: 403",
            logFile: "logs/fabrikam.log",
            notConverged: [
                { environmentId: "e1", resource: "environment-user-e1", reason: "refused" },
                { environmentId: "e2", resource: "system-administrator-e2", reason: "not licensed" },
            ],
            failedResources: [{ resource: "directory-role-power-platform-administrator", reason: "403" }],
        });
        assert.deepEqual(failureLines([failed, report({ stack: "adatum", notConverged: [], failedResources: [] })]), [
            "fabrikam: did not converge in 2 environments (log: logs/fabrikam.log)",
            "  e1: refused",
            "  e2: not licensed",
            "  also failed: directory-role-power-platform-administrator: 403",
        ]);
        // A failure that names no environment (a refused directory role alone) keeps its one line.
        assert.deepEqual(failureLines([report({ stack: "b", result: "failed", error: "403", notConverged: [], logFile: "b.log" })]), ["b: 403 (log: b.log)"]);
    });

    it("shows the stage move and the changes for preview and up", () => {
        const [header, row] = tableRows("up", [report({ stage: "operational", previousStage: "bootstrap", changes: { create: 1, delete: 1 } })]);
        assert.deepEqual(header, ["tenant", "stage", "directory roles", "environments ok", "changes", "result", "duration"]);
        assert.deepEqual(row.slice(1, 2).concat(row.slice(4)), ["bootstrap → operational", "+1 -1", "ok", "12.3 s"]);
        assert.equal(formatChanges({}), "none");
        assert.equal(formatChanges(null), "-");
    });

    it("lays out the check table without the tenant's columns (check reads no tenant)", () => {
        const rows = tableRows("check", [report({ stage: "operational", tenant: null }), report({ stack: "b", stage: null, tenant: null, result: "failed" })]);
        assert.deepEqual(rows, [
            ["tenant", "stage", "result", "duration"],
            ["contoso", "operational", "ok", "12.3 s"],
            ["b", "?", "FAILED", "12.3 s"],
        ]);
    });

    it("says what recover did per tenant before its changes", () => {
        const [header, row, other] = tableRows("recover", [
            report({
                stage: "operational",
                recovery: ["stale lock removed", "1 pending operation (creating directory-role-power-platform-administrator) cleared"],
                changes: { delete: 1 },
            }),
            report({ stack: "b", stage: "operational", recovery: null, changes: null, result: "failed" }),
        ]);
        assert.deepEqual(header, ["tenant", "stage", "directory roles", "environments ok", "recovery", "changes", "result", "duration"]);
        assert.deepEqual(row.slice(4), [
            "stale lock removed, 1 pending operation (creating directory-role-power-platform-administrator) cleared",
            "-1",
            "ok",
            "12.3 s",
        ]);
        assert.deepEqual(other.slice(4, 7), ["-", "-", "FAILED"]);
    });

    it("sums up: tenants ok, tenants per minute at the concurrency, the failed named", () => {
        const line = summaryLine({
            command: "up",
            concurrency: 2,
            durationSeconds: 30,
            tenants: [report({}), report({ stack: "b", result: "failed" })],
            failed: ["b"],
        });
        assert.equal(line, "1 of 2 tenants ok in 30.0 s (4.0 tenants per minute at concurrency 2); failed: b");
    });
});
