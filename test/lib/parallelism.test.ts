// The one rule for --parallel: none for small tenants, more with more environments, never
// above the cap that keeps a tenant's Dataverse requests under 52 at once; what the program
// reads of the engine's parallelism; and when the preview's advice speaks.

import { strict as assert } from "assert";

import {
    ENGINE_DEFAULT_ENOUGH_UP_TO,
    engineParallel,
    MAX_RECOMMENDED_PARALLEL,
    MIN_RECOMMENDED_PARALLEL,
    parallelAdvice,
    recommendedParallel,
} from "../../lib/parallelism";

describe("parallelism", () => {
    describe("recommendedParallel", () => {
        it("recommends nothing up to the size the engine's default serves", () => {
            for (const environments of [0, 1, 10, ENGINE_DEFAULT_ENOUGH_UP_TO])
                assert.equal(recommendedParallel(environments), undefined, String(environments));
            assert.equal(recommendedParallel(NaN), undefined);
        });

        it("grows with the environments, from the 2-core default up to the cap, and never falls", () => {
            let previous = 0;
            for (let environments = ENGINE_DEFAULT_ENOUGH_UP_TO + 1; environments <= 5000; environments++) {
                const parallel = recommendedParallel(environments)!;
                assert.ok(parallel >= MIN_RECOMMENDED_PARALLEL && parallel <= MAX_RECOMMENDED_PARALLEL, `${environments}: ${parallel}`);
                assert.ok(parallel >= previous, `${environments}: ${parallel} < ${previous}`);
                previous = parallel;
            }
            assert.ok(recommendedParallel(100)! > MIN_RECOMMENDED_PARALLEL);
            assert.equal(recommendedParallel(1000), MAX_RECOMMENDED_PARALLEL);
            assert.equal(recommendedParallel(100000), MAX_RECOMMENDED_PARALLEL);
        });

        it("stays under Dataverse's 52 concurrent requests per user per web server", () => {
            assert.ok(MAX_RECOMMENDED_PARALLEL < 52);
        });
    });

    describe("engineParallel", () => {
        it("reads PULUMI_NODEJS_PARALLEL as the runner sets it", () => {
            assert.equal(engineParallel({ PULUMI_NODEJS_PARALLEL: "8" }), 8);
            assert.equal(engineParallel({ PULUMI_NODEJS_PARALLEL: " 64 " }), 64);
        });

        it("is unknown when absent, empty, zero or not a number", () => {
            for (const value of [undefined, "", "0", "-4", "eight", "4.5"])
                assert.equal(engineParallel({ PULUMI_NODEJS_PARALLEL: value }), undefined, String(value));
        });
    });

    describe("parallelAdvice", () => {
        it("names the environments, the parallelism of the run and the value to pass when the run has less", () => {
            const advice = parallelAdvice(1000, 8)!;
            assert.match(advice, /^1000 environments to serve and this run does at most 8 resource operations at once: /);
            assert.ok(advice.includes(`\`pulumi up --parallel ${MAX_RECOMMENDED_PARALLEL}\``), advice);
            assert.ok(advice.includes(`PULUMI_PARALLEL=${MAX_RECOMMENDED_PARALLEL}`), advice);
        });

        it("speaks from the count alone when the run's parallelism is unknown", () => {
            assert.match(parallelAdvice(200, undefined)!, new RegExp(`^200 environments to serve: run \`pulumi up --parallel ${recommendedParallel(200)}\``));
        });

        it("is silent for a small tenant, and for a run with the recommended parallelism or more", () => {
            assert.equal(parallelAdvice(ENGINE_DEFAULT_ENOUGH_UP_TO, 1), undefined);
            assert.equal(parallelAdvice(1000, MAX_RECOMMENDED_PARALLEL), undefined);
            assert.equal(parallelAdvice(1000, 256), undefined);
            assert.notEqual(parallelAdvice(1000, MAX_RECOMMENDED_PARALLEL - 1), undefined);
        });
    });
});
