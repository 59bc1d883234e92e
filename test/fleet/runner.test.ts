import { strict as assert } from "assert";

import { runPool } from "../../fleet/runner";

describe("fleet runner", () => {
    it("runs at most N tasks at once, in order, and goes on past a failing one", async () => {
        let running = 0;
        let most = 0;
        const release: Array<() => void> = [];
        const started: number[] = [];
        const task = (n: number) =>
            new Promise<string>((resolve, reject) => {
                running++;
                most = Math.max(most, running);
                started.push(n);
                release.push(() => {
                    running--;
                    if (n === 2) reject(new Error("tenant 2 broke"));
                    else resolve(`done ${n}`);
                });
            });
        const pool = runPool([1, 2, 3, 4, 5], 2, task, (n, error) => `failed ${n}: ${(error as Error).message}`);
        // Release tasks one by one as they start; the pool must never hold more than two.
        while (started.length < 5 || release.length) {
            await new Promise((resolve) => setImmediate(resolve));
            release.shift()?.();
        }
        assert.deepEqual(await pool, ["done 1", "failed 2: tenant 2 broke", "done 3", "done 4", "done 5"]);
        assert.equal(most, 2);
        assert.deepEqual(started, [1, 2, 3, 4, 5]);
    });

    it("reads a concurrency given as a function before each task: when it drops, workers above it stop after their task", async () => {
        let limit = 3;
        let running = 0;
        const most: number[] = [];
        const pool = runPool(
            [1, 2, 3, 4, 5, 6, 7, 8],
            () => limit,
            async (n) => {
                running++;
                most.push(running);
                await new Promise((resolve) => setTimeout(resolve, 5));
                if (n === 2) limit = 1;
                running--;
                return n;
            },
            () => 0,
        );
        assert.deepEqual(await pool, [1, 2, 3, 4, 5, 6, 7, 8]);
        // Tasks 1 to 3 ran together; once 2 lowered the limit, one at a time.
        assert.deepEqual(most.slice(0, 3), [1, 2, 3]);
        assert.ok(
            most.slice(4).every((count) => count === 1),
            `in flight as each started: ${most.join(", ")}`,
        );
    });
});
