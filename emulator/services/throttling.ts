// Keeps a service's request-count limiter in step with the tenant's behaviour settings,
// which tests may change at run time through mutate().
import { SlidingWindowLimiter } from "../core/throttle";
import { RequestLimitSeed } from "../seed/types";

export type KeyedLimiter = { key: string; limiter: SlidingWindowLimiter };

/** The limiter for `limit`, reusing `current` while the setting is unchanged; undefined = no limit. */
export function limiterFor(current: KeyedLimiter | undefined, limit: RequestLimitSeed | null): KeyedLimiter | undefined {
    if (!limit) return undefined;
    const key = `${limit.requests}/${limit.windowSeconds}`;
    if (current?.key === key) return current;
    return { key, limiter: new SlidingWindowLimiter(limit.requests, limit.windowSeconds * 1000) };
}
