// The preview's advice for a large tenant, the program under Pulumi runtime mocks against
// an emulated tenant of many environments.
//
// On --parallel: with PULUMI_NODEJS_PARALLEL (what @pulumi/pulumi's runner sets from the
// engine's --parallel) below the recommendation it warns once, naming the number of
// environments, the parallelism it runs with and the value to pass; with enough, in an
// update (not a preview) or for a small tenant it says nothing; and when the variable is
// missing it warns from the count of environments alone.
//
// On the state's compression (lib/state-compression.ts): a preview of a large tenant
// without PULUMI_DIY_BACKEND_ZSTD warns once, naming it; with it set, in an update or for
// a small tenant it says nothing.

import { strict as assert } from "assert";

import { generateTenant } from "../../bench/tenant";
import { RunningEmulator, startEmulator } from "../../emulator";
import { recommendedParallel } from "../../lib/parallelism";
import { STATE_COMPRESSION_VARIABLE } from "../../lib/state-compression";
import { ProgramRun, runProgram } from "../support/program-runner";

const LARGE = 120;
const SMALL = 10;

interface Tenant {
    readonly emulator: RunningEmulator;
    readonly account: { objectId: string; userPrincipalName: string };
}

async function tenantOf(environments: number): Promise<Tenant> {
    const { seed, accountUpn } = await generateTenant({ environments, latencyMs: 0, userSyncDelayMs: 0 });
    const objectId = seed.users!.find((user) => user.userPrincipalName === accountUpn)!.id;
    return { emulator: await startEmulator(seed, { warn: () => undefined }), account: { objectId, userPrincipalName: accountUpn } };
}

describe("program under mocks: the preview's advice on --parallel and on compressed state", function () {
    // One child process per run: the bound only catches a hang on a busy machine.
    this.timeout(600000);
    let large: Tenant;
    let small: Tenant;
    const runs: Record<string, ProgramRun> = {};

    before(async () => {
        [large, small] = await Promise.all([tenantOf(LARGE), tenantOf(SMALL)]);
        const run = (tenant: Tenant, preview: boolean, parallel: string, compressed = "") =>
            runProgram({
                config: {
                    "d365-backup-access:stage": "bootstrap",
                    "d365-backup-access:serviceAccount": tenant.account.userPrincipalName,
                    "d365-backup-access:environments": '["*"]',
                },
                users: [tenant.account],
                preview,
                // "" stands for a runner that did not set it.
                env: {
                    ...tenant.emulator.env,
                    PULUMI_NODEJS_PARALLEL: parallel,
                    [STATE_COMPRESSION_VARIABLE]: compressed,
                    PULUMI_DIY_BACKEND_GZIP: "",
                    PULUMI_BACKEND_URL: "",
                },
            });
        const scenarios: Record<string, () => Promise<ProgramRun>> = {
            belowDefault: () => run(large, true, "8"),
            enough: () => run(large, true, String(recommendedParallel(LARGE))),
            unknown: () => run(large, true, ""),
            update: () => run(large, false, "8"),
            small: () => run(small, true, "8"),
            compressed: () => run(large, true, String(recommendedParallel(LARGE)), "true"),
        };
        // Two at a time: each run is a Node process of its own.
        const names = Object.keys(scenarios);
        for (let i = 0; i < names.length; i += 2) {
            const batch = names.slice(i, i + 2);
            const results = await Promise.all(batch.map((name) => scenarios[name]()));
            batch.forEach((name, index) => (runs[name] = results[index]));
        }
    });

    after(async () => {
        await large?.emulator.stop();
        await small?.emulator.stop();
    });

    const advice = (run: ProgramRun) => run.warnings.filter((warning) => /--parallel/.test(warning));

    it("warns once in a preview run below the recommendation, naming the environments, the parallelism it runs with and what to pass", () => {
        const run = runs.belowDefault;
        assert.equal(run.error, undefined);
        assert.equal(run.resources.filter((r) => r.type.endsWith(":SecurityRoleAssignment")).length, LARGE);
        const recommended = recommendedParallel(LARGE)!;
        assert.ok(recommended > 8, `the recommendation for ${LARGE} environments is above the default of 8 (${recommended})`);
        assert.equal(advice(run).length, 1, run.warnings.join("\n"));
        assert.match(advice(run)[0], new RegExp(`^${LARGE} environments to serve and this run does at most 8 resource operations at once: `));
        assert.ok(advice(run)[0].includes(`\`pulumi up --parallel ${recommended}\``), advice(run)[0]);
        assert.ok(advice(run)[0].includes(`PULUMI_PARALLEL=${recommended}`), advice(run)[0]);
    });

    it("says nothing when the run already has the recommended parallelism", () => {
        assert.equal(runs.enough.error, undefined);
        assert.deepEqual(advice(runs.enough), []);
    });

    it("warns from the count of environments alone when the runner does not say its parallelism", () => {
        assert.equal(advice(runs.unknown).length, 1, runs.unknown.warnings.join("\n"));
        assert.match(advice(runs.unknown)[0], new RegExp(`^${LARGE} environments to serve: run \`pulumi up --parallel ${recommendedParallel(LARGE)}\``));
    });

    it("says nothing in the update itself (its preview already said it) nor for a small tenant", () => {
        assert.equal(runs.update.error, undefined);
        assert.deepEqual(advice(runs.update), []);
        assert.equal(runs.small.error, undefined);
        assert.equal(runs.small.resources.filter((r) => r.type.endsWith(":SecurityRoleAssignment")).length, SMALL);
        assert.deepEqual(advice(runs.small), []);
    });

    const compressionAdvice = (run: ProgramRun) => run.warnings.filter((warning) => warning.includes(STATE_COMPRESSION_VARIABLE));

    it("warns once in a preview of a large tenant whose state is written uncompressed, naming the variable to set", () => {
        for (const name of ["belowDefault", "enough", "unknown"]) {
            const advice = compressionAdvice(runs[name]);
            assert.equal(advice.length, 1, `${name}: ${runs[name].warnings.join("\n")}`);
            assert.match(
                advice[0],
                new RegExp(`^${LARGE} environments to serve: on a self-managed backend .* set ${STATE_COMPRESSION_VARIABLE}=true before \`pulumi up\``),
            );
        }
    });

    it("says nothing on compression when the variable is set, in the update itself, or for a small tenant", () => {
        assert.equal(runs.compressed.error, undefined);
        assert.equal(runs.compressed.resources.filter((r) => r.type.endsWith(":SecurityRoleAssignment")).length, LARGE);
        assert.deepEqual(compressionAdvice(runs.compressed), []);
        assert.deepEqual(compressionAdvice(runs.update), []);
        assert.deepEqual(compressionAdvice(runs.small), []);
    });
});
