// The request log behind GET /_emulator/requests: what was called, by whom, how it
// ended and when. Bodies are never recorded (they carry secrets and tokens).
import { ServiceName } from "../seed/types";

export interface RequestLogEntry {
    seq: number;
    service: ServiceName;
    /** Dataverse: the environment id of the origin called. */
    environmentId?: string;
    method: string;
    /** Path and query as sent. */
    path: string;
    caller: { oid: string; appid: string } | null;
    /** HTTP status; 0 when the connection was dropped or the client went away first. */
    status: number;
    /** Epoch milliseconds. */
    startMs: number;
    endMs: number;
    /** Set when an injected fault or a throttling rule answered instead of the service. */
    note?: string;
}

export class RequestLog {
    private readonly entries: RequestLogEntry[] = [];
    private seq = 0;

    /** `onRecord` sees each entry as it is recorded, right after its answer was written (the tenant already changed). */
    constructor(private readonly onRecord?: (entry: RequestLogEntry) => void) {}

    record(entry: Omit<RequestLogEntry, "seq">): void {
        const recorded = { seq: ++this.seq, ...entry };
        this.entries.push(recorded);
        this.onRecord?.({ ...recorded, caller: recorded.caller && { ...recorded.caller } });
    }

    /** Entries with seq greater than `since` (all by default). */
    list(since = 0): RequestLogEntry[] {
        return this.entries.filter((e) => e.seq > since).map((e) => ({ ...e, caller: e.caller && { ...e.caller } }));
    }

    clear(): void {
        this.entries.length = 0;
    }
}
