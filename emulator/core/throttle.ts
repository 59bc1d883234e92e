// Service protection: a sliding request-count window and a concurrency gate, both
// kept per key (the caller, and for Dataverse the caller within one environment).

/** Counts requests per key over a sliding window. */
export class SlidingWindowLimiter {
    private readonly hits = new Map<string, number[]>();

    constructor(
        private readonly limit: number,
        private readonly windowMs: number,
        private readonly now: () => number = Date.now,
    ) {}

    /** Records a request; returns seconds to wait when it is over the limit (and then records nothing). */
    tryAcquire(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
        const now = this.now();
        const recent = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
        if (recent.length >= this.limit) {
            this.hits.set(key, recent);
            return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((recent[0] + this.windowMs - now) / 1000)) };
        }
        recent.push(now);
        this.hits.set(key, recent);
        return { ok: true };
    }

    /** The share of the limit `key` has used in the window now (1 = all of it). */
    share(key: string): number {
        const now = this.now();
        return (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs).length / this.limit;
    }
}

/** Counts requests in flight per key. */
export class ConcurrencyGate {
    private readonly inFlight = new Map<string, number>();

    constructor(private readonly limit: number) {}

    /** A release function when admitted, undefined when the key is at its limit. */
    tryEnter(key: string): (() => void) | undefined {
        const current = this.inFlight.get(key) ?? 0;
        if (current >= this.limit) return undefined;
        this.inFlight.set(key, current + 1);
        let released = false;
        return () => {
            if (released) return;
            released = true;
            const left = (this.inFlight.get(key) ?? 1) - 1;
            if (left <= 0) this.inFlight.delete(key);
            else this.inFlight.set(key, left);
        };
    }
}
