// Waiting for eventual consistency: the schedule of probes, and what a wait does
// first, at the end and on timeout.

import * as assert from "assert";

import { pollingIntervals, waitFor, WaitOptions } from "../../../providers/transport/polling";

function take(count: number, initialMs: number, maxMs: number): number[] {
    const intervals = pollingIntervals(initialMs, maxMs);
    return Array.from({ length: count }, () => intervals.next().value);
}

/** A wait for "x" that logs nothing and fails with "timeout", with the timings (and anything else) a test sets. */
function waitOptions(set: Pick<WaitOptions, "timeoutMs" | "initialIntervalMs" | "maxIntervalMs"> & Partial<WaitOptions>): WaitOptions {
    return { what: "x", log: () => undefined, onTimeout: () => new Error("timeout"), ...set };
}

describe("polling", () => {
    it("polls at the initial interval for three rounds, then grows by half up to the ceiling", () => {
        assert.deepStrictEqual(take(8, 500, 3000), [500, 500, 500, 750, 1125, 1687.5, 2531.25, 3000]);
        assert.deepStrictEqual(take(3, 5000, 2000), [2000, 2000, 2000], "the ceiling bounds the first interval too");
    });

    it("probes at once by default, and after one interval when asked", async () => {
        for (const firstProbeAfterInterval of [false, true]) {
            // Ordering, not timing: a timer due at half the interval has fired before a
            // delayed first probe, and not before an immediate one.
            let halfIntervalPassed = false;
            const timer = setTimeout(() => (halfIntervalPassed = true), 100);
            let seenAtFirstProbe: boolean | undefined;
            const value = await waitFor(
                waitOptions({
                    timeoutMs: 5_000,
                    initialIntervalMs: 200,
                    maxIntervalMs: 200,
                    firstProbeAfterInterval,
                }),
                async () => {
                    seenAtFirstProbe ??= halfIntervalPassed;
                    return { done: true as const, value: 42 };
                },
            );
            clearTimeout(timer);
            assert.strictEqual(value, 42);
            assert.strictEqual(seenAtFirstProbe, firstProbeAfterInterval);
        }
    });

    it("counts the probes a one-second wait takes at the default half-second interval", async () => {
        let probes = 0;
        const readyAt = Date.now() + 1_000;
        await waitFor(
            waitOptions({
                timeoutMs: 10_000,
                initialIntervalMs: 500,
                maxIntervalMs: 7_500,
                firstProbeAfterInterval: true,
            }),
            async () => {
                probes++;
                return Date.now() >= readyAt ? { done: true as const, value: undefined } : { done: false as const, reason: "not yet" };
            },
        );
        assert.ok(probes <= 3, `${probes} probes`);
    });

    it("ends with the caller's error, naming the last reason, when time runs out", async () => {
        await assert.rejects(
            waitFor(
                waitOptions({
                    timeoutMs: 50,
                    initialIntervalMs: 10,
                    maxIntervalMs: 10,
                    onTimeout: (reason) => new Error(`gave up: ${reason}`),
                }),
                async () => ({ done: false as const, reason: "still syncing" }),
            ),
            /gave up: still syncing/,
        );
    });
});
