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
});
