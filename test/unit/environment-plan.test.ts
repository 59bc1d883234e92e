import { strict as assert } from "assert";

import { EnvironmentSelectionError, planEnvironments } from "../../lib/environment-plan";
import type { EnvironmentInfo } from "../../providers";

function environment(id: string, options: { dataverse?: boolean; group?: string; name?: string } = {}): EnvironmentInfo {
    return {
        id,
        displayName: options.name ?? `env ${id.slice(0, 4)}`,
        sku: "Production",
        state: "Enabled",
        isDefault: false,
        provisioningState: "Succeeded",
        location: "europe",
        dataverse:
            options.dataverse === false
                ? undefined
                : { instanceUrl: `https://${id.slice(0, 8)}.crm4.dynamics.com/`, instanceApiUrl: undefined, uniqueName: undefined, domainName: undefined, version: undefined },
        securityGroupId: options.group,
    };
}

const WITH_DATAVERSE = "11111111-1111-4111-8111-111111111111";
const WITH_GROUP = "22222222-2222-4222-8222-222222222222";
const WITHOUT_DATAVERSE = "33333333-3333-4333-8333-333333333333";
const GROUP = "99999999-9999-4999-8999-999999999999";
const TENANT = [
    environment(WITH_DATAVERSE),
    environment(WITH_GROUP, { group: GROUP.toUpperCase() }),
    environment(WITHOUT_DATAVERSE, { dataverse: false, name: "Teams sandbox" }),
];

describe("planEnvironments", () => {
    it('"*" takes every environment with Dataverse and reports the others as skipped', () => {
        const plan = planEnvironments({ kind: "all", exclude: [] }, TENANT);
        assert.deepEqual(plan.targets.map((t) => t.id), [WITH_DATAVERSE, WITH_GROUP]);
        assert.deepEqual(plan.skipped, [
            { id: WITHOUT_DATAVERSE, displayName: "Teams sandbox", reason: "no Dataverse database, so no Dynamics 365 data to back up" },
        ]);
    });

    it('"*" leaves out the excluded environments', () => {
        const plan = planEnvironments({ kind: "all", exclude: [WITH_GROUP, WITHOUT_DATAVERSE] }, TENANT);
        assert.deepEqual(plan.targets.map((t) => t.id), [WITH_DATAVERSE]);
        assert.deepEqual(plan.skipped, []);
    });

    it('"*" refuses an exclusion the tenant does not have, which would exclude nothing', () => {
        const typo = "55555555-5555-4555-8555-555555555555";
        assert.throws(
            () => planEnvironments({ kind: "all", exclude: [typo] }, TENANT),
            new RegExp(`excludeEnvironments: ${typo} is not an environment of this tenant, so it excludes nothing`),
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
                assert.match(error.problems[1], /"Teams sandbox"\) has no Dataverse database/);
                assert.match(error.message, /nothing was changed/);
                return true;
            },
        );
    });

    it("matches ids whatever their case", () => {
        const plan = planEnvironments({ kind: "listed", ids: [WITH_DATAVERSE] }, [environment(WITH_DATAVERSE.toUpperCase())]);
        assert.equal(plan.targets.length, 1);
    });
});
