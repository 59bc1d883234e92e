// Waiting for Graph to reflect a change, as the real provider waits: read until the
// wanted state has been seen a number of times in a row, at least a second apart.

const POLL_INTERVAL_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it answers true `times` times in a row (a false resets the
 * count); fails when the deadline passes first. Errors thrown by `probe` end the wait.
 */
export async function waitUntil(probe: () => Promise<boolean>, times: number, deadline: number, what: string): Promise<void> {
    let inARow = 0;
    for (;;) {
        inARow = (await probe()) ? inARow + 1 : 0;
        if (inARow >= times) return;
        if (Date.now() + POLL_INTERVAL_MS > deadline) throw new Error(`timeout while waiting for ${what}`);
        await sleep(POLL_INTERVAL_MS);
    }
}
