// Runs one task per tenant, at most `concurrency` at a time, in the order given. A
// failing tenant never stops the others: each task's failure becomes its own result.
// The concurrency may be a function, read before each tenant starts: when it drops
// (the fleet pacing itself against a throttling service), workers above it finish
// their tenant and stop, so no tenant is interrupted.

export async function runPool<T, R>(
    items: readonly T[],
    concurrency: number | (() => number),
    task: (item: T, index: number) => Promise<R>,
    onFailure: (item: T, error: unknown) => R,
): Promise<R[]> {
    const limit = typeof concurrency === "number" ? () => concurrency : concurrency;
    const results: R[] = new Array(items.length);
    let next = 0;
    let workers = Math.min(limit(), items.length);
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            if (workers > Math.max(1, limit())) break;
            const index = next++;
            try {
                results[index] = await task(items[index], index);
            } catch (error) {
                results[index] = onFailure(items[index], error);
            }
        }
        workers--;
    };
    await Promise.all(Array.from({ length: workers }, worker));
    return results;
}
