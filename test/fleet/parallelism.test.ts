// How the fleet chooses a tenant's --parallel: the user's wins; else from the listed ids,
// the environments of its last update, or (a ["*"] stack never updated) the tenant's own
// count; a count that fails leaves the engine's default, said in the log. (Each Pulumi
// run passing it: test/fleet/operations.test.ts.)

import { strict as assert } from "assert";

import { generateTenant } from "../../bench/tenant";
import { startEmulator } from "../../emulator";
import { ProgramConfig } from "../../lib/config";
import { recommendedParallel } from "../../lib/parallelism";
import { ENVIRONMENT_USER_TYPE, SECURITY_ROLE_ASSIGNMENT_TYPE } from "../../lib/previous-state";
import { readStackSettings } from "../../lib/stack-settings";
import { emulatedStackValues } from "../support/emulated-stack";
import { chooseParallel, describeRun, environmentsInCheckpoint, environmentsToServe, ParallelInputs } from "../../fleet/parallelism";

const ACCOUNT = { kind: "userPrincipalName", userPrincipalName: "backup@contoso.onmicrosoft.com" } as const;
const ALL: ProgramConfig = {
    stage: "bootstrap",
    serviceAccount: ACCOUNT,
    environments: { kind: "all", exclude: [] },
    cloud: "public",
    requireDynamicsLicense: true,
};

function environmentId(n: number): string {
    return `c0000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

/** A checkpoint serving `count` environments (a user and a role each), plus `partial` with only their user. */
function checkpoint(count: number, partial = 0): unknown {
    const resources: unknown[] = [
        { urn: "urn:pulumi:contoso::d365-backup-access::pulumi:pulumi:Stack::d365-backup-access-contoso", type: "pulumi:pulumi:Stack" },
    ];
    for (let i = 1; i <= count + partial; i++) {
        const types = i <= count ? [ENVIRONMENT_USER_TYPE, SECURITY_ROLE_ASSIGNMENT_TYPE] : [ENVIRONMENT_USER_TYPE];
        for (const type of types) resources.push({ urn: `urn:pulumi:contoso::p::${type}::${type}-${i}`, type, outputs: { environmentId: environmentId(i) } });
    }
    return { resources };
}

function inputs(overrides: Partial<ParallelInputs>): ParallelInputs & { logs: string[]; counted: number } {
    const logs: string[] = [];
    const result = {
        requested: undefined,
        config: ALL,
        deployment: { resources: [] },
        counted: 0,
        logs,
        log: (line: string) => void logs.push(line),
        ...overrides,
    } as ParallelInputs & { logs: string[]; counted: number };
    const count = overrides.countInTenant ?? (async () => 0);
    return Object.assign(result, {
        countInTenant: async () => {
            result.counted++;
            return count();
        },
    });
}

describe("fleet: each tenant's --parallel", () => {
    it("counts the environments a checkpoint serves, once each, whether it holds the user, the role or both", () => {
        assert.equal(environmentsInCheckpoint(checkpoint(300, 5)), 305);
        assert.equal(environmentsInCheckpoint({ resources: [] }), 0);
        assert.equal(environmentsInCheckpoint(undefined), 0);
    });

    it("takes the user's --parallel before anything else, without counting", async () => {
        const given = inputs({ requested: 5, deployment: checkpoint(1000) });
        assert.deepEqual(await chooseParallel(given), { parallel: 5, why: "as asked" });
        assert.equal(given.counted, 0);
    });

    it("counts listed ids from the stack file", async () => {
        const ids = Array.from({ length: 400 }, (_, i) => environmentId(i + 1));
        const given = inputs({ config: { ...ALL, environments: { kind: "listed", ids } }, deployment: checkpoint(3) });
        assert.deepEqual(await chooseParallel(given), { parallel: recommendedParallel(400), why: "400 environments listed in its stack file" });
        assert.equal(given.counted, 0);
    });

    it("counts every-environment stacks from their last update, and asks the tenant only for a stack never updated", async () => {
        const updated = inputs({ deployment: checkpoint(1000) });
        assert.deepEqual(await chooseParallel(updated), { parallel: recommendedParallel(1000), why: "1000 environments in its last update" });
        assert.equal(updated.counted, 0);
        const fresh = inputs({ countInTenant: async () => 150 });
        assert.deepEqual(await chooseParallel(fresh), { parallel: recommendedParallel(150), why: "150 environments to serve in the tenant" });
        assert.equal(fresh.counted, 1);
    });

    it("leaves a small tenant, refused settings and a failed count to the engine's default, saying why", async () => {
        assert.deepEqual(await chooseParallel(inputs({ deployment: checkpoint(1) })), { parallel: undefined, why: "1 environment in its last update" });
        assert.deepEqual(await chooseParallel(inputs({ config: undefined })), { parallel: undefined, why: "the stack's settings were refused" });
        const failing = inputs({
            countInTenant: async () => {
                throw new Error("BAP unreachable");
            },
        });
        assert.deepEqual(await chooseParallel(failing), { parallel: undefined, why: "the tenant's environments could not be counted" });
        assert.match(failing.logs.join("\n"), /could not count the tenant's environments, so its run takes the engine's default --parallel: BAP unreachable/);
    });

    it("shows the command with its flag and why, or the engine's default and why", () => {
        assert.equal(
            describeRun("pulumi up", { parallel: 48, why: "1000 environments in its last update" }),
            "pulumi up --parallel 48 (1000 environments in its last update)",
        );
        assert.equal(
            describeRun("pulumi preview", { parallel: undefined, why: "3 environments listed in its stack file" }),
            "pulumi preview (engine's default --parallel: 3 environments listed in its stack file)",
        );
    });

    it("counts the environments the program would serve in an emulated tenant from one listing", async () => {
        const { seed } = await generateTenant({ environments: 70, latencyMs: 0, userSyncDelayMs: 0 });
        seed.environments!.push({ id: "d0000000-0000-4000-8000-000000000001", displayName: "Flows (no Dataverse)", sku: "Sandbox", dataverse: false } as never);
        const emulator = await startEmulator(seed, { warn: () => undefined });
        try {
            const values = emulatedStackValues(emulator, "bootstrap");
            const settings = readStackSettings(values, {});
            emulator.clearRequests();
            assert.equal(await environmentsToServe(settings.config, settings.clientSettings, () => undefined), 70);
            const writes = emulator.requests().filter((entry) => entry.method !== "GET" && entry.service !== "login");
            assert.deepEqual(writes, [], "read-only");
        } finally {
            await emulator.stop();
        }
    });
});
