import { strict as assert } from "assert";

import { ConfigError, parseConfig } from "../../lib/config";

const ACCOUNT_ID = "5c1e2a9b-3f4d-4e5f-8a6b-7c8d9e0f1a2b";
const ENV_A = "0f4c6a3e-1b2d-4c5e-8f7a-9b0c1d2e3f4a";
const ENV_B = "7d8e9f0a-1b2c-4d3e-8f5a-6b7c8d9e0f1b";

function source(values: Record<string, string | undefined>) {
    return (key: string) => values[key];
}

function problemsOf(values: Record<string, string | undefined>): readonly string[] {
    try {
        parseConfig(source(values));
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
        return error.problems;
    }
    assert.fail("expected the configuration to be rejected");
}

const VALID = {
    stage: "bootstrap",
    serviceAccount: "backup@contoso.onmicrosoft.com",
    environments: JSON.stringify([ENV_A]),
};

describe("parseConfig", () => {
    it("accepts a minimal configuration and applies defaults", () => {
        const config = parseConfig(source(VALID));
        assert.deepEqual(config, {
            stage: "bootstrap",
            serviceAccount: { kind: "userPrincipalName", userPrincipalName: "backup@contoso.onmicrosoft.com" },
            environments: { kind: "listed", ids: [ENV_A] },
            cloud: "public",
            requireDynamicsLicense: true,
        });
    });

    it("accepts an object id for the account, in any case", () => {
        const config = parseConfig(source({ ...VALID, serviceAccount: ACCOUNT_ID.toUpperCase() }));
        assert.deepEqual(config.serviceAccount, { kind: "objectId", objectId: ACCOUNT_ID });
    });

    it("accepts every stage and every cloud", () => {
        for (const stage of ["bootstrap", "operational", "reauth"]) {
            assert.equal(parseConfig(source({ ...VALID, stage })).stage, stage);
        }
        for (const cloud of ["public", "usgov", "usgovhigh", "dod", "china"]) {
            assert.equal(parseConfig(source({ ...VALID, cloud })).cloud, cloud);
        }
    });

    it('selects every environment with "*" minus the exclusions', () => {
        const config = parseConfig(source({ ...VALID, environments: '["*"]', excludeEnvironments: JSON.stringify([ENV_B.toUpperCase()]) }));
        assert.deepEqual(config.environments, { kind: "all", exclude: [ENV_B] });
    });

    it("normalises the default environment's id whatever its case", () => {
        const config = parseConfig(source({ ...VALID, environments: JSON.stringify([`DEFAULT-${ACCOUNT_ID.toUpperCase()}`]) }));
        assert.deepEqual(config.environments, { kind: "listed", ids: [`Default-${ACCOUNT_ID}`] });
    });

    it("accepts the default environment's id form", () => {
        const id = `Default-${ACCOUNT_ID}`;
        const config = parseConfig(source({ ...VALID, environments: JSON.stringify([id]) }));
        assert.deepEqual(config.environments, { kind: "listed", ids: [id] });
    });

    it("reads the stage and the cloud regardless of case, by one rule", () => {
        assert.equal(parseConfig(source({ ...VALID, stage: " Operational " })).stage, "operational");
        assert.equal(parseConfig(source({ ...VALID, stage: "REAUTH", cloud: "USGov" })).cloud, "usgov");
    });

    it("rejects an unknown stage, naming the key, the value and the choices", () => {
        const [problem] = problemsOf({ ...VALID, stage: "operation" });
        assert.match(problem, /d365-backup-access:stage/);
        assert.match(problem, /"operation"/);
        assert.match(problem, /bootstrap, operational, reauth/);
    });

    it("rejects a missing account and a malformed one", () => {
        assert.match(problemsOf({ ...VALID, serviceAccount: undefined })[0], /serviceAccount is not set/);
        const [malformed] = problemsOf({ ...VALID, serviceAccount: "5c1e2a9b-3f4d-4e5f-8a6b" });
        assert.match(malformed, /"5c1e2a9b-3f4d-4e5f-8a6b" is neither a user principal name/);
    });

    it("rejects malformed environment ids with their position", () => {
        const problems = problemsOf({ ...VALID, environments: JSON.stringify([ENV_A, "not-a-guid"]) });
        assert.equal(problems.length, 1);
        assert.match(problems[0], /environments\[1\]: "not-a-guid" is not a Power Platform environment id/);
    });

    it("rejects an environment both included and excluded", () => {
        const [problem] = problemsOf({
            ...VALID,
            environments: JSON.stringify([ENV_A, ENV_B]),
            excludeEnvironments: JSON.stringify([ENV_B]),
        });
        assert.match(problem, new RegExp(`${ENV_B} is both in d365-backup-access:environments and in d365-backup-access:excludeEnvironments`));
    });

    it('rejects an empty list, "*" mixed with ids, a non-list and a missing list', () => {
        assert.match(problemsOf({ ...VALID, environments: "[]" })[0], /empty list/);
        assert.match(problemsOf({ ...VALID, environments: JSON.stringify(["*", ENV_A]) })[0], /cannot be mixed/);
        assert.match(problemsOf({ ...VALID, environments: ENV_A })[0], /is not a list/);
        assert.match(problemsOf({ ...VALID, environments: undefined })[0], /environments is not set/);
    });

    it("rejects an unknown cloud", () => {
        assert.match(problemsOf({ ...VALID, cloud: "azure" })[0], /cloud: "azure" is not a cloud; expected one of public, usgov/);
    });

    it("reads requireDynamicsLicense as a boolean", () => {
        assert.equal(parseConfig(source({ ...VALID, requireDynamicsLicense: "false" })).requireDynamicsLicense, false);
        assert.match(problemsOf({ ...VALID, requireDynamicsLicense: "no" })[0], /requireDynamicsLicense: "no" is not a boolean/);
    });

    it("lists every problem in one error", () => {
        const problems = problemsOf({
            stage: "demote",
            serviceAccount: "nobody",
            environments: JSON.stringify(["*", "x"]),
            cloud: "mars",
        });
        assert.equal(problems.length, 4, problems.join("\n"));
        assert.throws(() => parseConfig(source({ stage: "demote" })), /3 problems; nothing was changed/);
    });

    describe("time-bound Global Administrator", () => {
        it("is off by default and reads elevationHours and the justification when set", () => {
            assert.equal(parseConfig(source(VALID)).elevation, undefined);
            assert.deepEqual(parseConfig(source({ ...VALID, elevationHours: " 2 " })).elevation, { hours: 2, justification: undefined });
            assert.deepEqual(parseConfig(source({ ...VALID, elevationHours: "24", elevationJustification: " CHG-1234 " })).elevation, {
                hours: 24,
                justification: "CHG-1234",
            });
        });

        it("takes 0, Pulumi.yaml's default, and an empty justification as no elevation", () => {
            assert.equal(parseConfig(source({ ...VALID, elevationHours: "0", elevationJustification: "" })).elevation, undefined);
        });

        for (const bad of ["25", "1.5", "two", "-1"]) {
            it(`refuses elevationHours ${JSON.stringify(bad)}, naming the key, the value and the range`, () => {
                assert.throws(
                    () => parseConfig(source({ ...VALID, elevationHours: bad })),
                    (error: unknown) =>
                        error instanceof ConfigError &&
                        error.problems.length === 1 &&
                        error.problems[0].startsWith(`d365-backup-access:elevationHours: ${JSON.stringify(bad)} is not a whole number of hours from 1 to 24`),
                );
            });
        }

        it("refuses a justification without elevationHours, and one longer than PIM accepts", () => {
            assert.throws(
                () => parseConfig(source({ ...VALID, elevationJustification: "CHG-1" })),
                /elevationJustification is set but d365-backup-access:elevationHours is not/,
            );
            assert.throws(
                () => parseConfig(source({ ...VALID, elevationHours: "2", elevationJustification: "x".repeat(501) })),
                /is 501 characters long; PIM accepts at most 500/,
            );
        });
    });
});
