// At most N requests in flight per host, for the whole process: a counting semaphore
// per host whose slots every HTTP client shares (Dataverse refuses more than 52
// concurrent requests per user). A caller that waits past its deadline leaves the
// queue without a slot.
//
// A host that says it is near its limit (Graph's x-ms-throttle-limit-percentage, sent
// once the app has used 0.8 of it) is paced: one request at a time, each started at
// least a gap after the one before, the gap growing from 0.2 s at 80 % to 2 s at 100 %
// and above, until an answer from it says less (or nothing). Slowing down before the
// limit costs a little time; running into it costs every request a 429 and a wait,
// and Graph counts the refused requests too.

interface HostSlot {
    active: number;
    waiting: (() => void)[];
    /** Set while the host reports it is near its limit. */
    pace?: { readonly gapMs: number; nextStartMs: number };
    /** The host's pacing was logged once already (by any client of the process). */
    logged?: boolean;
}

type HostSlots = Map<string, HostSlot>;

/** The share of its limit from which a host is paced. */
export const NEAR_LIMIT = 0.8;
const GAP_AT_NEAR_LIMIT_MS = 200;
const GAP_AT_LIMIT_MS = 2_000;

/**
 * x-ms-throttle-limit-percentage as a share of the limit: Microsoft documents a
 * fraction from 0.8 to 1.8; a value above 2 is read as a percentage. Undefined when
 * absent or not a number.
 */
export function limitShare(value: string | undefined): number | undefined {
    if (value === undefined || value.trim() === "") return undefined;
    const number = Number(value.trim().replace(/%$/, ""));
    if (!Number.isFinite(number) || number < 0) return undefined;
    return number > 2 ? number / 100 : number;
}

/** The gap between request starts at `share` of the limit (at least NEAR_LIMIT). */
export function pacingGapMs(share: number): number {
    const over = Math.min(1, Math.max(0, (share - NEAR_LIMIT) / (1 - NEAR_LIMIT)));
    return Math.round(GAP_AT_NEAR_LIMIT_MS + over * (GAP_AT_LIMIT_MS - GAP_AT_NEAR_LIMIT_MS));
}

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

/** Counting semaphore per host, paced while the host says it is near its limit. */
export function createHostLimiter(max: number) {
    const hosts = processHostSlots();
    const slotOf = (host: string): HostSlot => {
        let slot = hosts.get(host);
        if (!slot) {
            slot = { active: 0, waiting: [] };
            hosts.set(host, slot);
        }
        return slot;
    };
    const limitOf = (slot: HostSlot) => (slot.pace ? 1 : max);

    /** Holds a slot until the paced host's next start, unless that is past the deadline. */
    async function spaced(host: string, slot: HostSlot, deadline: number): Promise<boolean> {
        const pace = slot.pace;
        if (!pace) return true;
        const start = Math.max(Date.now(), pace.nextStartMs);
        if (start > deadline) {
            release(host);
            return false;
        }
        pace.nextStartMs = start + pace.gapMs;
        if (start > Date.now()) await new Promise((resolve) => setTimeout(resolve, start - Date.now()));
        return true;
    }

    function release(host: string): void {
        const slot = hosts.get(host);
        if (!slot) return;
        // A slot above a lowered limit is given up rather than handed on.
        const next = slot.active <= limitOf(slot) ? slot.waiting.shift() : undefined;
        if (next) next();
        else slot.active--;
    }

    return {
        /** Takes a slot; false when `deadline` (epoch ms) passed first, and then no slot is held. */
        async acquire(host: string, deadline: number): Promise<boolean> {
            const slot = slotOf(host);
            if (slot.active < limitOf(slot)) {
                slot.active++;
                return spaced(host, slot, deadline);
            }
            // release() hands its slot straight to the next waiter, so `active` stays put.
            const waiting = slot.waiting;
            const granted = await new Promise<boolean>((resolve) => {
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
            return granted && spaced(host, slot, deadline);
        },
        release,
        /**
         * What an answer from `host` said of its limit (limitShare; undefined when it did not
         * say): paced from NEAR_LIMIT on, unpaced below. Returns true the first time, in this
         * process, that the host is paced, so the caller says so once.
         */
        report(host: string, share: number | undefined): boolean {
            const slot = slotOf(host);
            if (share === undefined || share < NEAR_LIMIT) {
                if (!slot.pace) return false;
                slot.pace = undefined;
                // Back to the full limit: wake the callers the lowered one kept waiting.
                while (slot.active < max && slot.waiting.length > 0) {
                    slot.active++;
                    slot.waiting.shift()!();
                }
                return false;
            }
            const gapMs = pacingGapMs(share);
            slot.pace = { gapMs, nextStartMs: slot.pace?.nextStartMs ?? 0 };
            if (slot.logged) return false;
            slot.logged = true;
            return true;
        },
        /** The gap between request starts while `host` is paced; undefined when it is not. */
        pacing(host: string): number | undefined {
            return hosts.get(host)?.pace?.gapMs;
        },
    };
}
