// A tenant that failed only because a service throttled it (429 after every retry the
// clients allow, Retry-After honoured) has not failed on its own account: the fleet was
// asking too much of a limit the tenants share (Graph counts one app's requests across
// every tenant). So the fleet paces itself: it halves its concurrency for the tenants
// still to start, then runs each throttled tenant again, one at a time, at the end.
// A tenant throttled again then fails, saying so; nothing is dropped silently.

import { runPool } from "./runner";

/** What a failure line says when a service throttled the run: HTTP 429, Graph's and BAP's code, Dataverse's service-protection codes. */
const THROTTLED = /\b429\b|too ?many ?requests|throttl|0x8007232[126]/i;

export function isThrottledError(error: string | undefined): boolean {
    return error !== undefined && THROTTLED.test(error);
}

export interface PacedResult {
    readonly result: "ok" | "failed";
    readonly error?: string;
}

export interface PacingEvents<T> {
    /** The concurrency dropped to `to` after `item` was throttled. */
    lowered(item: T, to: number): void;
    /** The throttled tenants are run again, one at a time. */
    retrying(items: readonly T[]): void;
}

/**
 * runPool, pacing itself: each tenant whose failure is throttling halves the concurrency
 * (down to 1) for the tenants not yet started, and is run again after the others, one at
 * a time. The second result stands; `again` marks it (a second throttling included).
 */
export async function runPaced<T, R extends PacedResult>(
    items: readonly T[],
    concurrency: number,
    task: (item: T) => Promise<R>,
    onFailure: (item: T, error: unknown) => R,
    events: PacingEvents<T>,
    again: (second: R, first: R) => R,
): Promise<R[]> {
    let limit = concurrency;
    const throttled: number[] = [];
    const results = await runPool(
        items,
        () => limit,
        async (item, index) => {
            const result = await task(item);
            if (result.result === "failed" && isThrottledError(result.error)) {
                throttled.push(index);
                if (limit > 1) {
                    limit = Math.max(1, Math.floor(limit / 2));
                    events.lowered(item, limit);
                }
            }
            return result;
        },
        onFailure,
    );
    if (throttled.length === 0) return results;
    throttled.sort((a, b) => a - b);
    events.retrying(throttled.map((index) => items[index]));
    const retried = await runPool(
        throttled,
        1,
        (index) => task(items[index]),
        (index, error) => onFailure(items[index], error),
    );
    throttled.forEach((index, n) => (results[index] = again(retried[n], results[index])));
    return results;
}
