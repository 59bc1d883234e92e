// Waiting for eventual consistency: a user Power Platform has not synced yet, a
// licence still on its way, an application user not yet usable. Separate from the
// transport retries in http/client.ts: here every round is a successful call whose answer
// is "not yet".
//
// Intervals start short, stay short for the first rounds (most waits end within them)
// and then grow by half each round up to a ceiling, so a user that syncs in a second
// holds its engine slot about a second, not a fixed ten, and a slow one does not cost
// a request every half second for ten minutes. Every wait is bounded, and long waits
// print progress so an operator sees why `pulumi up` sits still.

import { formatSeconds } from "./durations";

export type Probe<T> = () => Promise<{ readonly done: true; readonly value: T } | { readonly done: false; readonly reason: string }>;

export interface WaitOptions {
    /** What is awaited, for progress lines: "the account's Dataverse user to appear". */
    readonly what: string;
    readonly environmentId?: string;
    readonly timeoutMs: number;
    readonly initialIntervalMs: number;
    readonly maxIntervalMs: number;
    /**
     * Wait one interval before the first probe: for a change just requested, which is
     * never visible at once, an immediate probe is a wasted request.
     */
    readonly firstProbeAfterInterval?: boolean;
    readonly log: (message: string) => void;
    /** Builds the error thrown when time runs out, from the last "not yet" reason. */
    readonly onTimeout: (lastReason: string, waitedMs: number) => Error;
}

/**
 * The first progress line comes after ten polling intervals, at most ten seconds; then
 * one every three times that. Tied to the interval so a fast-polling configuration
 * reports at its own pace.
 */
const FIRST_PROGRESS_MAX_MS = 10_000;
const FIRST_PROGRESS_INTERVALS = 10;
const PROGRESS_EVERY_FACTOR = 3;
const GROWTH = 1.5;
/** Rounds polled at the initial interval before it starts to grow. */
const STEADY_ROUNDS = 3;

/** The pause before each probe after the first: `initialMs` for a few rounds, then growing by half up to `maxMs`. */
export function* pollingIntervals(initialMs: number, maxMs: number): Generator<number, never, void> {
    let interval = Math.min(initialMs, maxMs);
    for (let round = 1; ; round++) {
        yield interval;
        if (round >= STEADY_ROUNDS) interval = Math.min(maxMs, interval * GROWTH);
    }
}

export async function waitFor<T>(options: WaitOptions, probe: Probe<T>): Promise<T> {
    const started = Date.now();
    const deadline = started + options.timeoutMs;
    const intervals = pollingIntervals(options.initialIntervalMs, options.maxIntervalMs);
    const firstProgressMs = Math.min(FIRST_PROGRESS_MAX_MS, options.initialIntervalMs * FIRST_PROGRESS_INTERVALS);
    let nextProgress = started + firstProgressMs;
    const where = options.environmentId ? `Environment ${options.environmentId}: ` : "";
    if (options.firstProbeAfterInterval) await sleep(Math.min(intervals.next().value, options.timeoutMs));
    for (;;) {
        const outcome = await probe();
        if (outcome.done) {
            const waited = Date.now() - started;
            if (waited >= firstProgressMs) options.log(`${where}done waiting for ${options.what} after ${formatSeconds(waited)}.`);
            return outcome.value;
        }
        const now = Date.now();
        if (now >= deadline) throw options.onTimeout(outcome.reason, now - started);
        if (now >= nextProgress) {
            options.log(
                `${where}still waiting for ${options.what} (${outcome.reason}); ${formatSeconds(now - started)} of at most ${formatSeconds(options.timeoutMs)}.`,
            );
            nextProgress = now + firstProgressMs * PROGRESS_EVERY_FACTOR;
        }
        await sleep(Math.min(intervals.next().value, Math.max(0, deadline - now)));
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
