// Randomness behind latency distributions and fault probabilities. A seed
// (behaviour.randomSeed) makes benchmark runs repeatable; without one it is Math.random.
import { LatencySeed } from "../seed/types";

export type Random = () => number;

export function createRandom(seed?: number): Random {
    if (seed === undefined) return Math.random;
    // mulberry32: small, fast and good enough for simulation
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function standardNormal(random: Random): number {
    // Box-Muller; 1 - u keeps the logarithm finite
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One latency sample in milliseconds (never negative). */
export function sampleLatency(latency: LatencySeed, random: Random): number {
    if (typeof latency === "number") return latency;
    switch (latency.distribution) {
        case "uniform":
            return latency.minMs + random() * (latency.maxMs - latency.minMs);
        case "normal":
            return Math.max(0, latency.meanMs + standardNormal(random) * latency.stdDevMs);
        case "lognormal":
            return latency.medianMs * Math.exp(latency.sigma * standardNormal(random));
    }
}

export function sleep(ms: number): Promise<void> {
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
