// The fleet plan's arithmetic (bench/fleet-plan.ts) on hand-made tenant costs, each
// figure worked out by hand in the test's words.

import { strict as assert } from "assert";

import {
    DEFAULT_ASSUMPTIONS,
    ENTITLEMENT_WINDOW_SECONDS,
    jobSeconds,
    limitPeak,
    peakInFlight,
    peakInWindow,
    planFleet,
    requestKinds,
    resourceUnits,
    routeOf,
    SHARED_LIMITS,
    SharedLimit,
    TenantCost,
    tenantsReaching,
    TimedRequest,
} from "../../bench/fleet-plan";

const ENV_A = "b0000000-0000-4000-8000-000000000001";
const ENV_B = "b0000000-0000-4000-8000-000000000002";

function request(service: TimedRequest["service"], method: string, startMs: number, extra: Partial<TimedRequest> = {}): TimedRequest {
    return { service, method, route: "/x", startMs, endMs: startMs + 50, ...extra };
}

/** One tenant: 4 Graph reads and 2 writes in its first 4 s, 3 BAP requests, 6 Dataverse requests over two environments. */
const RUN: TimedRequest[] = [
    request("graph", "GET", 0),
    request("graph", "GET", 1_000),
    request("graph", "POST", 2_000),
    request("graph", "GET", 3_000, { route: "/v1.0/users/{id}/transitiveMemberOf" }),
    request("graph", "POST", 3_500),
    request("graph", "GET", 4_000),
    request("bap", "GET", 5_000),
    request("bap", "POST", 5_100),
    request("bap", "GET", 5_200),
    ...[6_000, 6_010, 6_020].map((at) => request("dataverse", "GET", at, { environmentId: ENV_A, endMs: at + 100 })),
    ...[6_000, 7_000, 8_000].map((at) => request("dataverse", "POST", at, { environmentId: ENV_B })),
];

const COST: TenantCost = { environments: 2, cpuSeconds: 12, slotSeconds: 20, concurrency: 2, runs: [{ requests: RUN }], statusDataverseRequests: 4 };

function limitNamed(part: string): SharedLimit {
    const found = SHARED_LIMITS.find((limit) => limit.name.includes(part));
    assert.ok(found, `no limit named like ${part}`);
    return found;
}

describe("the fleet plan's arithmetic", () => {
    describe("peakInWindow", () => {
        it("finds the heaviest window, both ends included, and ignores weightless events", () => {
            const events = [0, 100, 200, 1_000, 1_050, 1_100].map((atMs) => ({ atMs, weight: 1 }));
            assert.equal(peakInWindow(events, 100), 3); // 1000, 1050, 1100
            assert.equal(peakInWindow(events, 1_000), 5); // 100 … 1100
            assert.equal(peakInWindow([...events, { atMs: 1_060, weight: 0 }], 100), 3);
            assert.equal(peakInWindow([], 100), 0);
        });

        it("sums weights, not events", () => {
            assert.equal(
                peakInWindow(
                    [
                        { atMs: 0, weight: 5 },
                        { atMs: 10, weight: 1 },
                        { atMs: 500, weight: 5 },
                    ],
                    20,
                ),
                6,
            );
        });
    });

    it("peakInFlight counts overlapping requests; one ending as another starts does not overlap it", () => {
        const all = () => 1;
        assert.equal(peakInFlight([request("dataverse", "GET", 0), request("dataverse", "GET", 50), request("dataverse", "GET", 100)], all), 1);
        assert.equal(peakInFlight([request("dataverse", "GET", 0), request("dataverse", "GET", 10), request("dataverse", "GET", 20)], all), 3);
    });

    it("costs a transitive membership read 5 resource units, any other Graph request 1, and nothing elsewhere", () => {
        assert.deepEqual(RUN.slice(0, 7).map(resourceUnits), [1, 1, 1, 5, 1, 1, 0]);
    });

    it("names requests by kind: no query, ids and quoted keys as {id}", () => {
        assert.equal(routeOf(`/api/data/v9.2/systemusers(${ENV_A})?$select=x`), "/api/data/v9.2/systemusers({id})");
        assert.equal(routeOf("/v1.0/users/backup@contoso.example/memberOf"), "/v1.0/users/{id}/memberOf");
        assert.equal(routeOf("/v1.0/servicePrincipals(appId='abc')"), "/v1.0/servicePrincipals(appId={id})");
        assert.equal(routeOf("/v1.0/users/backup%40contoso.example"), "/v1.0/users/{id}");
        assert.equal(
            routeOf("/v1.0/roleManagement/directory/roleAssignments/lAPpYvVpN0KRkAEhdxReEC6dbDtaT3xLjZ4PGis8TV4-1"),
            "/v1.0/roleManagement/directory/roleAssignments/{id}",
        );
        assert.equal(
            routeOf("/v1.0/roleManagement/directory/roleAssignmentScheduleInstances"),
            "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances",
        );
        const kinds = requestKinds([{ requests: RUN }, { requests: RUN.slice(0, 2) }]);
        // Graph GET /x: 3 in RUN and 2 in its first two requests, over two tenants.
        assert.deepEqual(kinds[0], { service: "graph", method: "GET", route: "/x", perTenant: 2.5 });
    });

    describe("per-tenant and per-environment limits do not grow with the fleet", () => {
        it("Graph per app per tenant: the tenant's resource units in its busiest 10 s", () => {
            // 1 + 1 + 1 + 5 + 1 + 1 = 10, all within 4 s.
            const limit = limitNamed("3,500 RU");
            assert.equal(limitPeak(limit, COST, 1, 1), 10);
            assert.equal(limitPeak(limit, COST, 10_000, 1_000), 10);
        });

        it("Dataverse per user per web server: the busiest environment, by requests and in flight", () => {
            assert.equal(limitPeak(limitNamed("6,000 requests"), COST, 5, 5), 3);
            // ENV_A's three GETs overlap (100 ms each, 10 ms apart); ENV_B's never do.
            assert.equal(limitPeak(limitNamed("52 concurrent"), COST, 5, 5), 3);
        });

        it("the daily entitlement: one update's and one status read's Dataverse requests", () => {
            const limit = SHARED_LIMITS.find((candidate) => candidate.windowSeconds === ENTITLEMENT_WINDOW_SECONDS)!;
            assert.equal(limitPeak(limit, COST, 1_000, 100), 6 + 4);
        });
    });

    describe("fleet-wide limits", () => {
        it("grow with the slots in flight while each slot runs one tenant", () => {
            // Graph requests in the busiest 10 s of one tenant: 6; 5 tenants at once: 30.
            const limit = limitNamed("130,000 requests");
            assert.equal(limitPeak(limit, COST, 5, 10), 30);
            assert.equal(limitPeak(limit, COST, 10, 10), 60);
        });

        it("count a slot's tenants back to back, one every slotSeconds, within a long window", () => {
            // 5 min of Graph writes (2 a tenant, at 2 s and 3.5 s of its run); a slot starts a tenant every 20 s.
            // 20 tenants on 2 slots: 10 each, all within 300 s: 2 slots × 10 tenants × 2 writes.
            const limit = limitNamed("70,000 writes");
            assert.equal(limitPeak(limit, COST, 20, 2), 2 * 10 * 2);
            // However many tenants a slot runs, 300 s holds 15 of them whole and one write of a 16th: 31 a slot.
            assert.equal(limitPeak(limit, COST, 40, 2), 2 * 31);
            assert.equal(limitPeak(limit, COST, 4_000, 2), 2 * 31);
        });
    });

    describe("planFleet", () => {
        it("spreads 1,000 tenants over 256 jobs of 4 or 3, in waves of the plan's concurrent jobs", () => {
            const plan = planFleet(1_000, COST, { name: "Team", concurrentJobs: 60 });
            assert.equal(plan.jobs, 256);
            assert.equal(plan.tenantsPerJob, 4);
            // 60 s of set-up, then 2 rounds of 2 tenants, 20 s each.
            assert.equal(plan.jobSeconds, 100);
            assert.equal(plan.waves, 5); // 256 / 60 → 5
            assert.equal(plan.wallSeconds, 60 + 5 * 100);
            // 232 jobs of 4 (100 s, billed 2 min) and 24 of 3 (60 + 2 × 20 = 100 s, 2 min), and the list job's minute.
            assert.equal(plan.runnerMinutes, 1 + 256 * 2);
            assert.equal(plan.inFlight, 120);
            assert.equal(plan.cpuHours, (1_000 * 12) / 3600);
        });

        it("runs a small fleet in one wave of one job per tenant", () => {
            const plan = planFleet(10, COST, { name: "Free", concurrentJobs: 20 });
            assert.deepEqual([plan.jobs, plan.tenantsPerJob, plan.waves, plan.inFlight], [10, 1, 1, 10]);
            assert.equal(plan.jobSeconds, 60 + 20);
            assert.equal(plan.runnerMinutes, 1 + 10 * 2);
        });

        it("takes its jobs and set-up from the assumptions", () => {
            const plan = planFleet(1_000, COST, { name: "Enterprise", concurrentJobs: 500 }, { ...DEFAULT_ASSUMPTIONS, jobs: 100, jobSetupSeconds: 0 });
            assert.deepEqual([plan.jobs, plan.tenantsPerJob, plan.waves], [100, 10, 1]);
            assert.equal(plan.jobSeconds, jobSeconds(10, COST, { ...DEFAULT_ASSUMPTIONS, jobSetupSeconds: 0 }));
            assert.equal(plan.jobSeconds, 5 * 20);
        });

        it("names the limit with the highest share as binding", () => {
            const plan = planFleet(1_000, COST, { name: "Team", concurrentJobs: 60 });
            const highest = Math.max(...plan.limits.map((use) => use.percent));
            assert.equal(plan.binding.percent, highest);
            assert.equal(plan.limits.length, SHARED_LIMITS.length);
        });
    });

    describe("tenantsReaching", () => {
        it("finds the fewest tenants at which a fleet-wide limit reaches a share", () => {
            // 130,000 Graph requests per 10 s at 6 per tenant's busiest 10 s: 50 % needs 10,834 tenants in flight, more
            // than 256 jobs × 2 allow, so never; a limit of 60 per 10 s reaches 50 % at 5 tenants, 100 % at 10.
            const limit = limitNamed("130,000 requests");
            assert.equal(tenantsReaching(limit, 50, COST, { name: "Enterprise", concurrentJobs: 500 }), undefined);
            const small = { ...limit, limit: 60 };
            assert.equal(tenantsReaching(small, 50, COST, { name: "Enterprise", concurrentJobs: 500 }), 5);
            assert.equal(tenantsReaching(small, 100, COST, { name: "Enterprise", concurrentJobs: 500 }), 10);
        });

        it("never, for a per-tenant limit below the share", () => {
            assert.equal(tenantsReaching(limitNamed("3,500 RU"), 50, COST, { name: "Team", concurrentJobs: 60 }), undefined);
        });
    });
});
