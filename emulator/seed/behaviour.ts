// How the emulated services behave: delays, page sizes, request limits, latency, and
// the faults injected into chosen requests (from the seed or posted at run time).
import { Obj, Reader } from "./reader";
import { SERVICE_NAMES, Behaviour, FaultSeed, LatencySeed, RequestLimitSeed, ServiceName } from "./types";

export const DEFAULT_BEHAVIOUR: Behaviour = {
    userSyncDelayMs: 0,
    licensePropagationDelayMs: 0,
    bapPageSize: 50,
    graphPageSize: 100,
    dataverseConcurrencyLimit: 52,
    dataverseConcurrencyRetryAfterSeconds: 1,
    dataverseRequestLimit: { requests: 6000, windowSeconds: 300 },
    graphRequestLimit: null,
    bapRequestLimit: null,
    tokenLifetimeSeconds: 3600,
    latencyMs: 0,
};

function readRequestLimit(r: Reader, path: string, value: unknown): RequestLimitSeed | undefined {
    const o = r.object(path, value, ["requests", "windowSeconds"]);
    if (!o) return undefined;
    return {
        requests: r.number(`${path}.requests`, o.requests, undefined, { min: 1, integer: true }),
        windowSeconds: r.number(`${path}.windowSeconds`, o.windowSeconds, undefined, { min: 0.001 }),
    };
}

function readLatency(r: Reader, path: string, value: unknown): LatencySeed {
    if (value === undefined) return 0;
    if (typeof value === "number") return r.number(path, value, 0, { min: 0 });
    const kind = typeof value === "object" && value !== null ? (value as Obj).distribution : undefined;
    switch (kind) {
        case "uniform": {
            const o = r.object(path, value, ["distribution", "minMs", "maxMs"]) ?? {};
            const minMs = r.number(`${path}.minMs`, o.minMs, undefined, { min: 0 });
            const maxMs = r.number(`${path}.maxMs`, o.maxMs, undefined, { min: 0 });
            if (maxMs < minMs) r.problem(`${path}.maxMs`, maxMs, `a number >= minMs (${minMs})`);
            return { distribution: "uniform", minMs, maxMs };
        }
        case "normal": {
            const o = r.object(path, value, ["distribution", "meanMs", "stdDevMs"]) ?? {};
            return {
                distribution: "normal",
                meanMs: r.number(`${path}.meanMs`, o.meanMs, undefined, { min: 0 }),
                stdDevMs: r.number(`${path}.stdDevMs`, o.stdDevMs, undefined, { min: 0 }),
            };
        }
        case "lognormal": {
            const o = r.object(path, value, ["distribution", "medianMs", "sigma"]) ?? {};
            return {
                distribution: "lognormal",
                medianMs: r.number(`${path}.medianMs`, o.medianMs, undefined, { min: 0 }),
                sigma: r.number(`${path}.sigma`, o.sigma, undefined, { min: 0 }),
            };
        }
        default:
            r.problem(
                path,
                value,
                'milliseconds, or {"distribution":"uniform","minMs","maxMs"}, {"distribution":"normal","meanMs","stdDevMs"} or {"distribution":"lognormal","medianMs","sigma"}',
            );
            return 0;
    }
}

export function readBehaviour(r: Reader, value: unknown): Behaviour {
    if (value === undefined) return { ...DEFAULT_BEHAVIOUR };
    const p = "seed.behaviour";
    const b = r.object(p, value, [...Object.keys(DEFAULT_BEHAVIOUR), "randomSeed"]) ?? {};
    const d = DEFAULT_BEHAVIOUR;
    const limitOrNull = (key: "graphRequestLimit" | "bapRequestLimit") =>
        b[key] === undefined || b[key] === null ? null : (readRequestLimit(r, `${p}.${key}`, b[key]) ?? null);
    return {
        userSyncDelayMs: r.number(`${p}.userSyncDelayMs`, b.userSyncDelayMs, d.userSyncDelayMs, { min: 0 }),
        licensePropagationDelayMs: r.number(`${p}.licensePropagationDelayMs`, b.licensePropagationDelayMs, d.licensePropagationDelayMs, { min: 0 }),
        bapPageSize: r.number(`${p}.bapPageSize`, b.bapPageSize, d.bapPageSize, { min: 1, integer: true }),
        graphPageSize: r.number(`${p}.graphPageSize`, b.graphPageSize, d.graphPageSize, { min: 1, max: 999, integer: true }),
        dataverseConcurrencyLimit: r.number(`${p}.dataverseConcurrencyLimit`, b.dataverseConcurrencyLimit, d.dataverseConcurrencyLimit, {
            min: 1,
            integer: true,
        }),
        dataverseConcurrencyRetryAfterSeconds: r.number(
            `${p}.dataverseConcurrencyRetryAfterSeconds`,
            b.dataverseConcurrencyRetryAfterSeconds,
            d.dataverseConcurrencyRetryAfterSeconds,
            { min: 0, integer: true },
        ),
        dataverseRequestLimit:
            b.dataverseRequestLimit === undefined
                ? { ...d.dataverseRequestLimit }
                : (readRequestLimit(r, `${p}.dataverseRequestLimit`, b.dataverseRequestLimit) ?? d.dataverseRequestLimit),
        graphRequestLimit: limitOrNull("graphRequestLimit"),
        bapRequestLimit: limitOrNull("bapRequestLimit"),
        tokenLifetimeSeconds: r.number(`${p}.tokenLifetimeSeconds`, b.tokenLifetimeSeconds, d.tokenLifetimeSeconds, { min: 1, integer: true }),
        latencyMs: readLatency(r, `${p}.latencyMs`, b.latencyMs),
        ...(b.randomSeed !== undefined ? { randomSeed: r.number(`${p}.randomSeed`, b.randomSeed, 0, { integer: true }) } : {}),
    };
}

/** Validates one fault (from the seed or from POST /_emulator/faults). */
export function readFault(r: Reader, path: string, value: unknown): FaultSeed {
    const f =
        r.object(path, value, ["route", "method", "service", "status", "count", "probability", "retryAfterSeconds", "delayMs", "drop", "code", "message"]) ??
        {};
    const route = r.string(`${path}.route`, f.route);
    if (route) {
        try {
            new RegExp(route);
        } catch (err) {
            r.problem(`${path}.route`, route, `a valid regular expression (${(err as Error).message})`);
        }
    }
    const fault: FaultSeed = { route };
    if (f.method !== undefined) fault.method = r.string(`${path}.method`, f.method).toUpperCase();
    if (f.service !== undefined) fault.service = r.oneOf<ServiceName>(`${path}.service`, f.service, SERVICE_NAMES);
    if (f.status !== undefined) fault.status = r.number(`${path}.status`, f.status, undefined, { min: 100, max: 599, integer: true });
    if (f.count !== undefined) fault.count = r.number(`${path}.count`, f.count, undefined, { min: 1, integer: true });
    if (f.probability !== undefined) fault.probability = r.number(`${path}.probability`, f.probability, undefined, { min: 0, max: 1 });
    if (f.retryAfterSeconds !== undefined)
        fault.retryAfterSeconds = r.number(`${path}.retryAfterSeconds`, f.retryAfterSeconds, undefined, { min: 0, integer: true });
    if (f.delayMs !== undefined) fault.delayMs = r.number(`${path}.delayMs`, f.delayMs, undefined, { min: 0 });
    if (f.drop !== undefined) fault.drop = r.boolean(`${path}.drop`, f.drop, false);
    if (f.code !== undefined) fault.code = r.string(`${path}.code`, f.code);
    if (f.message !== undefined) fault.message = r.string(`${path}.message`, f.message);
    if (fault.status === undefined && fault.delayMs === undefined && !fault.drop) {
        r.problem(path, value, "at least one effect: status, delayMs or drop: true");
    }
    if (fault.drop && fault.status !== undefined) r.problem(`${path}.status`, fault.status, "no status when drop is true (a dropped connection has no answer)");
    return fault;
}
