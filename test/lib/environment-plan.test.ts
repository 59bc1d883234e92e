import { strict as assert } from "assert";

import { describeSkipped, EnvironmentSelectionError, planEnvironments, ServedEnvironments } from "../../lib/environment-plan";
import type { EnvironmentInfo } from "../../providers";

type Options = { dataverse?: boolean; group?: string; name?: string } & Partial<
    Pick<EnvironmentInfo, "sku" | "state" | "provisioningState" | "managementState" | "instanceState" | "managed" | "owner">
>;

function environment(id: string, options: Options = {}): EnvironmentInfo {
    const { dataverse, group, name, ...kind } = options;
    return {
        id,
        displayName: name ?? `env ${id.slice(0, 4)}`,
        sku: "Production",
        state: "Enabled",
        isDefault: false,
        provisioningState: "Succeeded",
        location: "europe",
        dataverse:
            dataverse === false
                ? undefined
                : {
                      instanceUrl: `https://${id.slice(0, 8)}.crm4.dynamics.com/`,
                      instanceApiUrl: undefined,
                      uniqueName: undefined,
                      domainName: undefined,
                      version: undefined,
                  },
        securityGroupId: group,
        ...kind,
    };
}

const WITH_DATAVERSE = "11111111-1111-4111-8111-111111111111";
const WITH_GROUP = "22222222-2222-4222-8222-222222222222";
const WITHOUT_DATAVERSE = "33333333-3333-4333-8333-333333333333";
const GROUP = "99999999-9999-4999-8999-999999999999";
const NO_DATAVERSE_REASON = "no Dataverse database, so no Dynamics 365 data to back up";
const TENANT = [
    environment(WITH_DATAVERSE),
    environment(WITH_GROUP, { group: GROUP.toUpperCase() }),
    environment(WITHOUT_DATAVERSE, { dataverse: false, name: "Flows sandbox", sku: "Sandbox" }),
];

/** An environment of every kind and state a real tenant has, by the reason it is skipped for (undefined: served). */
const KINDS: Record<string, { env: EnvironmentInfo; code: string | undefined }> = {
    production: { env: environment("a0000001-0000-4000-8000-000000000001"), code: undefined },
    sandbox: { env: environment("a0000002-0000-4000-8000-000000000002", { sku: "Sandbox" }), code: undefined },
    trial: { env: environment("a0000003-0000-4000-8000-000000000003", { sku: "Trial" }), code: undefined },
    default: { env: environment("Default-6a2d8b4f-3c5e-4d7f-8a9b-1c2d3e4f5a6b", { sku: "Default" }), code: undefined },
    developer: {
        env: environment("a0000005-0000-4000-8000-000000000005", {
            sku: "Developer",
            owner: { id: "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d", userPrincipalName: "dana@contoso.com" },
        }),
        code: undefined,
    },
    adminMode: { env: environment("a0000006-0000-4000-8000-000000000006", { sku: "Sandbox", state: "AdminMode" }), code: undefined },
    managed: { env: environment("a0000007-0000-4000-8000-000000000007", { managed: true }), code: undefined },
    recordedIdle: { env: environment("a0000008-0000-4000-8000-000000000008", { managementState: "NotSpecified" }), code: undefined },
    teams: { env: environment("a0000009-0000-4000-8000-000000000009", { sku: "Teams", group: GROUP }), code: "teams" },
    provisioning: {
        env: environment("a0000010-0000-4000-8000-000000000010", {
            provisioningState: "LinkedDatabaseProvisioning",
            dataverse: false,
            managementState: "Running",
        }),
        code: "provisioning",
    },
    noDataverse: { env: environment("a0000011-0000-4000-8000-000000000011", { dataverse: false }), code: "no-dataverse" },
    disabled: { env: environment("a0000012-0000-4000-8000-000000000012", { state: "Disabled" }), code: "disabled" },
    notReady: { env: environment("a0000013-0000-4000-8000-000000000013", { instanceState: "NotReady" }), code: "not-ready" },
    busy: { env: environment("a0000014-0000-4000-8000-000000000014", { managementState: "Running" }), code: "busy" },
};
const EVERY_KIND = Object.values(KINDS).map((k) => k.env);

function served(
    inState: Record<string, { user: boolean; role: boolean; roleKeepsUser?: boolean; displayName?: string }>,
    deleted: string[] = [],
): ServedEnvironments {
    return { inState: new Map(Object.entries(inState).map(([id, held]) => [id, { roleKeepsUser: false, ...held }])), deleted };
}

describe("planEnvironments", () => {
    it('"*" takes every environment with Dataverse and reports the others as skipped, with a reason code', () => {
        const plan = planEnvironments({ kind: "all", exclude: [] }, TENANT);
        assert.deepEqual(
            plan.targets.map((t) => t.id),
            [WITH_DATAVERSE, WITH_GROUP],
        );
        assert.deepEqual(plan.skipped, [
            { id: WITHOUT_DATAVERSE, displayName: "Flows sandbox", kind: "Sandbox", reasonCode: "no-dataverse", reason: NO_DATAVERSE_REASON, kept: false },
        ]);
        assert.deepEqual(plan.held, []);
    });

    it('"*" decides every kind and state: served, or skipped with its own code', () => {
        const plan = planEnvironments({ kind: "all", exclude: [] }, EVERY_KIND);
        const decided = Object.fromEntries(
            Object.entries(KINDS).map(([name, { env }]) => [
                name,
                plan.targets.some((t) => t.id === env.id) ? undefined : plan.skipped.find((s) => s.id === env.id)?.reasonCode,
            ]),
        );
        assert.deepEqual(decided, Object.fromEntries(Object.entries(KINDS).map(([name, { code }]) => [name, code])));
        // Every environment is decided exactly once.
        assert.equal(plan.targets.length + plan.skipped.length, EVERY_KIND.length);
    });

    it("says in each skip reason what happens next, and names the state it saw", () => {
        const plan = planEnvironments({ kind: "all", exclude: [] }, EVERY_KIND);
        const reason = (code: string) => plan.skipped.find((s) => s.reasonCode === code)!.reason;
        assert.match(reason("teams"), /no Web API access to Dataverse for Teams/);
        assert.match(reason("teams"), /Upgrade/);
        assert.match(reason("provisioning"), /LinkedDatabaseProvisioning.*next update adds it/);
        assert.match(reason("disabled"), /disabled.*next update adds it/);
        assert.match(reason("not-ready"), /NotReady/);
        assert.match(reason("busy"), /management state Running/);
        assert.equal(plan.skipped.find((s) => s.reasonCode === "teams")!.kind, "Teams");
    });

    it("notes what the account meets where it is served: administration mode, a managed environment, a Developer environment's owner", () => {
        const plan = planEnvironments({ kind: "all", exclude: [] }, EVERY_KIND);
        const note = (env: EnvironmentInfo) => plan.targets.find((t) => t.id === env.id)!.note;
        assert.match(note(KINDS.adminMode.env)!, /administration mode/);
        assert.match(note(KINDS.managed.env)!, /managed environment/);
        assert.match(note(KINDS.developer.env)!, /Developer environment of dana@contoso.com/);
        assert.equal(note(KINDS.production.env), undefined);
    });

    it('"*" reports the excluded environments as skipped (excluded), and never targets them', () => {
        const plan = planEnvironments({ kind: "all", exclude: [WITH_GROUP, WITHOUT_DATAVERSE] }, TENANT);
        assert.deepEqual(
            plan.targets.map((t) => t.id),
            [WITH_DATAVERSE],
        );
        assert.deepEqual(
            plan.skipped.map((s) => [s.id, s.reasonCode]),
            [
                [WITH_GROUP, "excluded"],
                [WITHOUT_DATAVERSE, "excluded"],
            ],
        );
    });

    it('"*" refuses an exclusion the tenant does not have, which would exclude nothing', () => {
        const typo = "55555555-5555-4555-8555-555555555555";
        assert.throws(
            () => planEnvironments({ kind: "all", exclude: [typo] }, TENANT),
            new RegExp(`excludeEnvironments: ${typo} is not an environment of this tenant \\(mistyped, or deleted since\\), so it excludes nothing`),
        );
    });

    it("carries the Dataverse URL and the security group (lower case)", () => {
        const [target] = planEnvironments({ kind: "listed", ids: [WITH_GROUP] }, TENANT).targets;
        assert.equal(target.instanceUrl, "https://22222222.crm4.dynamics.com/");
        assert.equal(target.securityGroupId, GROUP);
    });

    it("rejects an unknown id and a listed environment without Dataverse, together", () => {
        const unknown = "44444444-4444-4444-8444-444444444444";
        assert.throws(
            () => planEnvironments({ kind: "listed", ids: [WITH_DATAVERSE, unknown, WITHOUT_DATAVERSE] }, TENANT),
            (error: unknown) => {
                assert.ok(error instanceof EnvironmentSelectionError);
                assert.equal(error.problems.length, 2);
                assert.match(error.problems[0], new RegExp(`${unknown} is not an environment of this tenant`));
                assert.match(error.problems[1], /"Flows sandbox"\) cannot be served \[no-dataverse\]: no Dataverse database/);
                assert.match(error.message, /nothing was changed/);
                return true;
            },
        );
    });

    it('rejects a listed environment of a kind or state that cannot be served, with the same reason as "*" gives', () => {
        const everyUnservable = Object.values(KINDS).filter((k) => k.code);
        assert.throws(
            () => planEnvironments({ kind: "listed", ids: everyUnservable.map((k) => k.env.id) }, EVERY_KIND),
            (error: unknown) => {
                assert.ok(error instanceof EnvironmentSelectionError);
                const skipped = planEnvironments({ kind: "all", exclude: [] }, EVERY_KIND).skipped;
                assert.deepEqual(
                    error.problems.map((p) => /\[([a-z-]+)\]/.exec(p)![1]),
                    everyUnservable.map((k) => k.code),
                );
                for (const [index, k] of everyUnservable.entries()) {
                    assert.ok(error.problems[index].includes(skipped.find((s) => s.id === k.env.id)!.reason), error.problems[index]);
                }
                // Temporary states say to run again; lasting ones to remove the id.
                assert.match(error.problems[everyUnservable.findIndex((k) => k.code === "provisioning")], /Run again once it is ready/);
                assert.match(error.problems[everyUnservable.findIndex((k) => k.code === "teams")], /Remove it from the list/);
                return true;
            },
        );
    });

    it("matches ids whatever their case", () => {
        const plan = planEnvironments({ kind: "listed", ids: [WITH_DATAVERSE] }, [environment(WITH_DATAVERSE.toUpperCase())]);
        assert.equal(plan.targets.length, 1);
    });

    describe("environments the stack already serves", () => {
        it("holds one that cannot be served now: skipped as kept, its resources in state registered as they are", () => {
            const disabled = KINDS.disabled.env;
            const plan = planEnvironments({ kind: "all", exclude: [] }, [disabled], served({ [disabled.id]: { user: true, role: false } }));
            assert.deepEqual(plan.targets, []);
            assert.deepEqual(plan.held, [
                { id: disabled.id, displayName: disabled.displayName, securityGroupId: undefined, user: true, role: false, roleKeepsUser: false },
            ]);
            assert.equal(plan.skipped[0].kept, true);
            assert.match(plan.skipped[0].reason, /kept as it is until then/);
        });

        it("holds nothing for an environment the stack does not serve, and nothing for an excluded one", () => {
            const disabled = KINDS.disabled.env;
            const excluded = KINDS.production.env;
            const plan = planEnvironments({ kind: "all", exclude: [excluded.id] }, [disabled, excluded], served({ [excluded.id]: { user: true, role: true } }));
            assert.deepEqual(plan.held, []);
            assert.deepEqual(
                plan.skipped.map((s) => [s.reasonCode, s.kept]),
                [
                    ["disabled", false],
                    ["excluded", false],
                ],
            );
        });

        it("keeps a held environment's security group, so its membership is not given back", () => {
            const teams = KINDS.teams.env;
            const plan = planEnvironments({ kind: "all", exclude: [] }, [teams], served({ [teams.id]: { user: true, role: true } }));
            assert.equal(plan.held[0].securityGroupId, GROUP);
        });

        it("reports an environment deleted since the last update by the name it had, and does not target it", () => {
            const gone = "a0000099-0000-4000-8000-000000000099";
            const plan = planEnvironments({ kind: "all", exclude: [] }, TENANT, served({ [gone]: { user: true, role: true, displayName: "Pilot" } }, [gone]));
            const entry = plan.skipped.find((s) => s.id === gone)!;
            assert.deepEqual([entry.displayName, entry.reasonCode, entry.kept], ["Pilot", "deleted", false]);
            assert.match(entry.reason, /deleted since the last update/);
            assert.ok(!plan.targets.some((t) => t.id === gone));
        });

        it("lets an exclusion name an environment deleted since, instead of calling it a typo", () => {
            const gone = "a0000099-0000-4000-8000-000000000099";
            const plan = planEnvironments({ kind: "all", exclude: [gone] }, TENANT, served({ [gone]: { user: true, role: true } }, [gone]));
            assert.equal(plan.skipped.find((s) => s.id === gone)!.reasonCode, "deleted");
        });

        it("names a listed environment deleted since the last update as deleted, not as a typo", () => {
            const gone = "a0000099-0000-4000-8000-000000000099";
            assert.throws(
                () => planEnvironments({ kind: "listed", ids: [WITH_DATAVERSE, gone] }, TENANT, served({ [gone]: { user: true, role: true } }, [gone])),
                /a0000099-0000-4000-8000-000000000099 was deleted since the last update/,
            );
        });

        it("with a list, reports the deleted environments the list no longer names", () => {
            const gone = "a0000099-0000-4000-8000-000000000099";
            const plan = planEnvironments({ kind: "listed", ids: [WITH_DATAVERSE] }, TENANT, served({ [gone]: { user: true, role: true } }, [gone]));
            assert.deepEqual(
                plan.skipped.map((s) => [s.id, s.reasonCode]),
                [[gone, "deleted"]],
            );
        });
    });

    it("describes each skipped environment on one line with its name, id and code", () => {
        const plan = planEnvironments({ kind: "all", exclude: [] }, TENANT);
        assert.deepEqual(describeSkipped(plan.skipped), [`Flows sandbox (${WITHOUT_DATAVERSE}) skipped [no-dataverse]: ${NO_DATAVERSE_REASON}.`]);
    });
});
