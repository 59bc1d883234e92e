// The doctor's tenant reads and verdicts in process, against the emulator, from a stack
// configuration as the Automation API hands it over (the CLI-driven runs are in
// test/e2e/doctor.test.ts): a ready tenant passes every check, time-bound elevation adds
// its two checks, an account that does not exist is named, the demo tenant's Teams and
// provisioning environments are counted as skipped by reason, and nothing is written.

import { strict as assert } from "assert";

import { Seed } from "../../emulator";
import demo from "../../emulator/seeds/demo.json";
import { doctorStack } from "../../doctor/run";
import { servedEnvironments, skippedEnvironments } from "../support/served-environments";
import { ACCOUNT, baseSeed, dataverseEnvironment, GROUP, OPERATOR, stackConfig, withEmulator } from "../support/tenant";

const PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814";
const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";

function readySeed() {
    return baseSeed({
        directoryRoleAssignments: [{ principalId: OPERATOR.objectId, roleDefinitionId: PRIVILEGED_ROLE_ADMINISTRATOR }],
        environments: [dataverseEnvironment(1), dataverseEnvironment(2, { securityGroupId: GROUP })],
    } as any);
}

const program = (extra: Record<string, string> = {}) => ({
    "d365-backup-access:stage": "operational",
    "d365-backup-access:serviceAccount": "backup@contoso.onmicrosoft.com",
    "d365-backup-access:environments": '["*"]',
    ...extra,
});

describe("doctor against the emulator, in process", function () {
    this.timeout(30_000);

    it("passes a ready tenant, with PIM checked when elevationHours is set, and only reads", async () => {
        await withEmulator(readySeed(), async (emulator) => {
            const report = await doctorStack("contoso", { ...stackConfig(emulator), ...program({ "d365-backup-access:elevationHours": "2" }) }, {});
            // The emulator's hosts are custom endpoints: the one warning, naming each.
            assert.deepEqual(
                report.checks.filter((c) => c.status !== "ok").map((c) => [c.id, c.status]),
                [["custom-endpoints", "warn"]],
            );
            const custom = report.checks.find((c) => c.id === "custom-endpoints")!.detail;
            assert.ok(custom.includes(`${new URL(emulator.endpoints.bap).host} (from d365-backup-access:endpoints.bap)`), custom);
            assert.equal(report.summary, "stage operational, account backup@contoso.onmicrosoft.com");
            assert.ok(!JSON.stringify(report).includes(OPERATOR.clientSecret), "no secret in the report");
            const ids = report.checks.map((c) => c.id);
            assert.ok(ids.includes("graph-permission:RoleAssignmentSchedule.ReadWrite.Directory") && ids.includes("entra-id-p2"), ids.join());
            assert.ok(ids.includes("dataverse:e0000000-0000-4000-8000-000000000002"));

            const requests = emulator.requests();
            assert.deepEqual(
                requests.filter((r) => r.method !== "GET" && !/\/oauth2\/v2\.0\/token(\?|$)/.test(r.path)),
                [],
            );
            assert.ok(requests.some((r) => r.service === "graph" && /roleAssignmentScheduleInstances/.test(r.path)));
            assert.ok(
                requests.some((r) => r.service === "graph" && new RegExp(`groups/${GROUP}/members`).test(r.path)),
                "the group read proves GroupMember",
            );
        });
    });

    it("warns of Global Administrator held through a role-assignable group or eligible in PIM, which the program does not manage", async () => {
        const TIER0 = "1a2b3c4d-0000-4000-8000-000000000001";
        const seed = readySeed();
        seed.groups!.push({ id: TIER0, displayName: "Tier0 admins", isAssignableToRole: true, members: [ACCOUNT] });
        seed.directoryRoleAssignments!.push({ principalId: TIER0, roleDefinitionId: GLOBAL_ADMINISTRATOR });
        seed.roleEligibilitySchedules = [{ principalId: ACCOUNT, roleDefinitionId: GLOBAL_ADMINISTRATOR }];
        await withEmulator(seed, async (emulator) => {
            const report = await doctorStack("contoso", { ...stackConfig(emulator), ...program() }, {});
            const check = report.checks.find((c) => c.id === "unmanaged-global-administrator")!;
            assert.equal(check.status, "warn");
            assert.match(
                check.detail,
                new RegExp(
                    `backup@contoso.onmicrosoft.com holds Global Administrator through the role-assignable group Tier0 admins \\(${TIER0}\\); eligible in PIM \\(permanently\\)`,
                ),
            );
            assert.match(check.detail, /The program does not manage these: no stage grants or removes them/);
            assert.match(check.fix!, /Roles & admins → Global Administrator → Assignments → remove the group.*; and Eligible assignments/);
            assert.deepEqual(
                emulator.requests().filter((r) => r.method !== "GET" && !/\/oauth2\/v2\.0\/token(\?|$)/.test(r.path)),
                [],
            );
        });
        await withEmulator(readySeed(), async (emulator) => {
            const report = await doctorStack("contoso", { ...stackConfig(emulator), ...program() }, {});
            assert.equal(report.checks.find((c) => c.id === "unmanaged-global-administrator")!.status, "ok");
        });
    });

    it("names an account that does not exist, by object id, and skips its licence", async () => {
        await withEmulator(readySeed(), async (emulator) => {
            const missing = "00000000-0000-4000-8000-0000000000ff";
            const report = await doctorStack("contoso", { ...stackConfig(emulator), ...program({ "d365-backup-access:serviceAccount": missing }) }, {});
            const account = report.checks.find((c) => c.id === "service-account")!;
            assert.equal(account.status, "fail");
            assert.match(account.detail, /no user in the tenant has this user principal name or object id/);
            assert.match(account.fix!, /Users → Active users → Add a user/);
            assert.equal(report.checks.find((c) => c.id === "licence")!.status, "skip");
            assert.ok(emulator.requests().some((r) => r.path.startsWith(`/v1.0/users/${missing}?$select=`)));
        });
    });

    it("counts the demo tenant's Teams and provisioning environments as skipped by reason, lists them in the report, and never reads their Dataverse", async () => {
        await withEmulator(structuredClone(demo) as Seed, async (emulator) => {
            const report = await doctorStack("demo", { ...stackConfig(emulator, { "azuread:clientSecret": demo.operator.clientSecret }), ...program() }, {});
            const check = report.checks.find((c) => c.id === "environments")!;
            assert.equal(check.status, "ok");
            assert.equal(check.detail, "3 to serve, 1 restricted to a security group; 2 skipped: teams 1, provisioning 1");
            const skipped = skippedEnvironments(demo);
            assert.deepEqual(
                check.skippedEnvironments!.map((entry) => [entry.id, entry.displayName, entry.kind, entry.reasonCode, entry.kept]),
                [
                    [skipped[0].id, "Contoso Projects (Teams)", "Teams", "teams", false],
                    [skipped[1].id, "Contoso Service (provisioning)", "Production", "provisioning", false],
                ],
            );
            assert.ok(
                check.skippedEnvironments!.every((entry) => entry.reason.length > 40),
                "each with its sentence",
            );
            // A Dataverse check per environment served, none for the skipped ones, whose Dataverse nobody called.
            assert.deepEqual(
                report.checks.filter((c) => c.id.startsWith("dataverse:")).map((c) => c.id),
                servedEnvironments(demo).map((environment) => `dataverse:${environment.id}`),
            );
            const skippedIds = skipped.map((environment) => environment.id);
            assert.deepEqual(
                emulator.requests().filter((r) => r.service === "dataverse" && skippedIds.includes(r.environmentId!)),
                [],
            );
        });
    });

    it("reports every configuration problem in the program's words and reads nothing", async () => {
        await withEmulator(readySeed(), async (emulator) => {
            const report = await doctorStack(
                "contoso",
                { ...stackConfig(emulator), ...program({ "d365-backup-access:stage": "promote", "d365-backup-access:pollIntervalSeconds": "soon" }) },
                {},
            );
            assert.deepEqual(
                report.checks.map((c) => [c.id, c.status]),
                [["configuration", "fail"]],
            );
            assert.match(report.checks[0].detail, /d365-backup-access:stage: "promote" is not a stage/);
            assert.match(report.checks[0].detail, /d365-backup-access:pollIntervalSeconds/);
            assert.equal(emulator.requests().length, 0);
        });
    });
});
