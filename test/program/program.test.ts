// The whole program under Pulumi runtime mocks: one process per configuration.

import { strict as assert } from "assert";

import { ProgramRun, runProgram } from "../support/program-runner";

const ACCOUNT = { objectId: "5c1e2a9b-3f4d-4e5f-8a6b-7c8d9e0f1a2b", userPrincipalName: "backup@contoso.onmicrosoft.com" };
const ENVIRONMENT = "0f4c6a3e-1b2d-4c5e-8f7a-9b0c1d2e3f4a";
const ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment";
const TEMPLATE = {
    globalAdministrator: "62e90394-69f5-4237-9190-012177145e10",
    dynamicsAdministrator: "44367163-eba1-44c3-98af-f5787879f96a",
    powerPlatformAdministrator: "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
};

function configFor(stage: string, overrides: Record<string, string> = {}): Record<string, string> {
    return {
        "d365-backup-access:stage": stage,
        "d365-backup-access:serviceAccount": ACCOUNT.userPrincipalName,
        "d365-backup-access:environments": JSON.stringify([ENVIRONMENT]),
        ...overrides,
    };
}

const roleAssignments = (run: ProgramRun) => run.resources.filter((r) => r.type === ROLE_ASSIGNMENT);
const roleIds = (run: ProgramRun) => roleAssignments(run).map((r) => r.inputs.roleId).sort();
const urnOfRole = (run: ProgramRun, templateId: string) =>
    roleAssignments(run).find((r) => r.inputs.roleId === templateId)?.urn;

describe("program under mocks", function () {
    this.timeout(120000);
    const runs: Record<string, ProgramRun> = {};

    before(async () => {
        const users = [ACCOUNT];
        const scenarios: Record<string, Parameters<typeof runProgram>[0]> = {
            bootstrap: { config: configFor("bootstrap"), users },
            operational: { config: configFor("operational"), users },
            reauth: { config: configFor("reauth"), users },
            byObjectId: { config: configFor("operational", { "d365-backup-access:serviceAccount": ACCOUNT.objectId }), users },
            preview: { config: configFor("bootstrap"), users, preview: true },
            badConfig: {
                config: configFor("promote", {
                    "d365-backup-access:serviceAccount": "not an account",
                    "d365-backup-access:environments": JSON.stringify(["*", ENVIRONMENT]),
                }),
                users,
            },
            unknownAccount: { config: configFor("bootstrap"), users: [] },
        };
        const names = Object.keys(scenarios);
        const results = await Promise.all(names.map((name) => runProgram(scenarios[name])));
        names.forEach((name, index) => (runs[name] = results[index]));
    });

    it("bootstrap assigns Global Administrator and Dynamics 365 Administrator", () => {
        assert.equal(runs.bootstrap.error, undefined);
        assert.deepEqual(roleIds(runs.bootstrap), [TEMPLATE.globalAdministrator, TEMPLATE.dynamicsAdministrator].sort());
    });

    it("operational assigns Dynamics 365 Administrator and Power Platform Administrator, not Global Administrator", () => {
        assert.deepEqual(roleIds(runs.operational), [TEMPLATE.dynamicsAdministrator, TEMPLATE.powerPlatformAdministrator].sort());
    });

    it("reauth assigns all three", () => {
        assert.deepEqual(
            roleIds(runs.reauth),
            [TEMPLATE.globalAdministrator, TEMPLATE.dynamicsAdministrator, TEMPLATE.powerPlatformAdministrator].sort(),
        );
    });

    it("assigns every role to the resolved account, tenant-wide", () => {
        for (const stage of ["bootstrap", "operational", "reauth"]) {
            for (const assignment of roleAssignments(runs[stage])) {
                assert.equal(assignment.inputs.principalObjectId, ACCOUNT.objectId);
                assert.equal(assignment.inputs.directoryScopeId, "/");
            }
        }
    });

    it("resolves the account by UPN or by object id through azuread.getUser", () => {
        assert.deepEqual(runs.bootstrap.invokes, [
            { token: "azuread:index/getUser:getUser", inputs: { userPrincipalName: ACCOUNT.userPrincipalName } },
        ]);
        assert.deepEqual(runs.byObjectId.invokes, [
            { token: "azuread:index/getUser:getUser", inputs: { objectId: ACCOUNT.objectId } },
        ]);
        assert.equal(runs.byObjectId.outputs.serviceAccountObjectId, ACCOUNT.objectId);
    });

    it("keeps the same URN for a role in every stage", () => {
        const dynamics = ["bootstrap", "operational", "reauth"].map((s) => urnOfRole(runs[s], TEMPLATE.dynamicsAdministrator));
        assert.ok(dynamics[0]);
        assert.deepEqual(new Set(dynamics).size, 1, dynamics.join("\n"));
        assert.equal(urnOfRole(runs.bootstrap, TEMPLATE.globalAdministrator), urnOfRole(runs.reauth, TEMPLATE.globalAdministrator));
        assert.equal(
            urnOfRole(runs.operational, TEMPLATE.powerPlatformAdministrator),
            urnOfRole(runs.reauth, TEMPLATE.powerPlatformAdministrator),
        );
    });

    it("parents every role assignment to the component", () => {
        const component = runs.operational.resources.find((r) => !r.custom);
        assert.equal(component?.type, "d365-backup-access:index:ServiceAccountAccess");
        for (const assignment of roleAssignments(runs.operational)) {
            assert.match(assignment.urn, /::d365-backup-access:index:ServiceAccountAccess\$azuread:index\/directoryRoleAssignment:DirectoryRoleAssignment::/);
        }
    });

    it("exports stage, account, roles held and next steps", () => {
        const { outputs } = runs.bootstrap;
        assert.equal(outputs.stage, "bootstrap");
        assert.equal(outputs.serviceAccountObjectId, ACCOUNT.objectId);
        assert.deepEqual(outputs.directoryRoles, ["Global Administrator", "Dynamics 365 Administrator"]);
        assert.match(outputs.nextSteps, /create the Dynamics 365 connector/);
        assert.match(outputs.nextSteps, /--stack contoso d365-backup-access:stage operational/);
        assert.deepEqual(runs.reauth.outputs.directoryRoles, [
            "Global Administrator",
            "Dynamics 365 Administrator",
            "Power Platform Administrator",
        ]);
    });

    it("registers the same resources in a preview", () => {
        assert.deepEqual(roleIds(runs.preview), roleIds(runs.bootstrap));
        assert.equal(runs.preview.outputs.stage, "bootstrap");
    });

    it("bad configuration registers nothing and lists every problem at once", () => {
        const run = runs.badConfig;
        assert.equal(run.resources.length, 0);
        assert.equal(run.invokes.length, 0);
        assert.match(run.error ?? "", /3 problems/);
        assert.match(run.error ?? "", /stage: "promote" is not a stage/);
        assert.match(run.error ?? "", /serviceAccount: "not an account"/);
        assert.match(run.error ?? "", /"\*" cannot be mixed with environment ids/);
    });

    it("an account missing from the directory assigns no role", () => {
        assert.equal(roleAssignments(runs.unknownAccount).length, 0);
        // The mock monitor drops the invoke's message; the real provider reports "User not found".
        assert.ok(runs.unknownAccount.error, "the program must fail when the account cannot be resolved");
    });
});
