// Runs one task per tenant, at most `concurrency` at a time, in the order given. A
// failing tenant never stops the others: each task's failure becomes its own result.

export async function runPool<T, R>(
    items: readonly T[],
    concurrency: number,
    task: (item: T, index: number) => Promise<R>,
    onFailure: (item: T, error: unknown) => R,
): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            const index = next++;
            try {
                results[index] = await task(items[index], index);
            } catch (error) {
                results[index] = onFailure(items[index], error);
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    return results;
}
