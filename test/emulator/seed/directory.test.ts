// Ways to hold a directory role besides a direct active assignment, in the emulator:
// role-assignable groups holding a role, a user's (transitive) group memberships, and
// eligible assignments in Entra PIM, with their seed checks.

import { strict as assert } from "assert";

import { RunningEmulator, SeedError, validateSeed } from "../../../emulator";
import { DEMO, demoSeed, request, start, token } from "../../support/emulator";

const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const TIER0 = "1a2b3c4d-0000-4000-8000-000000000001";
const OUTER = "1a2b3c4d-0000-4000-8000-000000000002";
const ELIGIBILITY = "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances";

function seedWithRoleHolders(entraIdP2 = true) {
    return demoSeed((seed) => {
        seed.entraIdP2 = entraIdP2;
        seed.groups!.push(
            { id: TIER0, displayName: "Tier0 admins", isAssignableToRole: true, members: [DEMO.backupUser] },
            // a plain group that holds the role-assignable one: the backup user is in it transitively
            { id: OUTER, displayName: "Outer", members: [TIER0] },
        );
        seed.directoryRoleAssignments = [...(seed.directoryRoleAssignments ?? []), { principalId: TIER0, roleDefinitionId: GLOBAL_ADMINISTRATOR }];
        if (entraIdP2) {
            seed.roleEligibilitySchedules = [
                {
                    principalId: DEMO.backupUser,
                    roleDefinitionId: GLOBAL_ADMINISTRATOR,
                    startDateTime: "2026-01-01T00:00:00Z",
                    endDateTime: new Date(Date.now() + 3600_000).toISOString(),
                },
                { principalId: TIER0, roleDefinitionId: DEMO.powerPlatformAdministratorTemplate },
            ];
        }
    });
}

describe("emulator: roles held through groups and PIM eligibility", () => {
    let emulator: RunningEmulator;
    let graphToken: string;
    const get = (path: string) => request("GET", `${emulator.endpoints.graph}${path}`, { token: graphToken });

    before(async () => {
        emulator = (await start(seedWithRoleHolders())).emulator;
        graphToken = await token(emulator, "https://graph.microsoft.com");
    });
    after(() => emulator.stop());

    it("lists a user's direct and transitive groups, cast to groups, with isAssignableToRole", async () => {
        const direct = await get(`/v1.0/users/${DEMO.backupUser}/memberOf`);
        assert.deepEqual(
            direct.body.value.map((g: any) => [g["@odata.type"], g.id]),
            [["#microsoft.graph.group", TIER0]],
        );
        const transitive = await get(`/v1.0/users/${DEMO.backupUser}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName,isAssignableToRole`);
        assert.equal(transitive.status, 200);
        assert.match(transitive.body["@odata.context"], /\$metadata#groups$/);
        assert.deepEqual(transitive.body.value, [
            { id: TIER0, displayName: "Tier0 admins", isAssignableToRole: true },
            { id: OUTER, displayName: "Outer", isAssignableToRole: null },
        ]);
        assert.deepEqual(
            (await get(`/v1.0/users/${DEMO.adminUser}/transitiveMemberOf/microsoft.graph.group`)).body.value.map((g: any) => g.id).sort(),
            [DEMO.salesGroup, DEMO.teamGroup].sort(),
            "the admin is in the sales group and the Projects team's group only",
        );
    });

    it("lists a role's assignments, a role-assignable group's among them", async () => {
        const holders = await get(
            `/v1.0/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`roleDefinitionId eq '${GLOBAL_ADMINISTRATOR}'`)}`,
        );
        assert.ok(
            holders.body.value.some((a: any) => a.principalId === TIER0),
            JSON.stringify(holders.body.value),
        );
    });

    it("lists eligible assignments by principal or role; an eligibility ends when the tenant's clock passes its end", async () => {
        const byRole = await get(`${ELIGIBILITY}?$filter=${encodeURIComponent(`roleDefinitionId eq '${GLOBAL_ADMINISTRATOR}'`)}`);
        assert.equal(byRole.status, 200);
        assert.match(byRole.body["@odata.context"], /roleManagement\/directory\/roleEligibilityScheduleInstances$/);
        assert.equal(byRole.body.value.length, 1);
        const [instance] = byRole.body.value;
        assert.deepEqual(Object.keys(instance).sort(), [
            "appScopeId",
            "directoryScopeId",
            "endDateTime",
            "id",
            "memberType",
            "principalId",
            "roleDefinitionId",
            "roleEligibilityScheduleId",
            "startDateTime",
        ]);
        assert.equal(instance.principalId, DEMO.backupUser);
        assert.equal(instance.startDateTime, "2026-01-01T00:00:00.000Z");
        assert.equal(instance.memberType, "Direct");
        const byGroup = await get(`${ELIGIBILITY}?$filter=${encodeURIComponent(`principalId eq '${TIER0}'`)}`);
        assert.deepEqual(
            byGroup.body.value.map((e: any) => [e.roleDefinitionId, e.endDateTime]),
            [[DEMO.powerPlatformAdministratorTemplate, null]],
        );

        emulator.advanceClock(2 * 3600);
        assert.deepEqual((await get(`${ELIGIBILITY}?$filter=${encodeURIComponent(`roleDefinitionId eq '${GLOBAL_ADMINISTRATOR}'`)}`)).body.value, []);
        assert.equal(emulator.state().roleEligibilitySchedules!.length, 1, "the group's permanent eligibility stays");
    });

    it("needs a role-management permission to read eligibilities, as Graph does", async () => {
        const restricted = await start(
            demoSeed((seed) => {
                seed.operator.graphPermissions = ["User.Read.All"];
            }),
        );
        try {
            const restrictedToken = await token(restricted.emulator, "https://graph.microsoft.com");
            const refused = await request("GET", `${restricted.emulator.endpoints.graph}${ELIGIBILITY}`, { token: restrictedToken });
            assert.equal(refused.status, 403);
            assert.match(JSON.stringify(refused.body), /RoleEligibilitySchedule\.Read\.Directory/);
        } finally {
            await restricted.emulator.stop();
        }
    });

    it("answers 400 AadPremiumLicenseRequired for eligibilities in a tenant without Entra ID P2", async () => {
        const plain = await start(seedWithRoleHolders(false));
        try {
            const plainToken = await token(plain.emulator, "https://graph.microsoft.com");
            const refused = await request("GET", `${plain.emulator.endpoints.graph}${ELIGIBILITY}`, { token: plainToken });
            assert.equal(refused.status, 400);
            assert.equal(refused.body.error.code, "AadPremiumLicenseRequired");
        } finally {
            await plain.emulator.stop();
        }
    });

    it("refuses seeds that Entra would not allow: a role on a group that is not role-assignable, an eligibility without Entra ID P2", () => {
        const problems = (change: Parameters<typeof demoSeed>[0]) => {
            try {
                validateSeed(demoSeed(change));
                return [];
            } catch (error) {
                assert.ok(error instanceof SeedError);
                return error.problems;
            }
        };
        assert.match(
            problems((seed) => (seed.directoryRoleAssignments = [{ principalId: DEMO.salesGroup, roleDefinitionId: GLOBAL_ADMINISTRATOR }])).join("\n"),
            /directoryRoleAssignments\[0\]\.principalId.*role-assignable group/,
        );
        assert.match(
            problems((seed) => (seed.roleEligibilitySchedules = [{ principalId: DEMO.salesGroup, roleDefinitionId: GLOBAL_ADMINISTRATOR }])).join("\n"),
            /roleEligibilitySchedules\[0\]\.principalId.*role-assignable group/,
        );
        assert.match(
            problems((seed) => {
                seed.entraIdP2 = false;
                seed.roleEligibilitySchedules = [{ principalId: DEMO.backupUser, roleDefinitionId: GLOBAL_ADMINISTRATOR }];
            }).join("\n"),
            /roleEligibilitySchedules.*entraIdP2: true/,
        );
    });
});
