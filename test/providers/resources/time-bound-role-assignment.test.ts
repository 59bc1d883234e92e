// TimeBoundRoleAssignment against the tenant emulator's Entra PIM: grant for a few
// hours, adopt what the account holds, an ended elevation that stays ended, removal.

import * as assert from "assert";

import { hostedProviderText } from "../../../providers/hosting/hosted-provider";
import { assertPlainJson, configuredProviders, isolateProviderProcess } from "../../support/providers";
import { ACCOUNT, baseSeed, withEmulator } from "../../support/tenant";

const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const inputs = {
    roleId: GLOBAL_ADMINISTRATOR,
    principalObjectId: ACCOUNT,
    directoryScopeId: "/",
    elevationHours: 2,
    justification: "Create the backup connector",
};
const HOUR = 3600_000;

function globalAdministrator(emulator: any) {
    return emulator.state().directoryRoleAssignments.find((a: any) => a.principalId === ACCOUNT && a.roleDefinitionId === GLOBAL_ADMINISTRATOR);
}

// A tenant where the account already holds Global Administrator, time-bound, from now until end.
function seedHoldingUntil(end: string) {
    return baseSeed({
        directoryRoleAssignments: [{ principalId: ACCOUNT, roleDefinitionId: GLOBAL_ADMINISTRATOR, startDateTime: new Date().toISOString(), endDateTime: end }],
    } as any);
}

function pimRequests(emulator: any): string[] {
    return emulator
        .requests()
        .filter((r: any) => r.method === "POST" && /roleAssignmentScheduleRequests/.test(r.path))
        .map((r: any) => `${r.status}`);
}

describe("TimeBoundRoleAssignment provider", function () {
    this.timeout(30_000);
    const output = isolateProviderProcess();

    it("grants the role for elevationHours through PIM, with its end in the outputs", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { elevations } = await configuredProviders(emulator);
            const { id, outs } = await elevations.create!(inputs);
            assertPlainJson(outs);
            const held = globalAdministrator(emulator);
            assert.ok(held, "active in the tenant");
            assert.strictEqual(outs.status, "active");
            assert.strictEqual(outs.origin, "granted");
            assert.strictEqual(outs.endDateTime, held.endDateTime);
            assert.strictEqual(Date.parse(outs.endDateTime) - Date.parse(outs.startDateTime), 2 * HOUR);
            assert.strictEqual(id, `${GLOBAL_ADMINISTRATOR}/${ACCOUNT}/${outs.startDateTime}`);
            const request = emulator.requests().find((r: any) => /roleAssignmentScheduleRequests/.test(r.path));
            assert.ok(request);
            assert.ok(
                output.lines.some((line) => /holds role .* until .* \(PIM, 2 h\)/.test(line)),
                output.lines.join("\n"),
            );
        });
    });

    it("adopts a time-bound assignment the account holds, without a second request", async () => {
        const end = new Date(Date.now() + 5 * HOUR).toISOString();
        await withEmulator(seedHoldingUntil(end), async (emulator) => {
            const { elevations } = await configuredProviders(emulator);
            const { outs } = await elevations.create!(inputs);
            assert.deepStrictEqual([outs.origin, outs.endDateTime], ["adopted", end]);
            assert.deepStrictEqual(pimRequests(emulator), []);
        });
    });

    it("makes a permanent assignment the account holds end in elevationHours (adminUpdate), without a duplicate", async () => {
        const seed = baseSeed({ directoryRoleAssignments: [{ principalId: ACCOUNT, roleDefinitionId: GLOBAL_ADMINISTRATOR }] } as any);
        await withEmulator(seed, async (emulator) => {
            const { elevations } = await configuredProviders(emulator);
            const { outs } = await elevations.create!(inputs);
            assert.strictEqual(outs.origin, "made-time-bound");
            const held = emulator
                .state()
                .directoryRoleAssignments!.filter((a: any) => a.principalId === ACCOUNT && a.roleDefinitionId === GLOBAL_ADMINISTRATOR);
            assert.strictEqual(held.length, 1);
            assert.strictEqual(held[0].endDateTime, outs.endDateTime);
            assert.deepStrictEqual(pimRequests(emulator), ["201"]);
        });
    });

    it("an ended elevation reads as ended with its id kept (not drift), and removing it then is a success", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { elevations } = await configuredProviders(emulator);
            const { id, outs } = await elevations.create!(inputs);
            const active = await elevations.read!(id, outs);
            assert.deepStrictEqual([active.id, active.props.status], [id, "active"]);

            emulator.advanceClock(3 * 3600);
            assert.strictEqual(globalAdministrator(emulator), undefined, "ended by itself in the tenant");
            const ended = await elevations.read!(id, outs);
            assert.strictEqual(ended.id, id, "kept in state: an ended elevation is not a resource to create again");
            assert.strictEqual(ended.props.status, "ended");
            assert.strictEqual(ended.props.endDateTime, outs.endDateTime);

            // Nothing changed in the inputs: no update, so nothing is granted again.
            const diff = await elevations.diff!(
                id,
                { ...ended.props, __provider: hostedProviderText("TimeBoundRoleAssignment") },
                { ...inputs, __provider: hostedProviderText("TimeBoundRoleAssignment") },
            );
            assert.strictEqual(diff.changes, false);

            await elevations.delete!(id, ended.props);
            assert.deepStrictEqual(pimRequests(emulator), ["201"], "nothing active: nothing to remove, and no request");
        });
    });

    it("removes an active elevation early (adminRemove)", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { elevations } = await configuredProviders(emulator);
            const { id, outs } = await elevations.create!(inputs);
            await elevations.delete!(id, outs);
            assert.strictEqual(globalAdministrator(emulator), undefined);
        });
    });

    it("ends only its own assignment: one granted by someone else after this one ended is left in place", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { elevations } = await configuredProviders(emulator);
            const { id, outs } = await elevations.create!(inputs);
            assert.ok(outs.scheduleId, "the PIM schedule id is recorded");
            emulator.advanceClock(3 * 3600);
            // Someone grants Global Administrator again, by hand, after the stack's own elevation ended.
            emulator.mutate((tenant: any) =>
                tenant.directoryRoleAssignments.push({
                    id: "0a0a0a0a-0000-4000-8000-00000000000a",
                    principalId: ACCOUNT,
                    roleDefinitionId: GLOBAL_ADMINISTRATOR,
                    directoryScopeId: "/",
                    startDateTime: new Date(emulator.now()).toISOString(),
                    endDateTime: null,
                }),
            );
            const read = await elevations.read!(id, outs);
            assert.strictEqual(read.props.status, "ended", "the active one is not this elevation");
            await elevations.delete!(id, read.props);
            assert.ok(globalAdministrator(emulator), "the other assignment is still active");
            assert.deepStrictEqual(pimRequests(emulator), ["201"], "no adminRemove");
            assert.ok(
                output.lines.some((line) => /through another assignment .* it is left in place/.test(line)),
                output.lines.join("\n"),
            );

            // State written before schedule ids were recorded: the start tells them apart.
            const { scheduleId: _none, ...older } = outs;
            await elevations.delete!(id, older);
            assert.ok(globalAdministrator(emulator), "still active");
        });
    });

    it("counts an assignment as its own only when it can prove it: the schedule id, else both starts known and equal", async () => {
        const { isOwnAssignment } = await import("../../../providers/resources/time-bound-role-assignment");
        const start = "2026-12-01T08:00:00Z";
        const stored = { ...inputs, startDateTime: start, endDateTime: "2026-12-01T10:00:00Z", status: "active" as const, origin: "granted" as const };
        const active = {
            id: "schedule-1",
            roleDefinitionId: GLOBAL_ADMINISTRATOR,
            directoryScopeId: "/",
            startDateTime: "2026-12-01T08:00:00.000Z",
            endDateTime: "2026-12-01T10:00:00Z",
        };
        assert.strictEqual(isOwnAssignment({ ...stored, scheduleId: "schedule-1" }, active), true);
        assert.strictEqual(isOwnAssignment({ ...stored, scheduleId: "schedule-0" }, active), false, "another schedule, whatever the start");
        assert.strictEqual(isOwnAssignment(stored, active), true, "no schedule id: the same start");
        assert.strictEqual(isOwnAssignment(stored, { ...active, startDateTime: "2026-12-01T09:00:00Z" }), false);
        assert.strictEqual(isOwnAssignment({ ...stored, startDateTime: "" }, active), false, "no start recorded: not provably its own");
        assert.strictEqual(isOwnAssignment(stored, { ...active, startDateTime: null }), false, "no start reported: not provably its own");
    });

    it("leaves in place, saying why, an active assignment that state without a schedule id or a start cannot prove to be its own", async () => {
        await withEmulator(baseSeed(), async (emulator) => {
            const { elevations } = await configuredProviders(emulator);
            const { id, outs } = await elevations.create!(inputs);
            // State written before schedule ids were recorded, without a start time either.
            const { scheduleId: _none, ...older } = { ...outs, startDateTime: "" };
            assert.strictEqual((await elevations.read!(id, older)).props.status, "ended", "not provably this elevation");
            await elevations.delete!(id, older);
            assert.ok(globalAdministrator(emulator), "left in place");
            assert.deepStrictEqual(pimRequests(emulator), ["201"], "no adminRemove");
            const line = output.lines.find((text) => /cannot prove to be its own/.test(text)) ?? output.lines.join("\n");
            assert.match(line, /it is left in place\. If it is the stack's, PIM ends it by itself at \S+; end it in Entra admin center/);
            // The same state with its schedule id ends it.
            await elevations.delete!(id, outs);
            assert.strictEqual(globalAdministrator(emulator), undefined);
        });
    });

    it("ends an adopted elevation on delete: Global Administrator is given back whatever its origin", async () => {
        const end = new Date(Date.now() + 5 * HOUR).toISOString();
        await withEmulator(seedHoldingUntil(end), async (emulator) => {
            const { elevations } = await configuredProviders(emulator);
            const { id, outs } = await elevations.create!(inputs);
            assert.strictEqual(outs.origin, "adopted");
            await elevations.delete!(id, outs);
            assert.strictEqual(globalAdministrator(emulator), undefined);
        });
    });

    it("asks for a new elevation (delete first, then create) when the justification or the hours change", async () => {
        const { timeBoundRoleAssignmentProvider } = await import("../../../providers/resources/time-bound-role-assignment");
        const provider = timeBoundRoleAssignmentProvider();
        const text = hostedProviderText("TimeBoundRoleAssignment");
        const olds = { ...inputs, __provider: text, status: "ended", endDateTime: "2026-12-01T10:00:00.000Z" };
        for (const [property, value] of [
            ["justification", "CHG-42"],
            ["elevationHours", 4],
        ] as const) {
            const diff = await provider.diff!("id", olds, { ...inputs, [property]: value, __provider: text });
            assert.deepStrictEqual([diff.changes, diff.replaces, diff.deleteBeforeReplace], [true, [property], true]);
        }
    });

    it("checks its inputs: hours from 1 to 24, a justification, the whole directory", async () => {
        const { timeBoundRoleAssignmentProvider } = await import("../../../providers/resources/time-bound-role-assignment");
        const provider = timeBoundRoleAssignmentProvider();
        const { failures } = await provider.check!({}, { ...inputs, elevationHours: 25, justification: " ", directoryScopeId: "/administrativeUnits/x" });
        assert.deepStrictEqual(failures!.map((f) => f.property).sort(), ["directoryScopeId", "elevationHours", "justification"]);
        assert.match(failures!.find((f) => f.property === "elevationHours")!.reason, /from 1 to 24; got 25/);
        const ok = await provider.check!({}, { ...inputs, justification: "  why  " });
        assert.deepStrictEqual([ok.failures, ok.inputs.justification], [[], "why"]);
    });

    it("in a tenant without Entra ID P2, fails naming the licence and the alternative", async () => {
        await withEmulator(baseSeed({ entraIdP2: false } as any), async (emulator) => {
            const { elevations } = await configuredProviders(emulator);
            await assert.rejects(elevations.create!(inputs), (error: Error) => {
                assert.match(error.message, /no Microsoft Entra ID P2 licence for PIM/);
                assert.match(error.message, /AadPremiumLicenseRequired/);
                assert.match(error.message, /unset d365-backup-access:elevationHours/);
                return true;
            });
        });
    });
});
