// The arithmetic of a fleet plan: from what one tenant's first update cost, measured
// against emulated tenants (`npm run bench:fleet -- --plan N`), what N tenants cost
// through the tenants workflow: runner-minutes, wall time, and the peak of each shared
// limit Microsoft publishes (../docs/fleet.md, "A thousand tenants"). No I/O here, so
// every figure can be checked by hand in test/bench/fleet-plan.test.ts.
//
// The model, each part an assumption the output states:
// - The workflow runs `min(N, jobs)` jobs, each `npm run fleet -- up --stacks <shard>`
//   over ceil(N / jobs) or floor(N / jobs) tenants at the fleet's concurrency; GitHub
//   runs at most the plan's concurrent jobs at once and queues the rest in waves of
//   equal jobs. A job's time is its set-up plus its rounds of `concurrency` tenants,
//   each round as long as a slot spent per tenant in the measured run (same cores).
// - Peaks are upper bounds: every slot in flight (concurrent jobs × concurrency, at most
//   N) is assumed to run its tenants back to back, in phase with every other slot, and
//   without the gaps of job set-up; so a fleet-wide count in a window is the slots times
//   the busiest window of one slot's run of its tenants, one after the other.
// - Per-tenant and per-environment limits do not grow with N: one tenant runs in one
//   slot at a time.

/** One request the emulator logged, relative to the start of its tenant's run. */
export interface TimedRequest {
    readonly service: "graph" | "bap" | "dataverse";
    readonly method: string;
    /** Path without its query, ids replaced by {id}: the kind of request. */
    readonly route: string;
    /** Dataverse: the environment (one web server, one application user) it went to. */
    readonly environmentId?: string;
    readonly startMs: number;
    readonly endMs: number;
}

/** What one tenant's run cost on this machine. */
export interface TenantRun {
    readonly requests: readonly TimedRequest[];
}

export interface TenantCost {
    /** Environments per measured tenant. */
    readonly environments: number;
    /** CPU seconds (user + system) per tenant, the whole process tree. */
    readonly cpuSeconds: number;
    /**
     * Wall seconds one fleet slot spends per tenant at the measured concurrency: the
     * run's seconds × concurrency / tenants (so CPU contention between slots is in it).
     */
    readonly slotSeconds: number;
    /** The fleet's --concurrency the cost was measured at. */
    readonly concurrency: number;
    /** Each measured tenant's first update. */
    readonly runs: readonly TenantRun[];
    /** Dataverse requests of the same tenants' `fleet status` (the daily read), per tenant. */
    readonly statusDataverseRequests: number;
}

export interface PlanAssumptions {
    /** Jobs the workflow spreads the tenant stacks over (GitHub's matrix allows 256 per run). */
    readonly jobs: number;
    /** The fleet's --concurrency inside each job. */
    readonly concurrency: number;
    /** A job's set-up before the fleet starts: checkout, Node, npm ci, the CLI, azure/login (not measured here). */
    readonly jobSetupSeconds: number;
    /** Runs of the workflow's stack-list job before the tenant jobs start. */
    readonly listJobSeconds: number;
}

/** GitHub's concurrent jobs on standard GitHub-hosted Linux runners, by plan (docs.github.com/en/actions/reference/limits). */
export const GITHUB_PLANS: readonly { readonly name: string; readonly concurrentJobs: number }[] = [
    { name: "Free", concurrentJobs: 20 },
    { name: "Team", concurrentJobs: 60 },
    { name: "Enterprise", concurrentJobs: 500 },
];

export const DEFAULT_ASSUMPTIONS: PlanAssumptions = { jobs: 256, concurrency: 2, jobSetupSeconds: 60, listJobSeconds: 60 };

/** Graph resource units of a request: 1, or 5 for a transitive membership read (the costliest in Microsoft's table that this project calls). */
export function resourceUnits(request: TimedRequest): number {
    if (request.service !== "graph") return 0;
    return /\/transitive/i.test(request.route) ? 5 : 1;
}

export function isWrite(request: TimedRequest): boolean {
    return request.method !== "GET" && request.method !== "HEAD";
}

export type LimitScope = "fleet" | "tenant" | "environment";

/** A shared limit Microsoft publishes (../shared MICROSOFT-APIS.md, "Service limits"). */
export interface SharedLimit {
    readonly name: string;
    /** fleet: the one operator app across all tenants; tenant: one tenant; environment: one Dataverse web server and user. */
    readonly scope: LimitScope;
    readonly limit: number;
    /** The sliding window; 0 for a bound on requests in flight at once. */
    readonly windowSeconds: number;
    /** How much a request counts against the limit (0: not at all). */
    readonly weight: (request: TimedRequest) => number;
}

const graph = (request: TimedRequest) => (request.service === "graph" ? 1 : 0);
const graphWrite = (request: TimedRequest) => (request.service === "graph" && isWrite(request) ? 1 : 0);
const dataverse = (request: TimedRequest) => (request.service === "dataverse" ? 1 : 0);

export const ENTITLEMENT_WINDOW_SECONDS = 24 * 3600;

export const SHARED_LIMITS: readonly SharedLimit[] = [
    { name: "Graph per app across tenants: 150,000 RU / 20 s", scope: "fleet", limit: 150_000, windowSeconds: 20, weight: resourceUnits },
    { name: "Graph per app across tenants: 70,000 writes / 5 min", scope: "fleet", limit: 70_000, windowSeconds: 300, weight: graphWrite },
    { name: "Graph any app: 130,000 requests / 10 s", scope: "fleet", limit: 130_000, windowSeconds: 10, weight: graph },
    { name: "Graph per app per tenant: 3,500 RU / 10 s (< 50 users)", scope: "tenant", limit: 3_500, windowSeconds: 10, weight: resourceUnits },
    { name: "Graph per app per tenant: 3,000 writes / 150 s", scope: "tenant", limit: 3_000, windowSeconds: 150, weight: graphWrite },
    { name: "Graph per tenant (all apps): 18,000 writes / 5 min", scope: "tenant", limit: 18_000, windowSeconds: 300, weight: graphWrite },
    { name: "Dataverse per user per web server: 6,000 requests / 300 s", scope: "environment", limit: 6_000, windowSeconds: 300, weight: dataverse },
    { name: "Dataverse per user per web server: 52 concurrent", scope: "environment", limit: 52, windowSeconds: 0, weight: dataverse },
    {
        name: "Power Platform entitlement: 40,000 requests / 24 h per licensed user",
        scope: "tenant",
        limit: 40_000,
        windowSeconds: ENTITLEMENT_WINDOW_SECONDS,
        weight: dataverse,
    },
];

/** The largest total weight of `events` (times in ms) within any window of `windowMs`, the window closed at both ends. */
export function peakInWindow(events: readonly { readonly atMs: number; readonly weight: number }[], windowMs: number): number {
    const sorted = events.filter((event) => event.weight > 0).sort((a, b) => a.atMs - b.atMs);
    let peak = 0;
    let sum = 0;
    let first = 0;
    for (const event of sorted) {
        sum += event.weight;
        while (sorted[first].atMs < event.atMs - windowMs) sum -= sorted[first++].weight;
        peak = Math.max(peak, sum);
    }
    return peak;
}

/** The most requests of weight > 0 in flight at once (a request ending as another starts does not overlap it). */
export function peakInFlight(requests: readonly TimedRequest[], weight: (request: TimedRequest) => number): number {
    const edges: [number, number][] = [];
    for (const request of requests) {
        if (weight(request) <= 0) continue;
        edges.push([request.startMs, 1], [request.endMs, -1]);
    }
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current = 0;
    let peak = 0;
    for (const [, step] of edges) {
        current += step;
        peak = Math.max(peak, current);
    }
    return peak;
}

/** One slot's requests when it runs `tenants` tenants back to back, each of the measured runs in turn, one every `slotSeconds`. */
function slotEvents(cost: TenantCost, tenants: number, weight: (request: TimedRequest) => number): { atMs: number; weight: number }[] {
    const periodMs = Math.max(cost.slotSeconds * 1000, ...cost.runs.map((run) => Math.max(0, ...run.requests.map((request) => request.endMs))));
    const events: { atMs: number; weight: number }[] = [];
    for (let n = 0; n < tenants; n++) {
        const run = cost.runs[n % cost.runs.length];
        for (const request of run.requests) events.push({ atMs: n * periodMs + request.startMs, weight: weight(request) });
    }
    return events;
}

/** The peak count of `limit` at its scope, for a fleet of `tenants` tenants with `slots` of them in flight at once. */
export function limitPeak(limit: SharedLimit, cost: TenantCost, tenants: number, slots: number): number {
    if (limit.windowSeconds === ENTITLEMENT_WINDOW_SECONDS) {
        // One update and one daily status check a day, of each tenant.
        return Math.max(0, ...cost.runs.map((run) => run.requests.reduce((sum, request) => sum + limit.weight(request), 0))) + cost.statusDataverseRequests;
    }
    if (limit.scope === "environment") {
        let peak = 0;
        for (const run of cost.runs) {
            const environments = new Set(run.requests.map((request) => request.environmentId).filter((id): id is string => id !== undefined));
            for (const environment of environments) {
                const own = run.requests.filter((request) => request.environmentId === environment);
                peak = Math.max(
                    peak,
                    limit.windowSeconds === 0
                        ? peakInFlight(own, limit.weight)
                        : peakInWindow(
                              own.map((request) => ({ atMs: request.startMs, weight: limit.weight(request) })),
                              limit.windowSeconds * 1000,
                          ),
                );
            }
        }
        return peak;
    }
    if (limit.scope === "tenant") {
        return Math.max(
            0,
            ...cost.runs.map((run) =>
                peakInWindow(
                    run.requests.map((request) => ({ atMs: request.startMs, weight: limit.weight(request) })),
                    limit.windowSeconds * 1000,
                ),
            ),
        );
    }
    const inFlight = Math.min(tenants, slots);
    if (inFlight === 0) return 0;
    const perSlot = Math.ceil(tenants / inFlight);
    return inFlight * peakInWindow(slotEvents(cost, perSlot, limit.weight), limit.windowSeconds * 1000);
}

export interface LimitUse {
    readonly limit: SharedLimit;
    readonly peak: number;
    readonly percent: number;
}

export interface GitHubPlan {
    readonly name: string;
    readonly concurrentJobs: number;
}

export interface FleetPlan {
    readonly tenants: number;
    readonly plan: GitHubPlan;
    readonly jobs: number;
    /** Tenants of the largest shard. */
    readonly tenantsPerJob: number;
    readonly jobSeconds: number;
    readonly waves: number;
    readonly wallSeconds: number;
    readonly runnerMinutes: number;
    readonly cpuHours: number;
    /** Tenants in flight at once: concurrent jobs × concurrency, at most N. */
    readonly inFlight: number;
    readonly limits: readonly LimitUse[];
    /** The limit with the highest share. */
    readonly binding: LimitUse;
}

/** The seconds of a job that brings `tenants` tenants to their stage. */
export function jobSeconds(tenants: number, cost: TenantCost, assumptions: PlanAssumptions): number {
    return assumptions.jobSetupSeconds + Math.ceil(tenants / assumptions.concurrency) * cost.slotSeconds;
}

export function planFleet(tenants: number, cost: TenantCost, plan: GitHubPlan, assumptions: PlanAssumptions = DEFAULT_ASSUMPTIONS): FleetPlan {
    const jobs = Math.max(1, Math.min(tenants, assumptions.jobs));
    const small = Math.floor(tenants / jobs);
    const large = Math.ceil(tenants / jobs);
    const largeJobs = tenants - small * jobs;
    const smallJobs = jobs - largeJobs;
    const concurrentJobs = Math.min(jobs, plan.concurrentJobs);
    const waves = Math.ceil(jobs / concurrentJobs);
    const longest = jobSeconds(large, cost, assumptions);
    // GitHub bills each job's minutes rounded up to the whole minute.
    const billed = (seconds: number) => Math.ceil(seconds / 60);
    const runnerMinutes =
        billed(assumptions.listJobSeconds) +
        largeJobs * billed(longest) +
        (smallJobs > 0 && small > 0 ? smallJobs * billed(jobSeconds(small, cost, assumptions)) : 0);
    const slots = concurrentJobs * assumptions.concurrency;
    const limits = SHARED_LIMITS.map((limit) => {
        const peak = limitPeak(limit, cost, tenants, slots);
        return { limit, peak, percent: (peak / limit.limit) * 100 };
    });
    const binding = limits.reduce((worst, use) => (use.percent > worst.percent ? use : worst));
    return {
        tenants,
        plan,
        jobs,
        tenantsPerJob: large,
        jobSeconds: longest,
        waves,
        wallSeconds: assumptions.listJobSeconds + waves * longest,
        runnerMinutes,
        cpuHours: (tenants * cost.cpuSeconds) / 3600,
        inFlight: Math.min(tenants, slots),
        limits,
        binding,
    };
}

/**
 * The fewest tenants at which `limit` reaches `percent` of itself under `plan`, up to
 * `ceiling`; undefined when it never does (per-tenant limits do not grow with N, and a
 * fleet-wide count stops growing once every slot is busy for the whole window).
 */
export function tenantsReaching(
    limit: SharedLimit,
    percent: number,
    cost: TenantCost,
    plan: GitHubPlan,
    assumptions: PlanAssumptions = DEFAULT_ASSUMPTIONS,
    ceiling = 1_000_000,
): number | undefined {
    const reaches = (tenants: number) => {
        const slots = Math.min(Math.max(1, Math.min(tenants, assumptions.jobs)), plan.concurrentJobs) * assumptions.concurrency;
        return (limitPeak(limit, cost, tenants, slots) / limit.limit) * 100 >= percent;
    };
    if (!reaches(ceiling)) return undefined;
    // The count grows with N (more tenants per slot, or more slots), so the first N is found by halving.
    let low = 0;
    let high = ceiling;
    while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (reaches(middle)) high = middle;
        else low = middle;
    }
    return high;
}

/** Path without query, ids (GUIDs, quoted keys, user names, long opaque keys) replaced by {id}: the kind of a request. */
export function routeOf(path: string): string {
    return path
        .split("?")[0]
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "{id}")
        .replace(/'[^']*'/g, "{id}")
        .split("/")
        .map((segment) => (/@|%40/i.test(segment) || (segment.length >= 20 && /^[\w-]+$/.test(segment) && /\d/.test(segment)) ? "{id}" : segment))
        .join("/");
}

/** Requests per tenant by kind (service, method, route), most first. */
export function requestKinds(runs: readonly TenantRun[]): { service: string; method: string; route: string; perTenant: number }[] {
    const counts = new Map<string, { service: string; method: string; route: string; count: number }>();
    for (const run of runs) {
        for (const request of run.requests) {
            const key = `${request.service} ${request.method} ${request.route}`;
            const entry = counts.get(key) ?? { service: request.service, method: request.method, route: request.route, count: 0 };
            entry.count++;
            counts.set(key, entry);
        }
    }
    return [...counts.values()]
        .map(({ count, ...kind }) => ({ ...kind, perTenant: count / Math.max(1, runs.length) }))
        .sort((a, b) => b.perTenant - a.perTenant || a.service.localeCompare(b.service) || a.route.localeCompare(b.route));
}
