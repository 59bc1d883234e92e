// At most N requests in flight per host, for the whole process: a counting semaphore
// per host whose slots every HTTP client shares (Dataverse refuses more than 52
// concurrent requests per user). A caller that waits past its deadline leaves the
// queue without a slot.

type HostSlots = Map<string, { active: number; waiting: (() => void)[] }>;

/**
 * The slots are shared by every client in the process (kept on globalThis): one
 * provider host holds several client contexts (one per mode, and those of copies
 * serialized into older state), and the bound is meant per host, not per context.
 */
function processHostSlots(): HostSlots {
    const holder = globalThis as unknown as Record<symbol, HostSlots | undefined>;
    const key = Symbol.for("d365-backup-access.host-slots.v1");
    let slots = holder[key];
    if (!slots) {
        slots = new Map();
        holder[key] = slots;
    }
    return slots;
}

/** Counting semaphore per host. */
export function createHostLimiter(max: number) {
    const hosts = processHostSlots();
    return {
        /** Takes a slot; false when `deadline` (epoch ms) passed first, and then no slot is held. */
        async acquire(host: string, deadline: number): Promise<boolean> {
            let slot = hosts.get(host);
            if (!slot) {
                slot = { active: 0, waiting: [] };
                hosts.set(host, slot);
            }
            if (slot.active < max) {
                slot.active++;
                return true;
            }
            // release() hands its slot straight to the next waiter, so `active` stays put.
            const waiting = slot.waiting;
            return new Promise<boolean>((resolve) => {
                // Declared before the waiter that clears it: Pulumi's closure serializer
                // (a copy of this code serialized into state by earlier versions) cannot
                // capture a variable used before its declaration.
                let timer: ReturnType<typeof setTimeout> | undefined = undefined;
                const waiter = () => {
                    clearTimeout(timer);
                    resolve(true);
                };
                timer = setTimeout(
                    () => {
                        // Leave the queue, so no slot is ever handed to a caller that gave up.
                        const index = waiting.indexOf(waiter);
                        if (index >= 0) waiting.splice(index, 1);
                        resolve(false);
                    },
                    Math.max(0, deadline - Date.now()),
                );
                waiting.push(waiter);
            });
        },
        release(host: string): void {
            const slot = hosts.get(host);
            if (!slot) return;
            const next = slot.waiting.shift();
            if (next) next();
            else slot.active--;
        },
    };
}
