// The doctor's judgements on tenant snapshots no emulator run reaches (a signed-in user
// as operator, a permission granted but refused, a pending licence, …). (Its command
// line: test/doctor/index.test.ts; its text report: test/doctor/report.test.ts.)

import { strict as assert } from "assert";

import { CheckResult } from "../../doctor/check-result";
import { CheckContext, evaluate } from "../../doctor/checks";
import { renderJson, renderText } from "../../doctor/report";
import { OperatorIdentity, TenantSnapshot } from "../../doctor/tenant-reads";
import { ProgramConfig } from "../../lib/config";
import { EnvironmentSelectionError, planEnvironments } from "../../lib/environment-plan";
import { accessError, EnvironmentInfo } from "../../providers";

const OPERATOR_ID = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const CLIENT_ID = "0c7d2a91-5e3f-4b6a-8c1d-9e2f3a4b5c6d";
const ACCOUNT_ID = "3b6c9d2e-4f5a-4b7c-8d9e-0f1a2b3c4d5e";
const ENVIRONMENT = { id: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", displayName: "Contoso Production" };
const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const SYSTEM_ADMINISTRATOR = "627090ff-40a3-4053-8790-584edc5be201";
const DYNAMICS_PLAN = { servicePlanId: "p", servicePlanName: "DYN365_ENTERPRISE_PLAN1", appliesTo: "User" };

const config: ProgramConfig = {
    stage: "bootstrap",
    serviceAccount: { kind: "userPrincipalName", userPrincipalName: "backup@contoso.onmicrosoft.com" },
    environments: { kind: "all", exclude: [] },
    cloud: "public",
    requireDynamicsLicense: true,
};
const context: CheckContext = { config, credential: "client secret of application x", addOperatorAppUser: true, elevation: false };

const application: OperatorIdentity = {
    kind: "application",
    clientId: CLIENT_ID,
    objectId: OPERATOR_ID,
    grantedPermissions: ["RoleManagement.ReadWrite.Directory", "User.Read.All", "GroupMember.ReadWrite.All"],
};
const user: OperatorIdentity = { kind: "user", clientId: undefined, objectId: OPERATOR_ID, grantedPermissions: undefined };

const ok = <T>(value: T) => ({ ok: true as const, value });
const failed = (error: unknown) => ({ ok: false as const, error });
const forbidden = (what: string) => accessError("api", { what, status: 403, code: "Authorization_RequestDenied", fix: "grant it." });

/** A tenant where everything is in place; `change` spoils one part. */
function snapshot(operator: OperatorIdentity, change: Partial<TenantSnapshot> = {}): TenantSnapshot {
    return {
        signIn: ok(operator),
        operatorRoles: ok([{ id: "a", roleDefinitionId: GLOBAL_ADMINISTRATOR, directoryScopeId: "/" }]),
        account: ok({ id: ACCOUNT_ID, userPrincipalName: "backup@contoso.onmicrosoft.com", displayName: "Backup", accountEnabled: true }),
        licences: ok([{ skuId: "s", skuPartNumber: "DYN365_ENTERPRISE_PLAN1", servicePlans: [{ ...DYNAMICS_PLAN, provisioningStatus: "Success" }] }]),
        unmanagedGlobalAdministrator: ok({ throughGroups: [], eligible: [] }),
        environments: ok([]),
        plan: ok({ targets: [{ ...ENVIRONMENT, instanceUrl: "https://contoso.crm4.dynamics.com/", securityGroupId: undefined }], skipped: [], held: [] }),
        memberships: new Map(),
        dataverse: [
            {
                environment: ENVIRONMENT,
                access: ok({
                    user: {} as never,
                    roles: [{ roleId: "r", name: "System Administrator", templateId: SYSTEM_ADMINISTRATOR, businessUnitId: "b" }],
                }),
            },
        ],
        ...change,
    };
}

/** A BAP environment as the program reads it: an ordinary Production one with Dataverse unless `change` says otherwise. */
function bapEnvironment(id: string, displayName: string, change: Partial<EnvironmentInfo> = {}): EnvironmentInfo {
    return {
        id,
        displayName,
        sku: "Production",
        state: "Enabled",
        isDefault: false,
        provisioningState: "Succeeded",
        managementState: "Ready",
        instanceState: "Ready",
        location: "europe",
        dataverse: {
            instanceUrl: `https://${id.slice(0, 8)}.crm4.dynamics.com/`,
            instanceApiUrl: undefined,
            uniqueName: undefined,
            domainName: undefined,
            version: undefined,
        },
        securityGroupId: undefined,
        ...change,
    };
}

const find = (checks: CheckResult[], id: string): CheckResult => {
    const found = checks.find((check) => check.id === id);
    assert.ok(found, `no check ${id}: ${checks.map((c) => c.id).join(", ")}`);
    return found;
};

describe("doctor checks", () => {
    it("passes a well-set-up application operator, GroupMember.ReadWrite.All included though no group is in play", () => {
        const checks = evaluate(context, snapshot(application));
        assert.deepEqual(
            checks.filter((c) => c.status !== "ok").map((c) => c.id),
            [],
        );
        assert.match(find(checks, "directory-role").detail, /holds Global Administrator/);
    });

    it("only warns about a missing GroupMember.ReadWrite.All while no environment is restricted to a group", () => {
        const checks = evaluate(context, snapshot({ ...application, grantedPermissions: ["RoleManagement.ReadWrite.Directory", "Directory.Read.All"] }));
        const group = find(checks, "graph-permission:GroupMember.ReadWrite.All");
        assert.equal(group.status, "warn");
        assert.match(group.detail, /no environment to back up is restricted to a security group today/);
        assert.equal(find(checks, "graph-permission:User.Read.All").status, "ok", "Directory.Read.All includes User.Read.All");
    });

    it("fails a permission the token holds when Graph still refuses the read that needs it", () => {
        const checks = evaluate(
            context,
            snapshot(application, { operatorRoles: failed(forbidden("Microsoft Graph refused read the account's directory roles")) }),
        );
        const roles = find(checks, "graph-permission:RoleManagement.ReadWrite.Directory");
        assert.equal(roles.status, "fail");
        assert.match(roles.detail, /^granted in the token, but Graph refused reading directory role assignments/);
        assert.match(roles.fix!, /Grant admin consent/);
        assert.equal(find(checks, "directory-role").status, "fail");
        assert.match(find(checks, "directory-role").fix!, /grant RoleManagement\.ReadWrite\.Directory first/);
    });

    it("judges a signed-in user by the reads alone, and sends it to the admin center for Dataverse", () => {
        const refused = accessError("operator-access", {
            what: "Dataverse refuses the signed-in operator (a user): The user is not a member of the organization",
            environmentId: ENVIRONMENT.id,
            fix: "x",
        });
        const checks = evaluate(context, snapshot(user, { dataverse: [{ environment: ENVIRONMENT, access: failed(refused) }] }));
        assert.match(find(checks, "graph-permission:User.Read.All").detail, /works \(a signed-in user, through their directory roles\)/);
        assert.equal(find(checks, "graph-permission:GroupMember.ReadWrite.All").status, "skip");
        assert.equal(find(checks, "power-platform").title, "Power Platform administrator");
        const dataverse = find(checks, `dataverse:${ENVIRONMENT.id}`);
        assert.equal(dataverse.status, "fail");
        assert.match(dataverse.fix!, /Users → the operator → Manage security roles → System Administrator/);
    });

    it("fails an application user without System Administrator, and an environment Dataverse cannot be reached in", () => {
        const noRole = evaluate(context, snapshot(application, { dataverse: [{ environment: ENVIRONMENT, access: ok({ user: {} as never, roles: [] }) }] }));
        assert.match(find(noRole, `dataverse:${ENVIRONMENT.id}`).detail, /application user lacks System Administrator/);
        const network = accessError("api", { what: "Cannot reach the Dataverse for x: connect ECONNREFUSED", fix: "check the network." });
        const unreachable = evaluate(context, snapshot(application, { dataverse: [{ environment: ENVIRONMENT, access: failed(network) }] }));
        const check = find(unreachable, `dataverse:${ENVIRONMENT.id}`);
        assert.equal(check.status, "fail");
        assert.match(check.detail, /^not reachable: Cannot reach the Dataverse/);
        assert.equal(check.fix, "check the network.");
    });

    it("warns about a licence still provisioning, and about none when the licence is not required", () => {
        const pending = evaluate(
            context,
            snapshot(application, {
                licences: ok([
                    { skuId: "s", skuPartNumber: "DYN365_ENTERPRISE_PLAN1", servicePlans: [{ ...DYNAMICS_PLAN, provisioningStatus: "PendingProvisioning" }] },
                ]),
            }),
        );
        assert.equal(find(pending, "licence").status, "warn");
        assert.match(find(pending, "licence").detail, /not provisioned yet/);
        const optional = evaluate({ ...context, config: { ...config, requireDynamicsLicense: false } }, snapshot(application, { licences: ok([]) }));
        assert.equal(find(optional, "licence").status, "warn");
    });

    it("warns of Global Administrator through a group or eligible in PIM, saying the program does not manage it", () => {
        const tier0 = { id: "1a2b3c4d-0000-4000-8000-000000000001", displayName: "Tier0 admins" };
        const checks = evaluate(
            context,
            snapshot(application, {
                unmanagedGlobalAdministrator: ok({ throughGroups: [], eligible: [{ throughGroup: tier0, endDateTime: "2027-01-01T00:00:00Z" }] }),
            }),
        );
        const check = find(checks, "unmanaged-global-administrator");
        assert.equal(check.status, "warn");
        assert.equal(
            check.detail,
            `backup@contoso.onmicrosoft.com holds Global Administrator eligible in PIM through the group Tier0 admins (${tier0.id}) until 2027-01-01T00:00:00Z. ` +
                "The program does not manage these: no stage grants or removes them",
        );
        assert.equal(
            check.fix,
            "if not intended, Microsoft Entra admin center → Identity → Roles & admins → Global Administrator → Eligible assignments → remove the account's (or its group's) eligibility.",
        );
        assert.equal(find(evaluate(context, snapshot(application)), "unmanaged-global-administrator").status, "ok");
        const unread = find(
            evaluate(context, snapshot(application, { unmanagedGlobalAdministrator: failed(forbidden("Graph refused reading the account's groups")) })),
            "unmanaged-global-administrator",
        );
        assert.equal(unread.status, "warn");
        assert.match(unread.detail, /^could not be read: Graph refused reading the account's groups/);
        assert.equal(
            find(evaluate(context, snapshot(application, { unmanagedGlobalAdministrator: undefined })), "unmanaged-global-administrator").status,
            "skip",
        );
    });

    it("fails configured environments the tenant does not have, in the program's words", () => {
        const problems = ["d365-backup-access:environments: 9 is not an environment of this tenant; check the id."];
        const checks = evaluate(context, snapshot(application, { plan: failed(new EnvironmentSelectionError(problems)), dataverse: [] }));
        assert.equal(find(checks, "environments").status, "fail");
        assert.equal(find(checks, "environments").detail, problems[0]);
    });

    it("counts the skipped environments by reason code, and lists each with its reason for machines", () => {
        const environments = [
            bapEnvironment("11111111-1111-4111-8111-111111111111", "Contoso Production"),
            bapEnvironment("22222222-2222-4222-8222-222222222222", "Contoso Sales", { securityGroupId: "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f" }),
            bapEnvironment("33333333-3333-4333-8333-333333333333", "Projects (Teams)", {
                sku: "Teams",
                securityGroupId: "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f8a",
            }),
            bapEnvironment("44444444-4444-4444-8444-444444444444", "Contoso Service", {
                provisioningState: "LinkedDatabaseProvisioning",
                instanceState: "NotReady",
                managementState: "Running",
            }),
            bapEnvironment("55555555-5555-4555-8555-555555555555", "Marketing (Teams)", {
                sku: "Teams",
                securityGroupId: "6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b",
            }),
        ];
        const plan = planEnvironments({ kind: "all", exclude: [] }, environments);
        const checks = evaluate(context, snapshot(application, { environments: ok(environments), plan: ok(plan), dataverse: [] }));
        const check = find(checks, "environments");
        assert.equal(check.status, "ok");
        // The codes in their own order (teams before provisioning), whatever the tenant's order.
        assert.equal(check.detail, "2 to serve, 1 restricted to a security group; 3 skipped: teams 2, provisioning 1");
        assert.deepEqual(
            check.skippedEnvironments!.map((entry) => [entry.displayName, entry.kind, entry.reasonCode]),
            [
                ["Projects (Teams)", "Teams", "teams"],
                ["Contoso Service", "Production", "provisioning"],
                ["Marketing (Teams)", "Teams", "teams"],
            ],
        );
        assert.match(check.skippedEnvironments![0].reason, /^a Dataverse for Teams environment: Microsoft gives no Web API access/);
        assert.match(check.skippedEnvironments![1].reason, /still being provisioned \(provisioningState LinkedDatabaseProvisioning\); the next update adds it/);

        // JSON carries each skipped environment; the text report stays one line for the check.
        const report = { stack: "contoso", checks };
        const json = JSON.parse(renderJson([report])).stacks[0].checks.find((c: CheckResult) => c.id === "environments");
        assert.deepEqual(json.skippedEnvironments, JSON.parse(JSON.stringify(plan.skipped)));
        const lines = renderText([report]).split("\n");
        assert.deepEqual(
            lines.filter((line) => line.includes("Environments to back up") || line.includes("Projects (Teams)")),
            ["  ok    Environments to back up: 2 to serve, 1 restricted to a security group; 3 skipped: teams 2, provisioning 1"],
        );
    });

    it("warns when every environment is skipped, still counting them by reason, and lists none when none is skipped", () => {
        const environments = [
            bapEnvironment("33333333-3333-4333-8333-333333333333", "Projects (Teams)", {
                sku: "Teams",
                securityGroupId: "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f8a",
            }),
            bapEnvironment("66666666-6666-4666-8666-666666666666", "Flows", { dataverse: undefined }),
        ];
        const check = find(
            evaluate(context, snapshot(application, { plan: ok(planEnvironments({ kind: "all", exclude: [] }, environments)), dataverse: [] })),
            "environments",
        );
        assert.equal(check.status, "warn");
        assert.equal(check.detail, "0 to serve; 2 skipped: teams 1, no-dataverse 1: nothing to back up");
        assert.deepEqual(
            check.skippedEnvironments!.map((entry) => entry.reasonCode),
            ["teams", "no-dataverse"],
        );

        const plain = find(evaluate(context, snapshot(application)), "environments");
        assert.equal(plain.detail, "1 to serve");
        assert.ok(!("skippedEnvironments" in plain), "no empty list");
    });

    it("stops after a failed sign-in, with the sign-in error's own fix", () => {
        const error = accessError("credential", { what: "Signing in failed: AADSTS7000215 Invalid client secret provided", fix: "check the secret." });
        const checks = evaluate(context, { signIn: failed(error) });
        assert.deepEqual(
            checks.map((c) => [c.id, c.status]),
            [
                ["sign-in", "fail"],
                ["remaining", "skip"],
            ],
        );
        assert.equal(checks[0].detail, "Signing in failed: AADSTS7000215 Invalid client secret provided.");
        assert.equal(checks[0].fix, "check the secret.");
    });
});
