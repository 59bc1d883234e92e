import { strict as assert } from "assert";
import { createRandom, sampleLatency } from "../../../emulator/core/random";

describe("emulator latency distributions", () => {
    const samples = (latency: Parameters<typeof sampleLatency>[0], n = 2000) => {
        const random = createRandom(42);
        return Array.from({ length: n }, () => sampleLatency(latency, random));
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

    it("a fixed latency is always the same", () => {
        assert.deepEqual([...new Set(samples(25, 10))], [25]);
    });

    it("uniform stays within its bounds, normal is never negative, lognormal centres on its median", () => {
        const uniform = samples({ distribution: "uniform", minMs: 10, maxMs: 20 });
        assert.ok(uniform.every((x) => x >= 10 && x <= 20));
        const normal = samples({ distribution: "normal", meanMs: 5, stdDevMs: 10 });
        assert.ok(normal.every((x) => x >= 0));
        assert.ok(normal.some((x) => x === 0) && normal.some((x) => x > 5));
        const lognormal = samples({ distribution: "lognormal", medianMs: 50, sigma: 0.5 });
        assert.ok(Math.abs(median(lognormal) - 50) < 5, `median ${median(lognormal)}`);
    });

    it("a random seed makes samples repeatable", () => {
        const dist = { distribution: "uniform" as const, minMs: 0, maxMs: 100 };
        assert.deepEqual(samples(dist, 20), samples(dist, 20));
    });
});
