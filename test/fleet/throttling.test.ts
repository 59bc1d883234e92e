// The fleet pacing itself when tenants are throttled (fleet/throttling.ts), on fake
// tenants whose runs say what happened.

import { strict as assert } from "assert";

import { isThrottledError, PacedResult, runPaced } from "../../fleet/throttling";

interface Result extends PacedResult {
    readonly name: string;
    readonly again?: boolean;
}

const THROTTLED = "Microsoft Graph did not answer list role assignments after 5 attempts: HTTP 429 TooManyRequests: Too many requests.";

describe("fleet pacing under throttling", () => {
    it("knows a throttled failure from others", () => {
        for (const error of [
            THROTTLED,
            "Dataverse did not answer read the user after 5 attempts: HTTP 429 0x80072322: Number of requests exceeded the limit",
            "azuread: creating role assignment: unexpected status 429 (Too Many Requests)",
        ]) {
            assert.ok(isThrottledError(error), error);
        }
        for (const error of [undefined, "Microsoft Graph refused create role assignment: HTTP 403 Authorization_RequestDenied", "timed out after 4290 ms"]) {
            assert.ok(!isThrottledError(error), error);
        }
    });

    it("halves its concurrency for the tenants still to start, and runs the throttled ones again, alone, after the others", async () => {
        const runs: string[] = [];
        let running = 0;
        const inFlight: Record<string, number> = {};
        const lowered: string[] = [];
        let retrying: string[] = [];
        const throttledOnce = new Set(["b", "c"]);
        const results = await runPaced<string, Result>(
            ["a", "b", "c", "d", "e", "f", "g"],
            4,
            async (name) => {
                running++;
                inFlight[`${name}${runs.includes(name) ? "+" : ""}`] = running;
                runs.push(name);
                await new Promise((resolve) => setTimeout(resolve, 10));
                running--;
                if (throttledOnce.delete(name)) return { name, result: "failed", error: THROTTLED };
                return { name, result: "ok" };
            },
            (name) => ({ name, result: "failed", error: "unexpected" }),
            { lowered: (name, to) => lowered.push(`${name} → ${to}`), retrying: (names) => (retrying = [...names]) },
            (second) => ({ ...second, again: true }),
        );
        // b's throttling took 4 to 2, c's 2 to 1.
        assert.deepEqual(lowered, ["b → 2", "c → 1"]);
        assert.deepEqual(retrying, ["b", "c"]);
        assert.deepEqual(runs.slice(-2), ["b", "c"]);
        // Once at 1, tenants start alone; the retries too.
        assert.equal(inFlight["g"], 1);
        assert.equal(inFlight["b+"], 1);
        assert.equal(inFlight["c+"], 1);
        assert.deepEqual(
            results.map((result) => `${result.name} ${result.result}${result.again ? " again" : ""}`),
            ["a ok", "b ok again", "c ok again", "d ok", "e ok", "f ok", "g ok"],
        );
    });

    it("keeps a tenant throttled twice failed, and does not retry other failures", async () => {
        const runs: string[] = [];
        const results = await runPaced<string, Result>(
            ["a", "b"],
            2,
            async (name) => {
                runs.push(name);
                return name === "a" ? { name, result: "failed", error: THROTTLED } : { name, result: "failed", error: "HTTP 403 Authorization_RequestDenied" };
            },
            (name) => ({ name, result: "failed", error: "unexpected" }),
            { lowered: () => undefined, retrying: () => undefined },
            (second) => ({ ...second, again: true }),
        );
        assert.deepEqual(runs, ["a", "b", "a"]);
        assert.deepEqual(
            results.map((result) => [result.result, result.again ?? false]),
            [
                ["failed", true],
                ["failed", false],
            ],
        );
    });

    it("changes nothing when no tenant is throttled", async () => {
        const lowered: string[] = [];
        const results = await runPaced<string, Result>(
            ["a", "b", "c"],
            2,
            async (name) => ({ name, result: "ok" }),
            (name) => ({ name, result: "failed" }),
            { lowered: (name) => lowered.push(name), retrying: () => assert.fail("nothing to retry") },
            (second) => second,
        );
        assert.deepEqual(
            results.map((result) => result.name),
            ["a", "b", "c"],
        );
        assert.deepEqual(lowered, []);
    });
});
