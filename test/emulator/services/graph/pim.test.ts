// Entra PIM in the emulator: time-bound active assignments through schedule requests,
// the schedule instances and schedules, the licence answer without Entra ID P2, and the
// clock tests move forward so an assignment's end is observable.

import { strict as assert } from "assert";

import { RunningEmulator } from "../../../../emulator";
import { durationMs } from "../../../../emulator/services/graph/pim";
import { DEMO, demoSeed, request, start, token } from "../../../support/emulator";

const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const REQUESTS = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";
const INSTANCES = "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances";

describe("emulator PIM (time-bound role assignments)", () => {
    let emulator: RunningEmulator;
    let graphToken: string;
    const graph = (path: string) => `${emulator.endpoints.graph}${path}`;
    const post = (body: unknown) => request("POST", graph(REQUESTS), { token: graphToken, body });
    const instancesOf = async (principalId: string) =>
        (await request("GET", graph(`${INSTANCES}?$filter=${encodeURIComponent(`principalId eq '${principalId}'`)}`), { token: graphToken })).body
            .value as any[];
    const assign = (duration = "PT2H", justification = "Create the backup connector") => ({
        action: "adminAssign",
        principalId: DEMO.backupUser,
        roleDefinitionId: GLOBAL_ADMINISTRATOR,
        directoryScopeId: "/",
        justification,
        scheduleInfo: { expiration: { type: "afterDuration", duration } },
    });

    before(async () => {
        emulator = (await start(demoSeed())).emulator;
        graphToken = await token(emulator, "https://graph.microsoft.com");
    });
    after(() => emulator.stop());

    it("grants a time-bound assignment that shows as an instance and a role assignment, and ends when the clock passes its end", async () => {
        const granted = await post(assign());
        assert.equal(granted.status, 201, JSON.stringify(granted.body));
        assert.equal(granted.body.status, "Provisioned");
        const [instance] = (await instancesOf(DEMO.backupUser)).filter((i) => i.roleDefinitionId === GLOBAL_ADMINISTRATOR);
        assert.equal(instance.assignmentType, "Assigned");
        assert.equal(Date.parse(instance.endDateTime) - Date.parse(instance.startDateTime), 2 * 3600_000);
        assert.equal(instance.id, granted.body.targetScheduleId);
        const assignments = await request(
            "GET",
            graph(`/v1.0/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${DEMO.backupUser}'`)}`),
            { token: graphToken },
        );
        assert.ok(
            assignments.body.value.some((a: any) => a.roleDefinitionId === GLOBAL_ADMINISTRATOR),
            "active in roleAssignments too",
        );

        const moved = await request("POST", graph("/_emulator/clock"), { body: { advanceSeconds: 3 * 3600 } });
        assert.equal(moved.status, 200);
        assert.ok(Date.parse(moved.body.now) >= Date.parse(instance.endDateTime));
        assert.deepEqual(
            (await instancesOf(DEMO.backupUser)).filter((i) => i.roleDefinitionId === GLOBAL_ADMINISTRATOR),
            [],
            "ended by itself",
        );
        assert.ok(!emulator.state().directoryRoleAssignments!.some((a) => a.principalId === DEMO.backupUser && a.roleDefinitionId === GLOBAL_ADMINISTRATOR));
    });

    it("refuses a duplicate, removes early with adminRemove, and says when there is nothing to remove", async () => {
        assert.equal((await post(assign("PT1H"))).status, 201);
        const duplicate = await post(assign("PT1H"));
        assert.deepEqual(
            [duplicate.status, duplicate.body.error.code, duplicate.body.error.message],
            [400, "RoleAssignmentExists", "The Role assignment already exists."],
        );
        const removal = { action: "adminRemove", principalId: DEMO.backupUser, roleDefinitionId: GLOBAL_ADMINISTRATOR, directoryScopeId: "/" };
        const removed = await request("POST", graph(REQUESTS), { token: graphToken, body: removal });
        assert.deepEqual([removed.status, removed.body.status], [201, "Revoked"]);
        assert.deepEqual(
            (await instancesOf(DEMO.backupUser)).filter((i) => i.roleDefinitionId === GLOBAL_ADMINISTRATOR),
            [],
        );
        const again = await request("POST", graph(REQUESTS), { token: graphToken, body: removal });
        assert.deepEqual([again.status, again.body.error.code], [400, "RoleAssignmentDoesNotExist"]);
    });

    it("adminUpdate gives an active permanent assignment an end, keeping its id, and refuses when nothing is active", async () => {
        const permanent = { ...assign(), scheduleInfo: { expiration: { type: "noExpiration" } } };
        assert.equal((await post(permanent)).status, 201);
        const [before] = (await instancesOf(DEMO.backupUser)).filter((i) => i.roleDefinitionId === GLOBAL_ADMINISTRATOR);
        assert.equal(before.endDateTime, null);
        const updated = await post({ ...assign("PT3H"), action: "adminUpdate" });
        assert.deepEqual([updated.status, updated.body.status], [201, "Provisioned"], JSON.stringify(updated.body));
        const after = (await instancesOf(DEMO.backupUser)).filter((i) => i.roleDefinitionId === GLOBAL_ADMINISTRATOR);
        assert.equal(after.length, 1, "updated in place, not duplicated");
        assert.equal(after[0].id, before.id);
        assert.equal(Date.parse(after[0].endDateTime) - Date.parse(after[0].startDateTime), 3 * 3600_000);
        await post({ action: "adminRemove", principalId: DEMO.backupUser, roleDefinitionId: GLOBAL_ADMINISTRATOR, directoryScopeId: "/" });
        const nothing = await post({ ...assign("PT3H"), action: "adminUpdate" });
        assert.deepEqual([nothing.status, nothing.body.error.code], [400, "RoleAssignmentDoesNotExist"]);
    });

    it("answers bad requests in Graph's shape: no justification, bad duration, unknown action", async () => {
        const noJustification = await post(assign("PT1H", " "));
        assert.deepEqual([noJustification.status, noJustification.body.error.code], [400, "RoleAssignmentRequestPolicyValidationFailed"]);
        assert.match(noJustification.body.error.message, /JustificationRule/);
        const badDuration = await post(assign("4 hours"));
        assert.deepEqual([badDuration.status, badDuration.body.error.code], [400, "BadRequest"]);
        assert.match(badDuration.body.error.message, /'4 hours' is not an ISO 8601 duration/);
        const unknown = await post({ ...assign(), action: "selfActivate" });
        assert.equal(unknown.status, 400);
    });

    it("reads ISO 8601 durations", () => {
        assert.equal(durationMs("PT4H"), 4 * 3600_000);
        assert.equal(durationMs("PT1H30M"), 5400_000);
        assert.equal(durationMs("P1D"), 86400_000);
        for (const bad of ["PT", "P", "PT0H", "4h", ""]) assert.equal(durationMs(bad), undefined, bad);
    });

    it("in a tenant without Entra ID P2, answers 400 AadPremiumLicenseRequired", async () => {
        const unlicensed = (await start(demoSeed((s) => ((s as any).entraIdP2 = false)))).emulator;
        try {
            const graphTokenThere = await token(unlicensed, "https://graph.microsoft.com");
            const answer = await request("POST", `${unlicensed.endpoints.graph}${REQUESTS}`, { token: graphTokenThere, body: assign() });
            assert.deepEqual(
                [answer.status, answer.body.error.code, answer.body.error.message],
                [400, "AadPremiumLicenseRequired", "The tenant needs an AAD Premium 2 license."],
            );
            const listed = await request("GET", `${unlicensed.endpoints.graph}${INSTANCES}`, { token: graphTokenThere });
            assert.equal(listed.status, 400);
        } finally {
            await unlicensed.stop();
        }
    });

    it("takes seeded time-bound assignments, and moves its clock in process too", async () => {
        const end = new Date(Date.now() + 3600_000).toISOString();
        const seeded = (
            await start(
                demoSeed((s) =>
                    s.directoryRoleAssignments!.push({
                        principalId: DEMO.backupUser,
                        roleDefinitionId: GLOBAL_ADMINISTRATOR,
                        startDateTime: new Date().toISOString(),
                        endDateTime: end,
                    }),
                ),
            )
        ).emulator;
        try {
            assert.ok(seeded.state().directoryRoleAssignments!.some((a) => a.endDateTime === end));
            seeded.advanceClock(2 * 3600);
            assert.ok(!seeded.state().directoryRoleAssignments!.some((a) => a.roleDefinitionId === GLOBAL_ADMINISTRATOR && a.principalId === DEMO.backupUser));
        } finally {
            await seeded.stop();
        }
    });
});
